/**
 * Semantic-similarity reward: each answer's similarity in [0, 1] to the reference (or, label-free, its mean
 * similarity to the other answers of the group), by a `natural` string metric or by the cosine of vectors from
 * a user-supplied embedding function.
 */
import { EvolmmError, type RewardPlugin, type RewardResult } from '@evolmm/core';
import { answersOf, checkNumber, referenceOf } from './group-input.js';
import { createTokenize, tokenSimilarity, vectorCosine, type TextSimilarityOptions } from './text-similarity.js';

export interface SemanticRewardOptions extends TextSimilarityOptions {
  /** Plugin name. Default 'semantic'. */
  name?: string;
  /**
   * 'reference' (default): similarity to group.reference. 'group': mean similarity to the other answers
   * (label-free; a group of one scores 1).
   */
  against?: 'reference' | 'group';
  /**
   * Optional embedding function. When given, similarity = max(0, cosine) of the vectors and `metric` is unused.
   * Called once per group with the answers followed by the reference (when `against` is 'reference').
   */
  embed?: (texts: string[]) => Promise<number[][]>;
  /** Values below this similarity become 0 (a hard floor for noisy metrics). Default 0. */
  minSimilarity?: number;
}

/** Builds the reward; `score` is synchronous without `embed`, asynchronous with it. Components: `similarity`. */
export function semanticReward(opts: SemanticRewardOptions = {}): RewardPlugin {
  const name = opts.name ?? 'semantic';
  const against = opts.against ?? 'reference';
  const metric = opts.metric ?? 'tfidf-cosine';
  const floor = checkNumber(name, 'minSimilarity', opts.minSimilarity ?? 0, { min: 0, max: 1 });
  const tokenize = createTokenize(opts);

  const finish = (sims: number[]): RewardResult[] =>
    sims.map((s) => {
      const similarity = Number.isFinite(s) ? Math.min(1, Math.max(0, s)) : 0;
      const value = similarity < floor ? 0 : similarity;
      return { value, components: { similarity } };
    });

  // pairwise(i, j) over items = answers (+ reference at the end)
  const aggregate = (n: number, pairwise: (i: number, j: number) => number): number[] => {
    if (against === 'reference') return Array.from({ length: n }, (_, i) => pairwise(i, n));
    return Array.from({ length: n }, (_, i) => {
      if (n === 1) return 1;
      let sum = 0;
      for (let j = 0; j < n; j++) if (j !== i) sum += pairwise(i, j);
      return sum / (n - 1);
    });
  };

  return {
    specificationVersion: 'v1',
    name,
    score(group) {
      const answers = answersOf(group);
      const items = against === 'reference' ? [...answers, referenceOf(group, name)] : answers;
      const embed = opts.embed;
      if (embed === undefined) {
        const tokens = items.map(tokenize);
        return finish(aggregate(answers.length, (i, j) => tokenSimilarity(tokens[i], tokens[j], metric, tokens)));
      }
      return embed(items).then((vectors) => {
        if (!Array.isArray(vectors) || vectors.length !== items.length) {
          throw new EvolmmError(
            'INVALID_ARGUMENT',
            `${name}: embed() must return one vector per text: expected ${items.length}, found ${
              Array.isArray(vectors) ? vectors.length : typeof vectors
            }. Check your embedding function.`,
          );
        }
        return finish(aggregate(answers.length, (i, j) => vectorCosine(vectors[i], vectors[j])));
      });
    },
  };
}
