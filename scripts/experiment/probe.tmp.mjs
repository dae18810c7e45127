import fs from 'node:fs'; import path from 'node:path';
import { sft, solverPrompt, PROPOSER_PROMPT, readJsonl } from '@evolmm/core';
import { createCheckpoint } from '@evolmm/qwen-vl';
import { loadTfjsModel } from '@evolmm/backend-tfjs';
import { writeSyntheticDataset, matchAnswer } from '@evolmm/bench';
const dir = '/tmp/probe'; fs.mkdirSync(dir, { recursive: true });
const qt = (process.env.QT ?? 'max,min').split(','); const H = +(process.env.H ?? 64);
const t0 = Date.now(); const el = () => ((Date.now()-t0)/1000).toFixed(1)+'s';
const m = path.join(dir, 'model-'+H);
if (!fs.existsSync(m+'/config.json')) await createCheckpoint(m, { preset: 'tiny', seed: 1, text: { hiddenSize: H, intermediateSize: 2*H, numAttentionHeads: 4, numKeyValueHeads: 2, headDim: H/4 } });
for (const [n, c, s] of [['lab', 300, 11], ['ev', 60, 13]]) { const d = path.join(dir, n+qt.join('')); if (!fs.existsSync(d+'/manifest.jsonl')) await writeSyntheticDataset(d, { count: c, seed: s, kinds: ['bar'], questionTypes: qt, difficulty: ['easy'] }); }
console.log('data', el());
const pol = await loadTfjsModel(m, { backend: 'wasm', seed: 1 });
const ev = readJsonl(path.join(dir, 'ev'+qt.join(''), 'manifest.jsonl'));
async function evalAcc(tag) {
  let g = 0, mj = 0; const t1 = Date.now(); const ex = [];
  for (const it of ev.slice(0, 40)) {
    const img = path.join(dir, 'ev'+qt.join(''), it.image);
    const msgs = [{ role: 'user', content: [{ type: 'image', image: img }, { type: 'text', text: solverPrompt(it.question) }] }];
    const [gr] = await pol.generate({ messages: msgs, n: 1, temperature: 0, maxNewTokens: 16 });
    const ok = matchAnswer(gr.text, { answer: it.answer, answerType: it.answerType, aliases: it.aliases }).correct; g += ok ? 1 : 0;
    const ss = await pol.generate({ messages: msgs, n: 5, temperature: 1, maxNewTokens: 16, seed: 5 });
    const cnt = {}; for (const s of ss) { const a = s.text; cnt[a] = (cnt[a] ?? 0) + 1; }
    const top = Object.entries(cnt).sort((a, b) => b[1] - a[1])[0][0];
    mj += matchAnswer(top, { answer: it.answer, answerType: it.answerType, aliases: it.aliases }).correct ? 1 : 0;
    if (ex.length < 3) ex.push([gr.text, gr.tokenIds.length, ss.map(s => s.text)]);
  }
  console.log(tag, 'greedy', g, 'maj', mj, '/40', 'eval', ((Date.now()-t1)/1000).toFixed(1)+'s', JSON.stringify(ex));
}
const steps = (process.env.STEPS ?? '150,300').split(',').map(Number);
for (const st of steps) {
  const t1 = Date.now();
  await sft({ policy: pol, data: path.join(dir, 'lab'+qt.join(''), 'manifest.jsonl'), out: path.join(dir, `sft-${H}-${qt.join('')}`), epochs: 100, maxSteps: st, learningRate: +(process.env.LR ?? 3e-3), checkpointEvery: 1000, seed: 1, resume: fs.existsSync(path.join(dir, `sft-${H}-${qt.join('')}`, 'events.jsonl')) });
  console.log('sft to', st, ((Date.now()-t1)/1000).toFixed(1)+'s', el());
  await evalAcc('after '+st);
}
