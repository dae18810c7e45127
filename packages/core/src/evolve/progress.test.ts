import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, formatProgressLine, formatRate, progressEta, renderBar } from './progress.js';

describe('progress formatting', () => {
  it('formats durations, rates and bars', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(59.4)).toBe('59s');
    expect(formatDuration(185)).toBe('3m05s');
    expect(formatDuration(3720)).toBe('1h02m');
    expect(formatDuration(NaN)).toBe('--');
    expect(formatRate(2.5)).toBe('2.50 it/s');
    expect(formatRate(0.08)).toBe('12.5 s/it');
    expect(formatRate(NaN)).toBe('-- it/s');
    expect(renderBar(0.5, 10)).toBe('█████░░░░░');
    expect(renderBar(1.7, 4)).toBe('████');
    expect(renderBar(-1, 3)).toBe('░░░');
    for (let f = 0; f <= 1; f += 0.05) expect([...renderBar(f, 17)]).toHaveLength(17);
  });

  it('computes rate and ETA from this session only (resumed runs)', () => {
    // 30 → 40 of 100 in 5 s: 2 it/s, 60 left → 30 s.
    const p = { done: 40, total: 100, elapsedMs: 5000, startDone: 30 };
    expect(progressEta(p)).toBe(30);
    expect(formatProgressLine({ ...p, label: 'evolve', info: 'r 0.7' }, 10)).toBe('evolve 40/100 [████░░░░░░] 40% 2.00 it/s ETA 30s r 0.7');
    expect(formatProgressLine({ done: 100, total: 100, elapsedMs: 65000 }, 0)).toBe('100/100 100% 1.54 it/s in 1m05s');
  });

  it('redraws one line on a TTY and prints plain lines otherwise', () => {
    let clock = 0;
    const tty: string[] = [];
    const bar = createProgress({ total: 4, stream: { write: (s: string) => tty.push(s), columns: 100 }, isTTY: true, now: () => clock });
    for (let i = 1; i <= 4; i++) {
      clock += 500;
      bar.update(i);
    }
    bar.finish();
    expect(tty).toHaveLength(5);
    for (const s of tty.slice(0, 4)) expect(s.startsWith('\r\x1b[2K') && !s.includes('\n')).toBe(true);
    expect(tty[1]).toContain('2/4');
    expect(tty[1]).toContain('2.00 it/s');
    expect(tty[4].endsWith('\n')).toBe(true);

    const plain: string[] = [];
    clock = 0;
    const p = createProgress({ total: 10, stream: { write: (s: string) => plain.push(s) }, isTTY: false, plainEvery: 4, now: () => clock });
    for (let i = 1; i <= 10; i++) p.update(i);
    p.finish();
    expect(plain.map((s) => s.split(' ')[0])).toEqual(['4/10', '8/10', '10/10']);
    for (const s of plain) expect(s.includes('\r') || s.includes('\x1b')).toBe(false);
  });
});
