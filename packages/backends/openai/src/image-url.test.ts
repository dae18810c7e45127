import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { imageToUrl, sniffImageType } from './image-url.js';
import { encodePng } from './png-encode.js';

const png = encodePng({ width: 1, height: 1, channels: 4, data: Uint8Array.of(1, 2, 3, 4) });
const jpegHead = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0x10);
const webpHead = new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ');

describe('sniffImageType', () => {
  it('recognises PNG, JPEG, GIF, WebP, BMP by magic bytes and nothing else', () => {
    expect(sniffImageType(png)).toBe('image/png');
    expect(sniffImageType(jpegHead)).toBe('image/jpeg');
    expect(sniffImageType(new TextEncoder().encode('GIF89a'))).toBe('image/gif');
    expect(sniffImageType(webpHead)).toBe('image/webp');
    expect(sniffImageType(new TextEncoder().encode('BM....'))).toBe('image/bmp');
    expect(sniffImageType(new TextEncoder().encode('%PDF-1.4'))).toBeUndefined();
    expect(sniffImageType(new Uint8Array(0))).toBeUndefined();
  });
});

describe('imageToUrl', () => {
  const dataUrl = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;

  it('inlines files given as paths, file:// strings and URL objects', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'evolmm-img-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'x.bin'); // the extension is irrelevant: the type comes from the bytes
    await writeFile(file, png);
    expect(await imageToUrl(file)).toBe(dataUrl);
    expect(await imageToUrl(pathToFileURL(file).href)).toBe(dataUrl);
    expect(await imageToUrl(pathToFileURL(file))).toBe(dataUrl);
  });

  it('encodes bytes and pixels; passes data: and http(s) URLs through', async () => {
    expect(await imageToUrl(png)).toBe(dataUrl);
    expect(await imageToUrl({ width: 1, height: 1, channels: 4, data: Uint8Array.of(1, 2, 3, 4) })).toBe(dataUrl);
    expect(await imageToUrl(dataUrl)).toBe(dataUrl);
    expect(await imageToUrl(new URL('http://h/a.png'))).toBe('http://h/a.png');
    const sub = png.subarray(0); // a view with an offset must encode only its own bytes
    const padded = new Uint8Array(png.length + 3);
    padded.set(png, 3);
    expect(await imageToUrl(padded.subarray(3))).toBe(await imageToUrl(sub));
  });

  it('explains unreadable files, non-image bytes and non-image data URLs', async () => {
    await expect(imageToUrl('/definitely/not/here.png')).rejects.toMatchObject({ code: 'IO', message: /cannot read image file/ });
    await expect(imageToUrl(new TextEncoder().encode('hello'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: /68 65 6c 6c/ });
    await expect(imageToUrl('data:text/plain;base64,aGk=')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
