/**
 * Width and height from an encoded image's header, without decoding pixels — enough to refuse decompression bombs
 * (a 50 kB PNG can claim 100 000 × 100 000 pixels) before any decoder allocates memory. Formats: PNG, JPEG, GIF,
 * WebP (VP8, VP8L, VP8X) and BMP, the ones the local backends decode.
 */
export interface ImageHeader {
  readonly format: 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';
  readonly width: number;
  readonly height: number;
}

export function readImageHeader(b: Uint8Array): ImageHeader | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ascii = (at: number, len: number) => String.fromCharCode(...b.subarray(at, at + len));
  // PNG: signature, then the IHDR chunk whose first 8 bytes are width and height (big-endian).
  if (b.length >= 24 && b[0] === 0x89 && ascii(1, 3) === 'PNG' && ascii(12, 4) === 'IHDR') {
    return { format: 'png', width: dv.getUint32(16), height: dv.getUint32(20) };
  }
  // GIF: logical screen width/height, little-endian 16-bit.
  if (b.length >= 10 && ascii(0, 4) === 'GIF8') {
    return { format: 'gif', width: dv.getUint16(6, true), height: dv.getUint16(8, true) };
  }
  // BMP: BITMAPINFOHEADER width/height (int32 LE; a negative height means top-down rows).
  if (b.length >= 26 && b[0] === 0x42 && b[1] === 0x4d) {
    return { format: 'bmp', width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)) };
  }
  if (b.length >= 30 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return webp(b, dv, ascii(12, 4));
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) return jpeg(b, dv);
  return undefined;
}

function webp(b: Uint8Array, dv: DataView, chunk: string): ImageHeader | undefined {
  if (chunk === 'VP8 ') {
    // Lossy: frame tag (3 bytes) + start code 9d 01 2a, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
    return { format: 'webp', width: dv.getUint16(26, true) & 0x3fff, height: dv.getUint16(28, true) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    // Lossless: signature 0x2f, then 14-bit width−1 and height−1 packed little-endian.
    if (b[20] !== 0x2f) return undefined;
    const bits = dv.getUint32(21, true);
    return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    // Extended: 24-bit canvas width−1 and height−1 at offsets 24 and 27.
    const u24 = (at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
    return { format: 'webp', width: u24(24) + 1, height: u24(27) + 1 };
  }
  return undefined;
}

function jpeg(b: Uint8Array, dv: DataView): ImageHeader | undefined {
  // Walk the marker segments to the first start-of-frame (SOF0–SOF15 except DHT C4, JPG C8, DAC CC).
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2; // markers without a length
      continue;
    }
    const len = dv.getUint16(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { format: 'jpeg', height: dv.getUint16(at + 5), width: dv.getUint16(at + 7) };
    }
    if (len < 2) return undefined;
    at += 2 + len;
  }
  return undefined;
}
