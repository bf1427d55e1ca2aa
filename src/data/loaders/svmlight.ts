/**
 * svmlight / libsvm text format: `label index:value index:value …`, 1-based indices, absent
 * features are 0 (libsvm's sample `heart_scale` is read this way).
 */

import { ThreatlabError } from '../../errors.ts';
import { createMatrix, type Matrix } from '../../math/matrix.ts';
import { readNonEmptyFile } from './files.ts';

/** Parsed svmlight rows: dense features and raw numeric labels. */
export interface SvmlightData {
  features: Matrix;
  labels: Float64Array;
}

/** Parses svmlight text; `features` fixes the column count (default: the largest index seen). */
export function parseSvmlight(text: string, source: string, features?: number): SvmlightData {
  const entries: { label: number; pairs: [number, number][] }[] = [];
  let maxIndex = 0;
  text.split(/\r\n|\r|\n/).forEach((raw, lineIndex) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const where = `${source}:${lineIndex + 1}`;
    const [labelToken, ...rest] = line.split(/\s+/);
    const label = Number(labelToken);
    if (!Number.isFinite(label)) throw new ThreatlabError('parse-error', `${where}: label "${labelToken}" is not a number`);
    const pairs: [number, number][] = rest.map((token) => {
      const match = /^(\d+):(\S+)$/.exec(token);
      const index = match ? Number(match[1]) : NaN;
      const value = match ? Number(match[2]) : NaN;
      if (!match || index < 1 || !Number.isFinite(value)) {
        throw new ThreatlabError('parse-error', `${where}: "${token}" is not index:value with a 1-based index and a finite value`);
      }
      maxIndex = Math.max(maxIndex, index);
      return [index, value];
    });
    entries.push({ label, pairs });
  });
  if (entries.length === 0) throw new ThreatlabError('empty-file', `${source} has no data lines`);
  const cols = features ?? maxIndex;
  if (maxIndex > cols) {
    throw new ThreatlabError('parse-error', `${source}: feature index ${maxIndex} exceeds the ${cols} features expected`);
  }
  const matrix = createMatrix(entries.length, cols);
  const labels = new Float64Array(entries.length);
  entries.forEach((entry, i) => {
    labels[i] = entry.label;
    for (const [index, value] of entry.pairs) matrix.data[i * cols + index - 1] = value;
  });
  return { features: matrix, labels };
}

/** Loads an svmlight file. */
export function loadSvmlight(path: string, features?: number): SvmlightData {
  return parseSvmlight(readNonEmptyFile(path, 'svmlight file').toString('utf8'), path, features);
}
