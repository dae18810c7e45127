/**
 * A terminal progress reporter for long runs (evolve, sft, bench): a redrawn bar with iterations/s and ETA on a
 * TTY, plain lines otherwise (CI logs, files). The formatting functions are pure and exported for testing.
 */

/** "1h02m", "3m05s", "12s"; "--" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** "2.50 it/s", or "12.3 s/it" below one iteration per second; "-- it/s" when unknown. */
export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '-- it/s';
  if (perSecond >= 1) return `${perSecond.toFixed(2)} it/s`;
  return `${(1 / perSecond).toFixed(1)} s/it`;
}

/** A bar of exactly `width` cells, the filled part proportional to `fraction` (clamped to [0, 1]). */
export function renderBar(fraction: number, width: number, chars: { full: string; empty: string } = { full: '█', empty: '░' }): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return chars.full.repeat(full) + chars.empty.repeat(width - full);
}

export interface ProgressSnapshot {
  readonly done: number;
  readonly total: number;
  /** Milliseconds since the reporter started. */
  readonly elapsedMs: number;
  /** `done` when the reporter started (a resumed run), so the rate counts only this session's work. */
  readonly startDone?: number;
  readonly label?: string;
  /** Extra text at the end (e.g. "reward 0.71 H 0.95"). */
  readonly info?: string;
}

/** Iterations per second of this session, NaN before anything was done. */
export function progressRate(p: ProgressSnapshot): number {
  const n = p.done - (p.startDone ?? 0);
  return n > 0 && p.elapsedMs > 0 ? n / (p.elapsedMs / 1000) : NaN;
}

/** Seconds left at the current rate, NaN when unknown. */
export function progressEta(p: ProgressSnapshot): number {
  const rate = progressRate(p);
  return Number.isFinite(rate) ? Math.max(0, p.total - p.done) / rate : NaN;
}

/** `label 37/100 [████░░░░] 37% 2.10 it/s ETA 30s info` (bar omitted when barWidth is 0). */
export function formatProgressLine(p: ProgressSnapshot, barWidth = 24): string {
  const frac = p.total > 0 ? p.done / p.total : 0;
  const parts = [
    ...(p.label ? [p.label] : []),
    `${p.done}/${p.total}`,
    ...(barWidth > 0 ? [`[${renderBar(frac, barWidth)}]`] : []),
    `${Math.floor(frac * 100)}%`,
    formatRate(progressRate(p)),
    p.done >= p.total ? `in ${formatDuration(p.elapsedMs / 1000)}` : `ETA ${formatDuration(progressEta(p))}`,
    ...(p.info ? [p.info] : []),
  ];
  return parts.join(' ');
}

export interface ProgressOptions {
  readonly total: number;
  /** Where to write (default process.stderr). */
  readonly stream?: { write(chunk: string): unknown; columns?: number };
  /** Redraw one line in place (default: stream.isTTY). */
  readonly isTTY?: boolean;
  readonly label?: string;
  /** Progress already done (a resumed run). */
  readonly startDone?: number;
  /** Without a TTY: print every k-th update (default: about 20 lines per run), and always the last one. */
  readonly plainEvery?: number;
  /** Clock in milliseconds (for tests). */
  readonly now?: () => number;
}

export interface ProgressReporter {
  /** Sets the number of finished units and redraws (TTY) or maybe prints a line (plain). */
  update(done: number, info?: string): void;
  /** Prints a message without breaking the bar. */
  log(message: string): void;
  /** Final line and newline. */
  finish(info?: string): void;
}

export function createProgress(options: ProgressOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const tty = options.isTTY ?? Boolean((stream as { isTTY?: boolean }).isTTY);
  const now = options.now ?? (() => Date.now());
  const t0 = now();
  const startDone = options.startDone ?? 0;
  const every = options.plainEvery ?? Math.max(1, Math.round(options.total / 20));
  let done = startDone;
  let lastInfo: string | undefined;
  let drawn = false;
  let finished = false;
  const line = (info?: string) => {
    const width = (stream as { columns?: number }).columns;
    const barWidth = tty ? Math.max(0, Math.min(30, (width ?? 80) - 60)) : 0;
    const text = formatProgressLine({ done, total: options.total, elapsedMs: now() - t0, startDone, label: options.label, info }, barWidth);
    return tty && width ? text.slice(0, width - 1) : text;
  };
  return {
    update(n, info) {
      done = n;
      lastInfo = info;
      if (tty) {
        stream.write(`\r\x1b[2K${line(info)}`);
        drawn = true;
      } else if ((n - startDone) % every === 0 || n >= options.total) stream.write(`${line(info)}\n`);
    },
    log(message) {
      if (tty && drawn) stream.write(`\r\x1b[2K${message}\n${line(lastInfo)}`);
      else stream.write(`${message}\n`);
    },
    finish(info) {
      if (finished) return;
      finished = true;
      if (tty) stream.write(`\r\x1b[2K${line(info ?? lastInfo)}\n`);
      else if ((done - startDone) % every !== 0 && done < options.total) stream.write(`${line(info ?? lastInfo)}\n`);
      else if (info) stream.write(`${line(info)}\n`);
    },
  };
}
