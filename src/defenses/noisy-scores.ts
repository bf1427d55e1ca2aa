/**
 * Gaussian noise on published confidences, an output defence measured beside rounding, top-k and
 * label-only (Jia et al., "MemGuard", CCS 2019, shape the noise; this is its plain form): each
 * probability gets N(0, s²), is floored at 0 and the row renormalised; the label stays the
 * model's own, so accuracy is unchanged. The noise is a function of the row and a secret seed —
 * asking the same row again returns the same answer, so an attacker cannot average it away by
 * repeating queries (only by querying near-duplicates, which the extraction detector watches).
 */

import { ValidationError } from '../errors.ts';
import type { Matrix } from '../math/matrix.ts';
import type { Answer, Oracle, OracleInfo } from '../oracle/types.ts';
import { Rng } from '../random.ts';

/** FNV-1a over a row's float64 bytes, mixed with the seed. */
function rowSeed(row: Float64Array, seed: number): number {
  const bytes = new Uint8Array(row.buffer, row.byteOffset, row.byteLength);
  let hash = (2166136261 ^ seed) >>> 0;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return hash;
}

/** A scores target whose probabilities are published with Gaussian noise of standard deviation `scale`. */
export class NoisyScoresOracle implements Oracle {
  readonly info: OracleInfo;
  private readonly inner: Oracle;
  private readonly scale: number;
  private readonly seed: number;

  constructor(inner: Oracle, scale: number, seed: number) {
    if (!(scale > 0)) throw new ValidationError('cannot add noise to scores', [{ path: 'scale', message: `${scale}: give a standard deviation > 0, e.g. 0.05` }]);
    if (inner.info.reveals !== 'scores') throw new ValidationError('cannot add noise to scores', [{ path: 'target', message: `the target reveals ${inner.info.reveals}, not scores` }]);
    this.inner = inner;
    this.scale = scale;
    this.seed = seed;
    this.info = inner.info;
  }

  async query(rows: Matrix): Promise<Answer[]> {
    const answers = await this.inner.query(rows);
    return answers.map((answer, i) => {
      if (answer.kind !== 'scores') return answer;
      const rng = new Rng(rowSeed(rows.data.subarray(i * rows.cols, (i + 1) * rows.cols), this.seed));
      const noisy = answer.probabilities.map((p) => Math.max(0, p + rng.normal(0, this.scale)));
      const total = noisy.reduce((a, b) => a + b, 0);
      return { ...answer, probabilities: total > 0 ? noisy.map((p) => p / total) : answer.probabilities.map(() => 1 / answer.probabilities.length) };
    });
  }
}
