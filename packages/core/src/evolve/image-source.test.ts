import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRng, permutation } from '../rng.js';
import { tmpDir } from './__fixtures__/run-helpers.js';
import { imageOrder, resolveImageSource } from './image-source.js';

function touch(root: string, ...files: string[]) {
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), 'x');
  }
}

describe('image sources', () => {
  it('walks first-level sub-folders recursively, skipping dot-files and other extensions (§6.5)', () => {
    const root = tmpDir();
    touch(root, 'b/2.PNG', 'b/deep/3.jpeg', 'a/1.webp', 'a/.hidden.png', '.dot/9.png', 'a/notes.txt', 'top.png', 'c/x.tiff', 'c/y.bmp', 'c/z.jpg');
    // Files directly in a root that has sub-folders are not used, like the reference.
    expect(resolveImageSource(root).map((p) => path.relative(root, p))).toEqual(['a/1.webp', 'b/2.PNG', 'b/deep/3.jpeg', 'c/x.tiff', 'c/y.bmp', 'c/z.jpg']);
    expect(resolveImageSource({ dir: root, folders: ['c'] }).map((p) => path.relative(root, p))).toEqual(['c/x.tiff', 'c/y.bmp', 'c/z.jpg']);
    const flat = tmpDir();
    touch(flat, 'b.png', 'a.jpg');
    expect(resolveImageSource(flat).map((p) => path.basename(p))).toEqual(['a.jpg', 'b.png']);
  });

  it('reads manifests, lists and globs', () => {
    const root = tmpDir();
    touch(root, 'imgs/a/1.png', 'imgs/a/2.jpg', 'imgs/b/3.png', 'imgs/b/4.gif');
    const manifest = path.join(root, 'm.jsonl');
    fs.writeFileSync(manifest, `{"image":"imgs/b/3.png"}\n\n{"path":"/abs/x.png","label":1}\n"imgs/a/1.png"\n`);
    expect(resolveImageSource(manifest)).toEqual(['/abs/x.png', path.join(root, 'imgs/a/1.png'), path.join(root, 'imgs/b/3.png')]);
    expect(resolveImageSource({ manifest })).toHaveLength(3);
    expect(resolveImageSource(['z.png', 'a.png'])).toEqual(['a.png', 'z.png']);
    expect(resolveImageSource(path.join(root, 'imgs/**/*.png')).map((p) => path.relative(root, p))).toEqual(['imgs/a/1.png', 'imgs/b/3.png']);
    expect(resolveImageSource(path.join(root, 'imgs/*/?.jpg')).map((p) => path.relative(root, p))).toEqual(['imgs/a/2.jpg']);
    fs.writeFileSync(manifest, '{"image":"a.png"}\n{"label":2}\n');
    expect(() => resolveImageSource(manifest)).toThrow(/m\.jsonl:2 has no image path/);
  });

  it('says what it expected when there is nothing', () => {
    const empty = tmpDir();
    expect(() => resolveImageSource(empty)).toThrow(/no images found in .*expected a folder of \.png\/\.jpg/);
    expect(() => resolveImageSource(path.join(empty, 'missing'))).toThrow(/does not exist/);
  });

  it('visits images in the seeded permutation of §6.1', () => {
    expect(imageOrder(10, 42)).toEqual(permutation(10, createRng(42)));
    expect([...imageOrder(10, 42)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(imageOrder(10, 42)).not.toEqual(imageOrder(10, 43));
  });
});
