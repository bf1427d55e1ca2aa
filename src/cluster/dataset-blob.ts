/**
 * A classification data set as one content-addressed byte string, so cluster jobs can name it by
 * hash: a worker fetches it once and keeps it, and no job payload carries rows. Layout: a 4-byte
 * little-endian length, the JSON header (name, schema, classes, shape, encoding), zero padding to
 * a multiple of 8, the palettes (float64), the uncoded columns' values (float64, row-major), the
 * codes (a byte per value, row-major), padding to a multiple of 4, the int32 labels. A column
 * holding at most 256 distinct values (one-hot and small integer codes, pixels k/255) travels as a
 * palette of them and a byte per value — 8× fewer bytes to hash, send, keep in Redis and fetch —
 * the others as float64; where the whole matrix holds at most 256, one palette serves every column.
 * Fashion-MNIST: 55 MB instead of 439; Adult, whose 102 one-hot columns are coded and 6 numeric ones
 * are not, 3.9 MB instead of 28 (before 2026-12-04 only a whole-matrix palette existed, and Adult
 * went as float64). Values travel bit for bit either way, so a model trained on a worker sees
 * exactly the rows the client had.
 */

import { createHash } from 'node:crypto';
import type { ClassificationDataset, ImageShape } from '../data/dataset.ts';
import type { FeatureSchema } from '../data/schema.ts';
import { ThreatlabError } from '../errors.ts';
import { rowsOfSource } from '../parallel/training-set.ts';

interface BlobHeader {
  format: 'threatlab-dataset/2';
  name: string;
  rows: number;
  cols: number;
  classes: string[];
  schema: FeatureSchema;
  targetName: string;
  image?: ImageShape;
  /** One palette of this many values (1–256) for every column, then a byte per value. */
  palette?: number;
  /** Else, per column: the size of its palette (1–256: a byte per value), or 0 (float64 values). */
  columns?: number[];
}

const HASHES = new WeakMap<ClassificationDataset, string>();

/** The columns' palettes (concatenated), which columns they code, and the codes and the other columns' values, row-major. */
interface ColumnCoding {
  sizes: number[];
  palettes: Float64Array;
  codes: Uint8Array;
  raw: Float64Array;
}

