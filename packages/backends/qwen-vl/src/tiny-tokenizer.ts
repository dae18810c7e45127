/**
 * A tiny Qwen-style byte-level BPE tokenizer.json (docs/runtime.md §6), for factory-built checkpoints: the 256
 * GPT-2 `bytes_to_unicode` tokens in Qwen's order (`!` = 0), a few English merges, and the Qwen special tokens.
 */

/** Qwen special tokens in id order, starting at `<|endoftext|>` (151643 in real checkpoints; docs/runtime.md §3.5). */
export const QWEN_SPECIAL_TOKENS = [
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|object_ref_start|>',
  '<|object_ref_end|>',
  '<|box_start|>',
  '<|box_end|>',
  '<|quad_start|>',
  '<|quad_end|>',
  '<|vision_start|>',
  '<|vision_end|>',
  '<|vision_pad|>',
  '<|image_pad|>',
  '<|video_pad|>',
] as const;

/** Id of `<|endoftext|>` in real Qwen2 vocabularies. */
export const QWEN_SPECIAL_BASE = 151643;

/** The split regex of Qwen2's pre-tokenizer (docs/runtime.md §3.5). */
export const QWEN_SPLIT_REGEX =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/** Merges, in rank order. Each merges two tokens that exist at that point ("hello" and "Ġworld" become one token each). */
const MERGES = [
  'Ġ t', 'h e', 'i n', 'Ġ a', 'r e', 'o n', 'Ġt he', 'e r', 'l l', 'he ll', 'hell o', 'Ġ w', 'o r', 'Ġw or', 'l d',
  'Ġwor ld', 'a t', 'e n', 'i s', 'Ġ s', 'Ġ i', 'in g', 'Ġ o', 'Ġ c', 'e s', 'Ġ b', 'a n', 'Ġ m', 'i t', 'Ġ f',
  'Ġ h', 'o w', 'Ġh ow', 'Ġ y', 'o u', 'Ġy ou', 'Ġ n', 'u m', 'b er', 'Ġn um', 'Ġnum ber', 'Ġ 1', 'Ġ 2', 'Ġ A', 'Ġ T',
];

/** GPT-2's reversible byte → printable character map, in vocabulary order. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const chars = bs.map((b) => String.fromCodePoint(b));
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      chars.push(String.fromCodePoint(256 + n));
      n++;
    }
  }
  // chars[i] is the token string of vocabulary id i; bs[i] is its byte.
  return chars;
}

export interface TinyTokenizerFiles {
  tokenizerJson: Record<string, unknown>;
  /** Id of each special token (QWEN_SPECIAL_TOKENS order). */
  specialIds: Record<string, number>;
  vocabSize: number;
}

/**
 * Builds tokenizer.json. With `vocabSize` ≥ 151657 the specials get their real Qwen ids (151643…); otherwise they
 * follow the merges. Unused ids below `vocabSize` get placeholder tokens `<unused_ID>` so every id decodes
 * (random-weight models can sample any id).
 */
export function buildTinyTokenizer(vocabSize?: number): TinyTokenizerFiles {
  const vocab: Record<string, number> = {};
  const byteChars = bytesToUnicode();
  byteChars.forEach((c, i) => (vocab[c] = i));
  let next = 256;
  for (const m of MERGES) {
    const [a, b] = m.split(' ');
    if (!(a in vocab) || !(b in vocab)) throw new Error(`tiny tokenizer: merge ${m} uses an unknown token`);
    vocab[a + b] = next++;
  }
  const minimal = next + QWEN_SPECIAL_TOKENS.length;
  const size = Math.max(vocabSize ?? minimal, minimal);
  const base = size >= QWEN_SPECIAL_BASE + QWEN_SPECIAL_TOKENS.length ? QWEN_SPECIAL_BASE : next;
  const specialIds: Record<string, number> = {};
  QWEN_SPECIAL_TOKENS.forEach((t, i) => (specialIds[t] = base + i));
  const specialSet = new Set(Object.values(specialIds));
  for (let id = next; id < size; id++) if (!specialSet.has(id)) vocab[`<unused_${id}>`] = id;
  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: QWEN_SPECIAL_TOKENS.map((content) => ({
      id: specialIds[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: QWEN_SPLIT_REGEX }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
      ],
    },
    post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: MERGES,
    },
  };
  return { tokenizerJson, specialIds, vocabSize: size };
}
