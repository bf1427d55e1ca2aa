/**
 * A classification data set as one content-addressed byte string, so cluster jobs can name it by
 * hash: a worker fetches it once and keeps it, and no job payload carries rows. Layout: a 4-byte
 * little-endian length, the JSON header (name, schema, classes, shape), zero padding to a multiple
 * of 8, the float64 feature matrix (row-major), the int32 labels. Values travel bit for bit, so a
 * model trained on a worker sees exactly the rows the client had.
 */

import { createHash } from 'node:crypto';
import { classificationDataset, type ClassificationDataset, type ImageShape } from '../data/dataset.ts';
import type { FeatureSchema } from '../data/schema.ts';
import { ThreatlabError } from '../errors.ts';
import { createMatrix } from '../math/matrix.ts';

interface BlobHeader {
  format: 'threatlab-dataset/1';
  name: string;
  rows: number;
  cols: number;
  classes: string[];
  schema: FeatureSchema;
  targetName: string;
  image?: ImageShape;
}

const HASHES = new WeakMap<ClassificationDataset, string>();

/** The bytes of `data`. */
export function encodeDataset(data: ClassificationDataset): Buffer {
  const header: BlobHeader = {
    format: 'threatlab-dataset/1',
    name: data.name,
    rows: data.features.rows,
    cols: data.features.cols,
    classes: [...data.classes],
    schema: data.schema,
    targetName: data.targetName,
    image: data.image,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((4 + json.length) / 8) * 8;
  const featureBytes = data.features.rows * data.features.cols * 8;
  const bytes = Buffer.alloc(start + featureBytes + data.labels.length * 4);
  bytes.writeUInt32LE(json.length, 0);
  json.copy(bytes, 4);
  const features = data.features.data.subarray(0, data.features.rows * data.features.cols);
  Buffer.from(features.buffer, features.byteOffset, featureBytes).copy(bytes, start);
  Buffer.from(data.labels.buffer, data.labels.byteOffset, data.labels.length * 4).copy(bytes, start + featureBytes);
  return bytes;
}

/** The data set back from its bytes; `source` names them in errors. */
export function decodeDataset(bytes: Buffer, source: string): ClassificationDataset {
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
  if (header.format !== 'threatlab-dataset/1') throw broken(`format ${String(header.format)}`);
  const start = Math.ceil((4 + length) / 8) * 8;
  const featureBytes = header.rows * header.cols * 8;
  if (start + featureBytes + header.rows * 4 !== bytes.length) throw broken(`${bytes.length} bytes for ${header.rows} × ${header.cols}`);
  // Copies, so the values are aligned and independent of the buffer they came in.
  const features = new Float64Array(header.rows * header.cols);
  new Uint8Array(features.buffer).set(bytes.subarray(start, start + featureBytes));
  const labels = new Int32Array(header.rows);
  new Uint8Array(labels.buffer).set(bytes.subarray(start + featureBytes));
  return classificationDataset({
    name: header.name,
    features: createMatrix(header.rows, header.cols, features),
    labels,
    classes: header.classes,
    schema: header.schema,
    targetName: header.targetName,
    image: header.image,
  });
}

/** The SHA-256 of the bytes, hex. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The hash of `data`'s bytes, remembered per data set (data sets are immutable values): encoded once. */
export function datasetHash(data: ClassificationDataset): string {
  let hash = HASHES.get(data);
  if (!hash) {
    hash = contentHash(encodeDataset(data));
    HASHES.set(data, hash);
  }
  return hash;
}
