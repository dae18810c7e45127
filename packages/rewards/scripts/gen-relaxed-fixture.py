"""Writes src/__fixtures__/chartqa-relaxed.json: CPython's verdicts for the ChartQA relaxed-accuracy rule on
predictions derived from every official test label, plus a table of Python float() grammar cases.
The rule below is typed from docs/benchmarks.md §3.1; CPython's own float() is the independent reference.
Run from packages/rewards: python3 scripts/gen-relaxed-fixture.py"""
import json, math, os

ROOT = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'shared', 'benchdata', 'chartqa', 'official_test')

def to_float(t):
    try:
        if t.endswith('%'):
            return float(t.rstrip('%')) / 100.0
        return float(t)
    except ValueError:
        return None

def relaxed(pred, target, tol=0.05):
    p, g = to_float(pred), to_float(target)
    if p is not None and g:
        return abs(p - g) / abs(g) <= tol
    return pred.lower() == target.lower()

items = [json.loads(l) for l in open(os.path.join(ROOT, 'chartqa_test_combined.jsonl'), encoding='utf-8')]
rows = []
for it in items:
    lab = it['answer']
    preds = [lab, lab.upper(), lab + ' ', lab + '.', ' ' + lab, lab + '%']
    g = to_float(lab)
    if g is not None and math.isfinite(g):
        preds += [repr(g * 1.05), repr(g * 1.0500001), repr(g * 0.95), repr(g * 0.9499999), repr(g * 1.04),
                  repr(g * 100) + '%', '{:,}'.format(g), repr(-g), repr(g * 2)]
    else:
        preds += ['0', lab.lower() + 's']
    # dedupe, keep order
    seen, uniq = set(), []
    for p in preds:
        if p not in seen:
            seen.add(p); uniq.append(p)
    rows.append({'idx': it['idx'], 'preds': uniq, 'ok': ''.join('1' if relaxed(p, lab) else '0' for p in uniq)})

grammar = ['', ' ', '1', ' 1 ', '\t1\n', '\u20031\u3000', '\x1c1\x1f', '\ufeff1', '+1', '-1', '--1', '1.', '.5', '.', '-.5e-3',
           '1e5', '1E5', '1e', 'e5', '1e+5', '1e-5', '1_000', '1__000', '_1', '1_', '1_.5', '1._5', '1e1_0', '1e_10',
           '0x10', '0b1', '0o7', '1,000', '12abc', 'inf', '-inf', '+INF', 'Infinity', '-iNfInItY', 'infinit', 'nan',
           '-NaN', 'nan1', '1e400', '-1e400', '1e-400', '4.9e-324', '0.1', '1.216666667', '007', '00.5', '\u0661\u0662',
           '\u0661\u0662.\u0665', '\U0001d7cf\U0001d7d0', '\u0967\u0968', '\uff11\uff12', '\u00b2', '\u2155', '1 2',
           '45%', '45 %', '%', '1.5e3%', '  ', '\u00a012\u00a0', 'Yes', '[2014, 2016]', '1/2', '\u22121', '0.0', '-0', '1j', '\x851', '1\x85', '1\u20032', '\x0b1\x0c', '1\x00', '\u0e51\u0e50', '1e\u0665']
def py_float(s):
    try:
        v = float(s)
    except ValueError:
        return None
    if math.isnan(v): return 'nan'
    if math.isinf(v): return 'inf' if v > 0 else '-inf'
    return repr(v)
gram = [[s, py_float(s)] for s in grammar]
out = {'generator': 'scripts/gen-relaxed-fixture.py', 'items': rows, 'pythonFloat': gram}
with open(os.path.join(os.path.dirname(__file__), '..', 'src', '__fixtures__', 'chartqa-relaxed.json'), 'w', encoding='utf-8') as f:
    json.dump(out, f, ensure_ascii=True, separators=(',', ':'))
print(len(rows), sum(len(r['preds']) for r in rows))