/** The bytes of `data`. */
export function encodeDataset(data: ClassificationDataset): Buffer {
  const { rows, cols } = data.features;
  const values = data.features.data.subarray(0, rows * cols);
  // One palette for the whole matrix where it fits (pixels: one small map, the fastest to code and decode), else column by column.
  const whole = paletteOf(values);
  const coding = whole ? undefined : columnCoding(values, rows, cols);
  const header: BlobHeader = {
    format: 'threatlab-dataset/2',
    name: data.name,
    rows,
    cols,
    classes: [...data.classes],
    schema: data.schema,
    targetName: data.targetName,
    image: data.image,
    ...(whole ? { palette: whole.palette.length } : { columns: coding!.sizes }),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((4 + json.length) / 8) * 8;
  const layout = sectionLayout(start, rows, whole ? { paletteValues: whole.palette.length, coded: cols, raw: 0 } : columnCounts(coding!.sizes));
  const bytes = Buffer.alloc(layout.labels + rows * 4);
  bytes.writeUInt32LE(json.length, 0);
  json.copy(bytes, 4);
  const copy = (section: ArrayBufferView, at: number) => Buffer.from(section.buffer, section.byteOffset, section.byteLength).copy(bytes, at);
  copy(whole?.palette ?? coding!.palettes, layout.palettes);
  if (coding) copy(coding.raw, layout.raw);
  copy(whole?.codes ?? coding!.codes, layout.codes);
  copy(data.labels.subarray(0, rows), layout.labels);
  return bytes;
}

/**
 * Codes of up to 256 distinct float64 values, found by their bits in an open-addressing table of
 * 1,024 slots: coding Fashion-MNIST's 55 M pixels took 1.1–1.4 s with a Map of numbers.
 */
class PaletteIndex {
  readonly values: number[] = [];
  private readonly low = new Uint32Array(1024);
  private readonly high = new Uint32Array(1024);
  private readonly codes = new Int16Array(1024).fill(-1);
  private readonly scratch = new Float64Array(1);
  private readonly bits = new Uint32Array(this.scratch.buffer);

  /** The code of `value`, given one if new; -1 when 256 are given already. */
  codeOf(value: number): number {
    this.scratch[0] = value;
    const low = this.bits[0];
    const high = this.bits[1];
    let slot = Math.imul(low ^ Math.imul(high, 0x9e3779b1), 0x85ebca6b) >>> 22;
    for (;;) {
      const code = this.codes[slot];
      if (code === -1) break;
      if (this.low[slot] === low && this.high[slot] === high) return code;
      slot = (slot + 1) & 1023;
    }
    if (this.values.length === 256) return -1;
    this.low[slot] = low;
    this.high[slot] = high;
    this.codes[slot] = this.values.length;
    this.values.push(value);
    return this.values.length - 1;
  }
}

/**
 * Whether `value` may take the code of the value coded just before it in its run: equal, and not a
 * -0 after a 0 (-0 === 0, but its bits differ; the coders never code -0, so `last` is never -0).
 */
function sameAsLast(value: number, last: number): boolean {
  return value === last && (value !== 0 || 1 / value > 0);
}

/** The distinct values of the whole matrix and a code per value, when there are at most 256 (NaN and -0 keep float64: see `columnCoding`). */
function paletteOf(values: Float64Array): { palette: Float64Array; codes: Uint8Array } | undefined {
  const index = new PaletteIndex();
  const codes = new Uint8Array(values.length);
  let last = Number.NaN;
  let lastCode = -1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (sameAsLast(value, last)) {
      codes[i] = lastCode;
      continue;
    }
    if (Number.isNaN(value) || Object.is(value, -0)) return undefined;
    const code = index.codeOf(value);
    if (code === -1) return undefined;
    codes[i] = code;
    last = value;
    lastCode = code;
  }
  return { palette: Float64Array.from(index.values), codes };
}

/** How many palette values, coded columns and float64 columns the features have. */
interface SectionCounts {
  paletteValues: number;
  coded: number;
  raw: number;
}

function columnCounts(sizes: number[]): SectionCounts {
  const coded = sizes.filter((size) => size > 0).length;
  return { paletteValues: sizes.reduce((sum, size) => sum + size, 0), coded, raw: sizes.length - coded };
}

/** Byte offsets of the sections after the header (see the file's comment). */
function sectionLayout(start: number, rows: number, counts: SectionCounts): { palettes: number; raw: number; codes: number; labels: number } {
  const raw = start + counts.paletteValues * 8;
  const codes = raw + rows * counts.raw * 8;
  return { palettes: start, raw, codes, labels: Math.ceil((codes + rows * counts.coded) / 4) * 4 };
}

/**
 * Each column as a palette of its distinct values and a byte per value, when it has at most 256
 * (one-hot and small integer codes, pixels k/255) and that takes fewer bytes; else as float64.
 * NaN and -0 keep float64 (their bits would not survive a palette: -0 finds 0's code).
 */
