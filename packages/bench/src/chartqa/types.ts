import type { ImageInput } from '@evolmm/core';

/** One ChartQA test question (docs/benchmarks.md §2). */
export interface ChartQAItem {
  /** Position in the combined test set, human first (lmms-eval `idx`): "0" … "2499". */
  readonly id: string;
  /** lmms-eval naming: `human_test` or `augmented_test`. */
  readonly type: 'human_test' | 'augmented_test';
  /** Chart file name (official files); absent for parquet rows. */
  readonly imgname?: string;
  readonly question: string;
  /** Gold label (HuggingFaceM4 stores a list; its first entry is used). */
  readonly answer: string;
  /** A file path (official layout) or encoded bytes (parquet). */
  readonly image: ImageInput;
}
