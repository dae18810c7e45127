// results.md and report.html of the self-evolve experiment: accuracy before/after per seed and condition, the
// statistics of stats.mjs, and majority fraction / entropy / KL over evolve iterations per seed.
import { escapeHtml, htmlPage, htmlTable, svgBarChart, svgLineChart } from '@evolmm/bench';

const pct = (x) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}` : 'n/a');
const pp = (x) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}` : 'n/a');
const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const pval = (p) => (p < 0.001 ? p.toExponential(1) : p.toFixed(3));

function conditionRows(stats) {
  return Object.entries(stats.byCondition).map(([c, s]) => [
    c,
    s.seeds,
    pct(s.before),
    pct(s.after),
    `${pp(s.gain.mean)} [${pp(s.gain.lo)}, ${pp(s.gain.hi)}]`,
    `[${pp(s.bootstrap.lo)}, ${pp(s.bootstrap.hi)}]`,
    `${s.mcnemar.wrongToRight} / ${s.mcnemar.rightToWrong}`,
    pval(s.mcnemar.p),
    pct(s.afterMajority),
    `${f3(s.training.majorityFraction.firstQuarter)} → ${f3(s.training.majorityFraction.lastQuarter)}`,
    `${f3(s.training.entropy.firstQuarter)} → ${f3(s.training.entropy.lastQuarter)}`,
    c === 'no-kl' ? 'not measured (β = 0 skips the reference pass)' : `${f3(s.training.kl.firstQuarter)} → ${f3(s.training.kl.lastQuarter)}`,
  ]);
}
const CONDITION_HEAD = [
  'condition', 'seeds', 'before %', 'after %', 'gain pp [95 % t-CI over seeds]', 'gain 95 % paired bootstrap (items)',
  'flips wrong→right / right→wrong', 'McNemar exact p', 'after majority %', 'majority fraction (first → last quarter)',
  'answer entropy (first → last quarter)', 'solver KL (first → last quarter)',
];

function seedRows(results) {
  const rows = [];
  for (const s of results.seeds) {
    rows.push([s.seed, 'warm (before)', pct(s.before.accuracy), pct(s.before.majorityAccuracy), f3(s.before.majorityFraction)]);
    for (const [c, r] of Object.entries(s.conditions)) {
      rows.push([s.seed, c, pct(r.after.accuracy), pct(r.after.majorityAccuracy), f3(r.after.majorityFraction)]);
    }
  }
  return rows;
}
const SEED_HEAD = ['seed', 'model', 'greedy %', `majority-vote %`, 'majority fraction'];

function mdTable(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Moving average so per-iteration noise (N = 5 answers) does not hide the trend. */
function smooth(points, w) {
  return points.map(([x], i) => {
    const win = points.slice(Math.max(0, i - w + 1), i + 1).map((p) => p[1]).filter(Number.isFinite);
    return [x, win.length ? win.reduce((a, b) => a + b, 0) / win.length : NaN];
  });
}

export function renderReport(results) {
  const { stats, settings: cfg } = results;
  const w = stats.warm;
  const md = [
    '# Self-evolve experiment',
    '',
    ...(results.partial ? [`**Partial: ${results.partial}.**`, ''] : []),
    `Command: \`${results.command}\` · date ${results.date} · ${results.machine.cpus} CPUs, load average ${results.machine.loadavg.map((x) => x.toFixed(2)).join(' ')} at the end · this invocation ${Number.isFinite(results.minutesThisInvocation) ? results.minutesThisInvocation.toFixed(1) : 'n/a'} min.`,
    '',
    `Task: synthetic ${cfg.kinds.join('/')} charts, question types ${cfg.qtypes.join('/')}, difficulty ${cfg.difficulty}; ${cfg.labeled} labeled (warm start), ${cfg.unlabeled} unlabeled (evolve, labels never read), ${cfg.evalCount} held-out. Model: Qwen2.5-VL-shaped, text hidden ${cfg.hidden}, ${cfg.layers} layers. Warm start: sft at lr ${cfg.sftLr} in chunks of ${cfg.sftChunk} steps until validation greedy accuracy ≥ ${pct(cfg.sftTarget)} % (at most ${cfg.sftSteps}); steps used per seed: ${results.seeds.map((s) => `${s.seed}: ${s.sftTrace?.at(-1)?.steps ?? '?'}`).join(', ')}; evolve ${cfg.iterations} iterations, N = ${cfg.n}, lr ${cfg.lr}, T = ${cfg.temperature}, solver update ${cfg.solverUpdate}.`,
    '',
    `Warm model (mean over seeds): greedy ${pct(w.greedy.mean)} %, majority vote of ${cfg.majoritySamples} samples at T = ${cfg.temperature} ${pct(w.majority.mean)} %, mean majority fraction ${f3(w.majorityFraction)}.`,
    '',
    '## Gain in greedy held-out accuracy',
    '',
    mdTable(CONDITION_HEAD, conditionRows(stats)),
    '',
    '## Per seed',
    '',
    mdTable(SEED_HEAD, seedRows(results)),
    '',
  ].join('\n');

  const conds = Object.keys(stats.byCondition);
  const seedIds = results.seeds.map((s) => `seed ${s.seed}`);
  const accChart = svgBarChart({
    title: 'Greedy held-out accuracy per seed (%)',
    categories: seedIds,
    series: [
      { name: 'before (warm)', values: results.seeds.map((s) => 100 * s.before.accuracy) },
      ...conds.map((c) => ({ name: `after ${c}`, values: results.seeds.map((s) => (s.conditions[c] ? 100 * s.conditions[c].after.accuracy : NaN)) })),
    ],
    yMax: 100,
    yLabel: '%',
    valueLabel: (v) => v.toFixed(0),
  });
  const curves = [];
  for (const [key, label] of [['majorityFraction', 'majority fraction'], ['entropy', 'answer entropy (nats)'], ['kl', 'solver KL to the warm model']]) {
    for (const c of conds) {
      if (key === 'kl' && c === 'no-kl') continue;
      const w8 = Math.max(1, Math.round(cfg.iterations / 10));
      curves.push(svgLineChart({
        title: `${label}: ${c} (moving average of ${w8})`,
        xLabel: 'iteration',
        yLabel: label,
        series: results.seeds.filter((s) => s.conditions[c]).map((s) => ({
          name: `seed ${s.seed}`,
          points: smooth(s.conditions[c].curves.map((e) => [e.iteration, e[key] ?? NaN]), w8),
        })),
      }));
    }
  }
  const questions = results.seeds[0] && conds[0] ? results.seeds[0].conditions[conds[0]].curves.slice(0, 8).map((e) => `<li>${escapeHtml(e.question)}</li>`).join('') : '';
  const html = htmlPage('evolmm self-evolve experiment', [
    { body: `<p>${escapeHtml(md.split('\n').slice(2, results.partial ? 9 : 7).join(' '))}</p>` },
    { title: 'Gain in greedy held-out accuracy', body: htmlTable(CONDITION_HEAD, conditionRows(stats)) + '<p class="note">pp = percentage points. t-CI over seeds; bootstrap resamples eval items (paired, shared by the seeds); McNemar pools the per-item flips of all seeds.</p>' },
    { title: 'Accuracy before and after', body: accChart + htmlTable(SEED_HEAD, seedRows(results)) },
    { title: 'Training curves (per seed)', body: curves.join('\n') },
    { title: 'First proposals of seed 1', body: `<ul>${questions}</ul>` },
    { title: 'Settings', body: `<pre>${escapeHtml(JSON.stringify(cfg, null, 2))}</pre>` },
  ]);
  return { markdown: md, html };
}