function columnCoding(values: Float64Array, rows: number, cols: number): ColumnCoding {
  // A Map a column, not a `PaletteIndex` (10 KB of table each): a data set of 10,000 columns would make 100 MB of tables.
  const palettes = Array.from({ length: cols }, () => new Map<number, number>());
  const coded = new Uint8Array(cols).fill(1);
  const codes = new Uint8Array(rows * cols);
  const last = new Float64Array(cols).fill(Number.NaN);
  const lastCode = new Uint8Array(cols);
  for (let i = 0, at = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++, at++) {
      const value = values[at];
      if (sameAsLast(value, last[j])) {
        codes[at] = lastCode[j];
        continue;
      }
      if (coded[j] === 0) continue;
      if (Number.isNaN(value) || Object.is(value, -0)) {
        coded[j] = 0;
        continue;
      }
      const palette = palettes[j];
      let code = palette.get(value);
      if (code === undefined) {
        if (palette.size === 256) {
          coded[j] = 0;
          continue;
        }
        code = palette.size;
        palette.set(value, code);
      }
      codes[at] = code;
      last[j] = value;
      lastCode[j] = code;
    }
  }
  // A palette of k values costs 8k bytes beside the 7 a row it saves (a column of no rows stays float64).
  const sizes = palettes.map((palette, j) => (coded[j] === 1 && palette.size * 8 < rows * 7 ? palette.size : 0));
  const keep = sizes.flatMap((size, j) => (size > 0 ? [j] : []));
  const rawColumns = sizes.flatMap((size, j) => (size === 0 ? [j] : []));
  const raw = new Float64Array(rows * rawColumns.length);
  const kept = keep.length === cols ? codes : new Uint8Array(rows * keep.length);
  for (let i = 0; i < rows; i++) {
    if (kept !== codes) for (let c = 0; c < keep.length; c++) kept[i * keep.length + c] = codes[i * cols + keep[c]];
    for (let r = 0; r < rawColumns.length; r++) raw[i * rawColumns.length + r] = values[i * cols + rawColumns[r]];
  }
  const paletteValues = keep.flatMap((j) => [...palettes[j].keys()]);
  return { sizes, palettes: Float64Array.from(paletteValues), codes: kept, raw };
}

/**
 * A fetched data set kept as its blob holds it — palettes, a byte per coded value, float64 for the
 * other columns, copied out of the fetched bytes — whose rows are decoded only where they are read (`readRows`): a cluster worker
 * writes each job's rows from it straight into the training thread's buffer. Decoding all of
 * Fashion-MNIST into float64 took 1.5 s (3.4 s beside a second worker), nearly all page faults of
 * its 439 MB, which a worker then held besides the 55 MB it needs. Every code is checked against
 * its palette once, here, so that reading cannot meet a bad one halfway.
 */
export class CodedDataset {
  readonly name: string;
  readonly classes: string[];
  readonly schema: FeatureSchema;
  readonly targetName: string;
  readonly image?: ImageShape;
  readonly rows: number;
  readonly cols: number;
  readonly labels: Int32Array;
  /** Bytes held (the codes, the palettes, the float64 columns and the labels; not the fetched bytes). */
  readonly bytes: number;
  /** Per coded column (in order): its column, where its palette starts; the float64 columns. */
  private readonly coded: Int32Array;
  private readonly paletteStart: Int32Array;
  private readonly floatColumns: Int32Array;
  private readonly palettes: Float64Array;
  private readonly raw: Float64Array;
  private readonly codes: Uint8Array;

