/**
 * An oracle decorator that runs an extraction detector on every answered query — how the server
 * watches each API key, usable in-process to measure an attack's queries until detection and a
 * benign client's false alarms. It only watches: the attack keeps its answers (the server's
 * actions — alert, slow down, refuse — act on the reading).
 */

import type { Matrix } from '../../math/matrix.ts';
import type { Answer, Oracle, OracleInfo } from '../../oracle/types.ts';
import { columnScaleOf, PradaStream, type PradaOptions, type PradaReading } from './prada.ts';

/** The label an answer gives (the value's sign bucket for a regression, which PRADA does not target). */
function labelOf(answer: Answer): number {
  return answer.kind === 'value' ? 0 : answer.label;
}

/** A target watched by PRADA and the probe detector. */
export class MonitoredOracle implements Oracle {
  readonly info: OracleInfo;
  readonly stream: PradaStream;
  private readonly inner: Oracle;

  /** `reference`: natural rows (encoded) for the off-manifold detector. */
  constructor(inner: Oracle, options: Partial<PradaOptions> = {}, reference?: Matrix) {
    this.inner = inner;
    this.info = inner.info;
    const rows = reference && Array.from({ length: reference.rows }, (_, i) => reference.data.subarray(i * reference.cols, (i + 1) * reference.cols));
    this.stream = new PradaStream(columnScaleOf(inner.info.schema), options, rows);
  }

  get reading(): PradaReading {
    return this.stream.reading;
  }

  async query(rows: Matrix): Promise<Answer[]> {
    const answers = await this.inner.query(rows);
    answers.forEach((answer, i) => this.stream.observe(rows.data.subarray(i * rows.cols, (i + 1) * rows.cols), labelOf(answer)));
    return answers;
  }
}
