import type { Completion } from '@evolmm/core';
import type { QwenTokenizer } from './tokenizer.js';

/**
 * Turns sampled ids into a core `Completion` (docs/method.md §9 D7, core Completion docs). Feed every sampled
 * token to `push`; it returns true when generation must stop: on a stop id (end-of-turn/eos; the id is kept in
 * `tokenIds`) or when the decoded text contains a stop string (the text is cut before it, the ids are kept).
 * `finish()` gives finishReason 'stop' in both cases, 'length' otherwise.
 */
export class StopChecker {
  private readonly ids: number[] = [];
  private readonly lps: number[] = [];
  private readonly stopIds: Set<number>;
  private stoppedBy: 'token' | 'string' | null = null;
  private cutText: string | null = null;

  constructor(
    private readonly tokenizer: QwenTokenizer,
    stopTokenIds: readonly number[],
    private readonly stopStrings: readonly string[] = [],
  ) {
    this.stopIds = new Set(stopTokenIds);
  }

  /** True once a stop condition was met; further pushes are ignored. */
  get stopped(): boolean {
    return this.stoppedBy !== null;
  }

  get tokenIds(): readonly number[] {
    return this.ids;
  }

  /** Records a sampled token (and its log-prob, if tracked); returns true when generation must stop. */
  push(token: number, logprob?: number): boolean {
    if (this.stoppedBy) return true;
    this.ids.push(token);
    if (logprob !== undefined) this.lps.push(logprob);
    if (this.stopIds.has(token)) {
      this.stoppedBy = 'token';
      return true;
    }
    if (this.stopStrings.length > 0) {
      const text = this.tokenizer.decode(this.ids, { skipSpecialTokens: true });
      let cut = -1;
      for (const s of this.stopStrings) {
        if (s.length === 0) continue;
        const at = text.indexOf(s);
        if (at >= 0 && (cut < 0 || at < cut)) cut = at;
      }
      if (cut >= 0) {
        this.stoppedBy = 'string';
        this.cutText = text.slice(0, cut);
        return true;
      }
    }
    return false;
  }

  /** The completion; `logprobs` is included when requested and one was pushed per token. */
  finish(opts: { logprobs?: boolean } = {}): Completion {
    const text = this.cutText ?? this.tokenizer.decode(this.ids, { skipSpecialTokens: true });
    const c: Completion = {
      text,
      tokenIds: this.ids.slice(),
      finishReason: this.stoppedBy ? 'stop' : 'length',
      ...(opts.logprobs && this.lps.length === this.ids.length ? { logprobs: this.lps.slice() } : {}),
    };
    return c;
  }
}