  /** The data set in `bytes` (a blob of `encodeDataset`); `source` names them in errors. */
  constructor(bytes: Buffer, source: string) {
    const broken = (why: string) => new ThreatlabError('parse-error', `data set ${source} is not a threatlab data set blob (${why}); re-submit the job from a threatlab client of the same version`);
    if (bytes.length < 4) throw broken('too short');
    const length = bytes.readUInt32LE(0);
    if (4 + length > bytes.length) throw broken('header cut short');
    let header: BlobHeader;
    try {
      header = JSON.parse(bytes.subarray(4, 4 + length).toString('utf8')) as BlobHeader;
    } catch {
      throw broken('header is not JSON');
    }
    if (header.format !== 'threatlab-dataset/2') throw broken(`format ${String(header.format)}`);
    const { rows, cols, palette: shared } = header;
    if (shared !== undefined && !(Number.isInteger(shared) && shared >= 1 && shared <= 256)) throw broken(`a palette of ${shared} values`);
    // One shared palette codes every column alike: each column's palette starts at 0.
    const sizes = shared === undefined ? header.columns : Array.from({ length: cols }, () => shared);
    if (!Array.isArray(sizes) || sizes.length !== cols || !sizes.every((size) => Number.isInteger(size) && size >= 0 && size <= 256)) throw broken('its column codings are not one palette size (0–256) per column');
    const layout = sectionLayout(Math.ceil((4 + length) / 8) * 8, rows, shared === undefined ? columnCounts(sizes) : { paletteValues: shared, coded: cols, raw: 0 });
    if (layout.labels + rows * 4 !== bytes.length) throw broken(`${bytes.length} bytes for ${rows} × ${cols}`);
    // Copies, so the values are aligned and independent of the buffer they came in: the Redis client
    // hands a large reply over as a view of its read pool, up to three times the reply's size.
    const section = (from: number, to: number) => {
      const values = new Float64Array((to - from) / 8);
      new Uint8Array(values.buffer).set(bytes.subarray(from, to));
      return values;
    };
    this.palettes = section(layout.palettes, layout.raw);
    this.raw = section(layout.raw, layout.codes);
    this.coded = Int32Array.from(sizes.flatMap((size, j) => (size > 0 ? [j] : [])));
    this.floatColumns = Int32Array.from(sizes.flatMap((size, j) => (size === 0 ? [j] : [])));
    this.paletteStart = new Int32Array(this.coded.length);
    if (shared === undefined) for (let c = 1; c < this.coded.length; c++) this.paletteStart[c] = this.paletteStart[c - 1] + sizes[this.coded[c - 1]];
    this.codes = new Uint8Array(bytes.subarray(layout.codes, layout.codes + rows * this.coded.length));
    const size = Int32Array.from(this.coded, (j) => sizes[j]);
    for (let i = 0, c = 0; i < this.codes.length; i++, c = c + 1 === size.length ? 0 : c + 1) {
      if (this.codes[i] >= size[c]) throw broken(`value code ${this.codes[i]} outside its ${size[c]}-value palette (column ${this.coded[c]})`);
    }
    this.labels = new Int32Array(rows);
    new Uint8Array(this.labels.buffer).set(bytes.subarray(layout.labels));
    this.name = header.name;
    this.classes = header.classes;
    this.schema = header.schema;
    this.targetName = header.targetName;
    this.image = header.image;
    this.rows = rows;
    this.cols = cols;
    this.bytes = this.codes.length + this.palettes.byteLength + this.raw.byteLength + this.labels.byteLength;
  }

  /** Writes rows `rows` (each `cols` float64 values, row-major) into `into` from value `at`: the values the client had, bit for bit. */
  readRows(rows: ArrayLike<number>, into: Float64Array, at: number): void {
    const { cols, coded, paletteStart, floatColumns, palettes, raw, codes } = this;
    const [codedCount, floatCount] = [coded.length, floatColumns.length];
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k];
      const out = at + k * cols;
      for (let c = 0, from = row * codedCount; c < codedCount; c++, from++) into[out + coded[c]] = palettes[paletteStart[c] + codes[from]];
      for (let r = 0, from = row * floatCount; r < floatCount; r++, from++) into[out + floatColumns[r]] = raw[from];
    }
  }

  /** Every row, as a data set. */
  dataset(): ClassificationDataset {
    return rowsOfSource(this, Uint32Array.from({ length: this.rows }, (_, i) => i));
  }
}

/** The data set back from its bytes, every row decoded; `source` names them in errors. */
export function decodeDataset(bytes: Buffer, source: string): ClassificationDataset {
  return new CodedDataset(bytes, source).dataset();
}

/** The SHA-256 of the bytes, hex. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The hash of `data`'s bytes, remembered per data set (data sets are immutable values), and the
 * bytes themselves when this call made them (the first for `data`): the caller that uploads them
 * then need not encode them again (Fashion-MNIST: 1.4 s), and none are kept for later calls.
 */
export function datasetHash(data: ClassificationDataset): { hash: string; bytes?: Buffer } {
  const known = HASHES.get(data);
  if (known) return { hash: known };
  const bytes = encodeDataset(data);
  const hash = contentHash(bytes);
  HASHES.set(data, hash);
  return { hash, bytes };
}
