import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from './__fixtures__/run-helpers.js';
import { checkpointName, latestCheckpoint, listCheckpoints, removeStaleCheckpoints, writeCheckpoint } from './checkpoint.js';

const writeFile = (name: string, text: string) => async (dir: string) => fs.writeFileSync(path.join(dir, name), text);

describe('checkpoints', () => {
  it('writes via tmp + SAVE_OK + rename and keeps the newest K', async () => {
    const root = tmpDir();
    for (const step of [5, 10, 15, 20]) {
      const dir = await writeCheckpoint(root, step, writeFile('x.txt', String(step)), { keep: 2 });
      expect(dir).toBe(path.join(root, checkpointName(step)));
      expect(fs.readFileSync(path.join(dir, 'x.txt'), 'utf8')).toBe(String(step));
    }
    expect(fs.readdirSync(root).sort()).toEqual(['step_00015', 'step_00020']);
    expect(latestCheckpoint(root)?.step).toBe(20);
    expect(checkpointName(123456)).toBe('step_123456');
  });

  it('ignores incomplete, temporary and half-deleted folders, and cleans them up', async () => {
    const root = tmpDir();
    await writeCheckpoint(root, 3, writeFile('a', '1'), { keep: 5 });
    fs.mkdirSync(path.join(root, 'step_00006')); // renamed without SAVE_OK cannot happen, but a copy might
    fs.mkdirSync(path.join(root, 'step_00009.tmp'));
    fs.writeFileSync(path.join(root, 'step_00009.tmp', 'SAVE_OK'), '');
    fs.mkdirSync(path.join(root, 'step_00001.deleting-12'));
    fs.writeFileSync(path.join(root, 'step_00001.deleting-12', 'SAVE_OK'), '');
    expect(listCheckpoints(root).map((c) => c.step)).toEqual([3]);
    removeStaleCheckpoints(root);
    expect(fs.readdirSync(root)).toEqual(['step_00003']);
  });

  it('a failing writer leaves no folder behind and reports CHECKPOINT', async () => {
    const root = tmpDir();
    await expect(
      writeCheckpoint(root, 1, async () => {
        throw new Error('disk full');
      }, { keep: 2 }),
    ).rejects.toMatchObject({ code: 'CHECKPOINT', message: expect.stringContaining('disk full') });
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('rewrites an existing step atomically', async () => {
    const root = tmpDir();
    await writeCheckpoint(root, 2, writeFile('v', 'old'), { keep: 2 });
    await writeCheckpoint(root, 2, writeFile('v', 'new'), { keep: 2 });
    expect(fs.readFileSync(path.join(root, 'step_00002', 'v'), 'utf8')).toBe('new');
    expect(fs.readdirSync(root)).toEqual(['step_00002']);
  });
});
