import { EvolmmError } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { semanticReward } from './semantic-similarity.js';
import { textSimilarity, vectorCosine } from './text-similarity.js';

describe('semanticReward', () => {
  it('scores similarity to the reference, with the reference in the idf corpus', async () => {
    const answers = ['sales rose sharply', 'sales fell', 'the weather'];
    const r = await semanticReward().score({ completions: answers, answers, reference: 'sales rose' });
    const corpus = [...answers, 'sales rose'];
    r.forEach((x, i) => expect(x.value).toBeCloseTo(textSimilarity(answers[i], 'sales rose', {}, corpus), 15));
    expect(r[0].value).toBeGreaterThan(r[1].value);
    expect(r[2].value).toBe(0);
    expect(r[0].components).toEqual({ similarity: r[0].value });
  });

  it("'group' mode: mean similarity to the other answers, label-free", async () => {
    const answers = ['blue', 'blue', 'red'];
    const r = await semanticReward({ against: 'group', metric: 'jaro-winkler' }).score({ completions: answers, answers });
    expect(r.map((x) => x.value)).toEqual([0.5, 0.5, 0]);
    const one = await semanticReward({ against: 'group' }).score({ completions: ['x'] });
    expect(one[0].value).toBe(1);
  });

  it('minSimilarity floors low similarities to 0', async () => {
    const r = await semanticReward({ metric: 'jaro-winkler', minSimilarity: 0.9 }).score({
      completions: ['martha', 'marhta', 'mary'],
      answers: ['martha', 'marhta', 'mary'],
      reference: 'martha',
    });
    expect(r[0].value).toBe(1);
    expect(r[1].value).toBeCloseTo(0.961, 3);
    expect(r[2].value).toBe(0);
    expect(r[2].components?.similarity).toBeGreaterThan(0);
  });

  it('uses a user embedding function for vector cosine', async () => {
    const seen: string[][] = [];
    const table: Record<string, number[]> = { cat: [1, 0, 0], kitten: [0.9, 0.1, 0], car: [0, 0, 1] };
    const embed = async (texts: string[]) => {
      seen.push(texts);
      return texts.map((t) => table[t] ?? [0, 1, 0]);
    };
    const r = await semanticReward({ embed }).score({ completions: ['cat', 'car'], answers: ['kitten', 'car'], reference: 'cat' });
    expect(seen).toEqual([['kitten', 'car', 'cat']]);
    expect(r[0].value).toBeCloseTo(vectorCosine([0.9, 0.1, 0], [1, 0, 0]), 15);
    expect(r[1].value).toBe(0);
  });

  it('rejects an embedding function that returns the wrong number of vectors', async () => {
    const embed = async () => [[1]];
    await expect(
      Promise.resolve(semanticReward({ embed }).score({ completions: ['a', 'b'], reference: 'c' })),
    ).rejects.toBeInstanceOf(EvolmmError);
  });

  it('needs a reference in reference mode', () => {
    expect(() => semanticReward().score({ completions: ['a'] })).toThrow(EvolmmError);
  });
});
