/** One MathVista problem as in `data/testmini.json` (docs/benchmarks.md §2). */
export interface MathVistaProblem {
  readonly pid: string;
  readonly question: string;
  /** Relative image path (`images/<pid>.jpg`) in the official JSON. */
  readonly image?: string;
  readonly choices: readonly string[] | null;
  readonly unit: string | null;
  /** Decimal places of a float answer (the HF release stores it as float64; it is read as an integer). */
  readonly precision: number | null;
  /** Gold answer; absent on the test split (answers not public). */
  readonly answer?: string;
  readonly question_type: 'multi_choice' | 'free_form';
  readonly answer_type: 'text' | 'integer' | 'float' | 'list';
  readonly metadata: MathVistaMetadata;
  /** The official prompt from `query.json` (or the HF `query` column), when available. */
  readonly query?: string;
}

export interface MathVistaMetadata {
  readonly split?: string;
  readonly language?: string;
  readonly img_width?: number;
  readonly img_height?: number;
  readonly source?: string;
  readonly category?: string;
  readonly task?: string;
  readonly context?: string;
  readonly grade?: string;
  readonly skills?: readonly string[];
  readonly [key: string]: unknown;
}

/**
 * Which integer rule normalises integer answers (docs/benchmarks.md §3.2): `'current'` = `str(int(float(x)))`
 * (truncates "3.7" to "3"), `'legacy'` = the older strict `str(int(x))` ("3.4" → None), which older published score
 * files (e.g. `scores_chatgpt_2shot_code.json`) were computed with.
 */
export type IntRule = 'current' | 'legacy';
