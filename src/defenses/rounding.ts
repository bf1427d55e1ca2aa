/**
 * Confidence rounding as a countermeasure (Fredrikson et al. 2015, §7; Tramèr et al. 2016,
 * §6.1): an oracle decorator that rounds every probability to a multiple of `step` (0.001,
 * 0.005, 0.01, 0.05 in the inversion paper — steps that decimal rounding cannot express).
 */

import { ValidationError } from '../errors.ts';
import type { Matrix } from '../math/matrix.ts';
import type { Answer, Oracle, OracleInfo } from '../oracle/types.ts';

/** Rounds scores to multiples of `step`; other answers pass through. */
export class RoundingOracle implements Oracle {
  readonly info: OracleInfo;
  private readonly inner: Oracle;
  private readonly step: number;

  constructor(inner: Oracle, step: number) {
    if (!(step > 0 && step < 1)) throw new ValidationError('invalid rounding', [{ path: 'step', message: `${step}; give a step in (0, 1), e.g. 0.01` }]);
    this.inner = inner;
    this.step = step;
    this.info = inner.info;
  }

  async query(rows: Matrix): Promise<Answer[]> {
    const answers = await this.inner.query(rows);
    const round = (p: number): number => Math.round(p / this.step) * this.step;
    return answers.map((answer) => {
      switch (answer.kind) {
        case 'scores':
          return { ...answer, probabilities: answer.probabilities.map(round) };
        case 'top-k':
          return { ...answer, top: answer.top.map((entry) => ({ ...entry, probability: round(entry.probability) })) };
        case 'leaf':
          return { ...answer, probabilities: answer.probabilities.map(round), confidence: round(answer.confidence) };
        case 'label':
        case 'value':
          return answer;
      }
    });
  }
}
