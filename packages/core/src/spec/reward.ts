/**
 * The reward contract. A reward scores a whole group (all N answers to one question) at once, because EvoLMM's
 * rewards are properties of the group (agreement, entropy), not of one answer alone.
 */
export interface RewardGroup {
  /** The question the N completions answer (the Proposer's question, or a benchmark question). */
  readonly question?: string;
  /** The raw model outputs, in sampling order. */
  readonly completions: readonly string[];
  /**
   * The extracted final answers, one per completion (e.g. the `<answer>` tag content). When absent, a plugin
   * extracts them itself with the EvoLMM rules (`parseAnswer`).
   */
  readonly answers?: readonly string[];
  /** A gold answer, when one exists (benchmarks, SFT data). Label-free rewards ignore it. */
  readonly reference?: string;
  /** Free-form context (image id, iteration, ...), passed through untouched. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}

export interface RewardResult {
  /** The scalar reward of one completion. Finite. */
  readonly value: number;
  /** The named parts that make up `value`, for logging (e.g. { agreement: 0.6, lengthPenalty: 0.1 }). */
  readonly components?: Readonly<Record<string, number>>;
}

export interface RewardPlugin {
  readonly specificationVersion?: 'v1';
  readonly name: string;
  /** One result per completion, in order. Must not throw on odd model output: empty, huge, unicode, missing tags. */
  score(group: RewardGroup): readonly RewardResult[] | Promise<readonly RewardResult[]>;
}
