/**
 * Canonical tensor names are the classic Hugging Face ones of the hub checkpoints (docs/runtime.md §8):
 * `visual.*`, `model.embed_tokens.weight`, `model.layers.{i}.*`, `model.norm.weight`, `lm_head.weight`.
 * Newer transformers exports prefix the vision tower with `model.visual.` and the decoder with
 * `model.language_model.`; both map here.
 */
export function canonicalWeightName(name: string): string {
  if (name.startsWith('model.visual.')) return name.slice('model.'.length);
  if (name.startsWith('model.language_model.')) return 'model.' + name.slice('model.language_model.'.length);
  return name;
}

/** The newer export's name for a canonical name (used by the checkpoint factory to test loaders). */
export function newStyleWeightName(canonical: string): string {
  if (canonical.startsWith('visual.')) return 'model.' + canonical;
  if (canonical.startsWith('model.')) return 'model.language_model.' + canonical.slice('model.'.length);
  return canonical;
}
