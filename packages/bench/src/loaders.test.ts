import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EvolmmError } from '@evolmm/core';
import { describe, expect, it } from 'vitest';
import { writeParquet, type Field } from './__fixtures__/write-parquet.js';
import { chartqa } from './chartqa/benchmark.js';
import { loadChartQA } from './chartqa/loader.js';
import { loadMathVision } from './mathvision/loader.js';
import { mathvision } from './mathvision/benchmark.js';
import { loadMathVista } from './mathvista/loader.js';
import { mathvista } from './mathvista/benchmark.js';

const BENCHDATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/benchdata');
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-bench-'));
async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
async function rejection(p: Promise<unknown>): Promise<EvolmmError> {
  try {
    await p;
  } catch (e) {
    expect(EvolmmError.isInstance(e)).toBe(true);
    return e as EvolmmError;
  }
  throw new Error('expected a rejection');
}
const IMAGE: Field = { name: 'image', kind: 'struct', fields: [{ name: 'bytes', kind: 'binary' }, { name: 'path', kind: 'string' }] };
const DECODED: Field = { ...IMAGE, name: 'decoded_image' };
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

describe('ChartQA loaders', () => {
  const official = path.join(BENCHDATA, 'chartqa/official_test');
  const sample = path.join(BENCHDATA, 'chartqa/images_sample');

  it('official JSON + the 50 sample charts: 58 human and 37 augmented questions have their image', async () => {
    const items = await collect(loadChartQA({ dataDir: official, imageDir: sample, missingImages: 'skip' }));
    expect(items.filter((i) => i.type === 'human_test')).toHaveLength(58);
    expect(items.filter((i) => i.type === 'augmented_test')).toHaveLength(37);
    for (const i of items) expect(fs.existsSync(i.image as string)).toBe(true);
    // ids index the combined set, human first (lmms-eval idx), so they agree with the combined JSONL
    const combined = fs.readFileSync(path.join(official, 'chartqa_test_combined.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const i of items) {
      const c = combined[Number(i.id)];
      expect({ q: i.question, a: i.answer, t: i.type, img: i.imgname }).toEqual({ q: c.question, a: c.answer, t: c.type, img: c.imgname });
    }
  });

  it('a missing image is an error naming the expected path and what the folder holds', async () => {
    const err = await rejection(collect(loadChartQA({ dataDir: official, imageDir: sample })));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(path.join(sample, '41699051005347.png'));
    expect(err.message).toMatch(/it holds .*\.png/);
    expect(err.message).toContain("missingImages: 'skip'");
  });

  it('a wrong folder says which files were expected and what was found', async () => {
    const err = await rejection(collect(loadChartQA({ dataDir: path.join(BENCHDATA, 'mathvista/data') })));
    expect(err.message).toContain('test_human.json');
    expect(err.message).toContain('testmini.json');
    const missing = await rejection(collect(loadChartQA({ dataDir: path.join(BENCHDATA, 'nope') })));
    expect(missing.message).toContain('does not exist');
  });

  it('limit and sets, through the benchmark object; prompts put the image first', async () => {
    const bench = chartqa({ dataDir: official, imageDir: sample, missingImages: 'skip', sets: ['augmented'] });
    const items = await collect(bench.items({ limit: 3 }));
    expect(items.map((i) => i.type)).toEqual(['augmented_test', 'augmented_test', 'augmented_test']);
    const [system, user] = bench.prompt(items[0]);
    expect(system).toEqual({ role: 'system', content: 'You are a helpful assistant.' });
    expect(user.content).toEqual([
      { type: 'image', image: items[0].image },
      { type: 'text', text: `${items[0].question}\nAnswer the question with a single word.` },
    ]);
    expect(bench.generation).toEqual({ maxNewTokens: 16, temperature: 0 });
  });

  it('HuggingFaceM4 parquet (label list, human_or_machine) and lmms-lab parquet (type, question, answer)', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'm4', 'data'), { recursive: true });
    writeParquet(
      path.join(dir, 'm4', 'data', 'test-00000-of-00001.parquet'),
      [IMAGE, { name: 'query', kind: 'string' }, { name: 'label', kind: 'list', element: { name: 'element', kind: 'string' } }, { name: 'human_or_machine', kind: 'int64' }],
      [
        { image: { bytes: PNG, path: null }, query: 'aug q', label: ['12'], human_or_machine: 1 },
        { image: { bytes: PNG, path: null }, query: 'human q', label: ['Yes'], human_or_machine: 0 },
      ],
    );
    writeParquet(path.join(dir, 'm4', 'data', 'train-00000-of-00001.parquet'), [{ name: 'query', kind: 'string' }], [{ query: 'train' }]);
    const m4 = await collect(loadChartQA({ dataDir: path.join(dir, 'm4') }));
    expect(m4.map((i) => [i.id, i.type, i.question, i.answer])).toEqual([
      ['0', 'human_test', 'human q', 'Yes'],
      ['1', 'augmented_test', 'aug q', '12'],
    ]);
    expect(m4[0].image).toEqual(PNG);

    const lmms = path.join(dir, 'lmms.parquet');
    writeParquet(lmms, [{ name: 'type', kind: 'string' }, { name: 'question', kind: 'string' }, { name: 'answer', kind: 'string' }, IMAGE], [
      { type: 'human_test', question: 'q1', answer: '3', image: { bytes: PNG, path: null } },
    ]);
    const rows = await collect(loadChartQA({ dataDir: lmms }));
    expect(rows.map((i) => [i.type, i.question, i.answer])).toEqual([['human_test', 'q1', '3']]);
  });
});

