import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write.js';
import { JsonlWriter, readJsonl } from './event-log.js';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'evolmm-core-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('JsonlWriter / readJsonl', () => {
  it('round-trips records, one per line', () => {
    const f = path.join(tmp(), 'log', 'events.jsonl');
    const w = JsonlWriter.open(f);
    w.append({ step: 1, text: 'line\nbreak' });
    w.append({ step: 2 });
    w.close();
    expect(readJsonl(f)).toEqual([{ step: 1, text: 'line\nbreak' }, { step: 2 }]);
    expect(fs.readFileSync(f, 'utf8').split('\n')).toHaveLength(3);
  });
  it('the reader ignores, and the writer cuts, a half-written last line', () => {
    const f = path.join(tmp(), 'events.jsonl');
    fs.writeFileSync(f, '{"step":1}\n{"step":2}\n{"ste');
    expect(readJsonl(f)).toEqual([{ step: 1 }, { step: 2 }]);
    const w = JsonlWriter.open(f);
    w.append({ step: 3 });
    w.close();
    expect(fs.readFileSync(f, 'utf8')).toBe('{"step":1}\n{"step":2}\n{"step":3}\n');
  });
  it('keepLines truncates to the first N complete lines (resume after a checkpoint)', () => {
    const f = path.join(tmp(), 'events.jsonl');
    fs.writeFileSync(f, '{"step":1}\n{"step":2}\n{"step":3}\n');
    JsonlWriter.open(f, { keepLines: 1 }).close();
    expect(readJsonl(f)).toEqual([{ step: 1 }]);
  });
  it('a malformed complete line is an error naming the line', () => {
    const f = path.join(tmp(), 'events.jsonl');
    fs.writeFileSync(f, '{"a":1}\nnot json\n');
    expect(() => readJsonl(f)).toThrow(/events\.jsonl:2/);
  });
  it('rejects values that are not JSON', () => {
    const w = JsonlWriter.open(path.join(tmp(), 'e.jsonl'));
    expect(() => w.append(undefined)).toThrow(/JSON-serialisable/);
    w.close();
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file content and leaves no temp file', () => {
    const d = tmp();
    const f = path.join(d, 'sub', 'x.json');
    writeJsonAtomic(f, { a: 1 });
    writeFileAtomic(f, 'new');
    expect(fs.readFileSync(f, 'utf8')).toBe('new');
    expect(fs.readdirSync(path.dirname(f))).toEqual(['x.json']);
  });
  it('fails with a clear IO error and keeps the old file when the target cannot be replaced', () => {
    const d = tmp();
    const f = path.join(d, 'dir-not-file');
    fs.mkdirSync(f);
    fs.writeFileSync(path.join(f, 'keep'), 'x');
    expect(() => writeFileAtomic(f, 'data')).toThrow(/could not write/);
    expect(fs.readFileSync(path.join(f, 'keep'), 'utf8')).toBe('x');
    expect(fs.readdirSync(d)).toEqual(['dir-not-file']);
  });
});
