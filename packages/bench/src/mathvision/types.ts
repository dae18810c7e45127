/** One MATH-V problem as in `data/test.jsonl` (docs/benchmarks.md §2). */
export interface MathVisionProblem {
  readonly id: string;
  /** Contains `<image1>` placeholders. */
  readonly question: string;
  /** `[]` for free-form, five option texts for multi-choice. */
  readonly options: readonly string[];
  readonly answer: string;
  readonly solution?: string | null;
  readonly level: number;
  readonly subject: string;
  /** Relative image path (`images/<id>.jpg`) in the official JSONL. */
  readonly image?: string;
}