describe('MathVista loaders', () => {
  const data = path.join(BENCHDATA, 'mathvista/data');

  it('official testmini.json without images explains where the images are', async () => {
    const err = await rejection(collect(loadMathVista({ dataDir: data })));
    expect(err.message).toContain(path.join(data, 'images', '1.jpg'));
    expect(err.message).toContain('images.zip');
  });

  it('official testmini.json + query.json with an image folder, limit', async () => {
    const images = tmp();
    for (const pid of ['1', '2', '3']) fs.writeFileSync(path.join(images, `${pid}.jpg`), PNG);
    const items = await collect(loadMathVista({ dataDir: data, imageDir: images, missingImages: 'skip' }));
    expect(items.map((i) => i.pid)).toEqual(['1', '2', '3']);
    expect(items[1].query).toBe(
      'Hint: Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.\nQuestion: what is the total volume of the measuring cup? (Unit: g)',
    );
    expect(items[0].image).toBe(path.join(images, '1.jpg'));
    const limited = await collect(mathvista({ dataDir: data, imageDir: images, missingImages: 'skip' }).items({ limit: 2 }));
    expect(limited).toHaveLength(2);
  });

  it('AI4Math parquet: float64 precision becomes an integer, decoded_image bytes, metadata struct', async () => {
    const dir = tmp();
    writeParquet(
      path.join(dir, 'testmini-00000-of-00001.parquet'),
      [
        { name: 'pid', kind: 'string' },
        { name: 'question', kind: 'string' },
        { name: 'image', kind: 'string' },
        DECODED,
        { name: 'choices', kind: 'list', element: { name: 'element', kind: 'string' } },
        { name: 'unit', kind: 'string' },
        { name: 'precision', kind: 'double' },
        { name: 'answer', kind: 'string' },
        { name: 'question_type', kind: 'string' },
        { name: 'answer_type', kind: 'string' },
        { name: 'metadata', kind: 'struct', fields: [{ name: 'language', kind: 'string' }, { name: 'img_width', kind: 'int64' }, { name: 'skills', kind: 'list', element: { name: 'element', kind: 'string' } }] },
        { name: 'query', kind: 'string' },
      ],
      [
        {
          pid: '7', question: 'q', image: 'images/7.jpg', decoded_image: { bytes: PNG, path: null }, choices: null, unit: null, precision: 2.0,
          answer: '1.45', question_type: 'free_form', answer_type: 'float', metadata: { language: 'english', img_width: 640, skills: ['arithmetic reasoning'] }, query: 'Q7',
        },
      ],
    );
    const [item] = await collect(loadMathVista({ dataDir: dir }));
    expect(item).toMatchObject({ pid: '7', precision: 2, choices: null, answer: '1.45', query: 'Q7', metadata: { language: 'english', img_width: 640, skills: ['arithmetic reasoning'] } });
    expect(item.image).toEqual(PNG);
    // the official int(precision) applies, so the float item is scorable (the lmms-eval float64 pitfall is avoided)
    expect(mathvista().scoreExtraction(item, '1.449').correct).toBe(true);
  });
});

describe('MATH-V loaders', () => {
  const data = path.join(BENCHDATA, 'mathvision/data');
  const images = path.join(BENCHDATA, 'mathvision/images_testmini');

  it('testmini.jsonl with the 304 shipped images', async () => {
    const items = await collect(loadMathVision({ dataDir: data, split: 'testmini', imageDir: images }));
    expect(items).toHaveLength(304);
    expect(new Set(items.map((i) => i.subject)).size).toBe(16);
    for (const i of items.slice(0, 5)) expect(fs.existsSync(i.image as string)).toBe(true);
  });

  it('test.jsonl: a missing image names the expected file; skip keeps the 304 that exist', async () => {
    const err = await rejection(collect(loadMathVision({ dataDir: data, imageDir: images })));
    expect(err.message).toContain(path.join(images, '1.jpg'));
    const items = await collect(loadMathVision({ dataDir: data, imageDir: images, missingImages: 'skip' }));
    expect(items).toHaveLength(304);
    expect(await collect(mathvision({ dataDir: data, imageDir: images, missingImages: 'skip' }).items({ limit: 7 }))).toHaveLength(7);
  });

  it('MathLLMs parquet: int64 level, options list, decoded_image', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'data'));
    writeParquet(
      path.join(dir, 'data', 'test-00000-of-00001.parquet'),
      [
        { name: 'id', kind: 'string' },
        { name: 'question', kind: 'string' },
        { name: 'options', kind: 'list', element: { name: 'element', kind: 'string' } },
        { name: 'image', kind: 'string' },
        DECODED,
        { name: 'answer', kind: 'string' },
        { name: 'solution', kind: 'string' },
        { name: 'level', kind: 'int64' },
        { name: 'subject', kind: 'string' },
      ],
      [
        { id: '2', question: 'Which bike?\n<image1>', options: ['A', 'B', 'C', 'D', 'E'], image: 'images/2.jpg', decoded_image: { bytes: PNG, path: null }, answer: 'A', solution: null, level: 2, subject: 'arithmetic' },
      ],
    );
    const [item] = await collect(loadMathVision({ dataDir: dir }));
    expect(item).toMatchObject({ id: '2', level: 2, options: ['A', 'B', 'C', 'D', 'E'], answer: 'A', solution: null, subject: 'arithmetic' });
    expect(item.image).toEqual(PNG);
    const bench = mathvision();
    expect(bench.prompt(item)[1].content).toEqual([
      { type: 'image', image: PNG },
      {
        type: 'text',
        text: 'Please solve the problem step by step and put your answer in one "\\boxed{}".Which bike?\n<image1>\nChoices: A. A\nB. B\nC. C\nD. D\nE. E\nAnswer the question with the option\'s letter from the given choices directly.',
      },
    ]);
    expect(bench.score(item, 'The answer is \\boxed{A}').correct).toBe(true);
  });
});
