/**
 * Grey-scale images: PGM (binary P5 and ASCII P2, as the AT&T faces ship) and PNG (through
 * pngjs; colour is converted to luminance). Pixels come back row-major in [0, 1].
 */

import { PNG } from 'pngjs';
import { ThreatlabError } from '../../errors.ts';
import { readNonEmptyFile } from './files.ts';

/** A grey-scale image with pixels in [0, 1], row-major. */
export interface GreyImage {
  width: number;
  height: number;
  pixels: Float64Array;
}

/** Parses a PGM file's bytes (P5 binary or P2 ASCII, maxval ≤ 65535). */
export function parsePgm(bytes: Uint8Array, source: string): GreyImage {
  const reader = new HeaderReader(bytes, source);
  const magic = reader.token();
  if (magic !== 'P5' && magic !== 'P2') {
    throw new ThreatlabError('parse-error', `${source}: not a PGM image (magic "${magic}", expected P5 or P2); give a .pgm file`);
  }
  const width = reader.positiveInt('width');
  const height = reader.positiveInt('height');
  const maxValue = reader.positiveInt('maxval');
  if (maxValue > 65535) throw new ThreatlabError('parse-error', `${source}: PGM maxval ${maxValue} exceeds 65535`);
  const count = width * height;
  const pixels = new Float64Array(count);
  if (magic === 'P5') {
    const start = reader.position + 1; // exactly one whitespace byte follows maxval
    const bytesPerPixel = maxValue < 256 ? 1 : 2;
    const available = bytes.length - start;
    if (available < count * bytesPerPixel) {
      throw new ThreatlabError(
        'parse-error',
        `${source}: short pixel data: ${available} bytes for ${width}×${height} pixels (${count * bytesPerPixel} needed); the file is truncated`,
      );
    }
    for (let i = 0; i < count; i++) {
      const value = bytesPerPixel === 1 ? bytes[start + i] : (bytes[start + 2 * i] << 8) | bytes[start + 2 * i + 1];
      pixels[i] = value / maxValue;
    }
  } else {
    for (let i = 0; i < count; i++) {
      const token = reader.token();
      if (token === '') {
        throw new ThreatlabError('parse-error', `${source}: short pixel data: ${i} of ${width}×${height} pixels; the file is truncated`);
      }
      const value = Number(token);
      if (!Number.isInteger(value) || value < 0 || value > maxValue) {
        throw new ThreatlabError('parse-error', `${source}: pixel ${i} is "${token}", not an integer in [0, ${maxValue}]`);
      }
      pixels[i] = value / maxValue;
    }
  }
  return { width, height, pixels };
}

/** Loads a PGM file. */
export function loadPgm(path: string): GreyImage {
  return parsePgm(readNonEmptyFile(path, 'PGM image'), path);
}

/** Parses PNG bytes into grey levels (ITU-R BT.601 luma; alpha ignored). */
export function parsePng(bytes: Buffer, source: string): GreyImage {
  let png: PNG;
  try {
    png = PNG.sync.read(bytes);
  } catch (error) {
    throw new ThreatlabError('parse-error', `${source}: not a readable PNG image (${(error as Error).message})`, { cause: error });
  }
  const pixels = new Float64Array(png.width * png.height);
  for (let i = 0; i < pixels.length; i++) {
    const r = png.data[4 * i];
    const g = png.data[4 * i + 1];
    const b = png.data[4 * i + 2];
    pixels[i] = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  }
  return { width: png.width, height: png.height, pixels };
}

/** Loads a PNG file. */
export function loadPng(path: string): GreyImage {
  return parsePng(readNonEmptyFile(path, 'PNG image'), path);
}

/** Encodes a grey image (values clipped to [0, 1]) as PNG bytes, e.g. to show a reconstructed face. */
export function encodePng(image: GreyImage): Buffer {
  const png = new PNG({ width: image.width, height: image.height });
  for (let i = 0; i < image.pixels.length; i++) {
    const level = Math.round(Math.min(1, Math.max(0, image.pixels[i])) * 255);
    png.data[4 * i] = level;
    png.data[4 * i + 1] = level;
    png.data[4 * i + 2] = level;
    png.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(png);
}

/** Reads whitespace-separated header tokens, skipping `#` comments. */
class HeaderReader {
  position = 0;
  private readonly bytes: Uint8Array;
  private readonly source: string;

  constructor(bytes: Uint8Array, source: string) {
    this.bytes = bytes;
    this.source = source;
  }

  token(): string {
    const { bytes } = this;
    while (this.position < bytes.length) {
      const byte = bytes[this.position];
      if (byte === 0x23) {
        while (this.position < bytes.length && bytes[this.position] !== 0x0a) this.position++;
      } else if (isSpace(byte)) {
        this.position++;
      } else {
        break;
      }
    }
    const start = this.position;
    while (this.position < bytes.length && !isSpace(bytes[this.position])) this.position++;
    return String.fromCharCode(...bytes.subarray(start, this.position));
  }

  positiveInt(field: string): number {
    const token = this.token();
    const value = Number(token);
    if (!/^\d+$/.test(token) || value <= 0) {
      throw new ThreatlabError('parse-error', `${this.source}: PGM header ${field} is "${token}", not a positive integer; the header is malformed`);
    }
    return value;
  }
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
