/**
 * The DP-SGD parameters a trainer accepts (MLP, CNN, the logistic family): a target ε or a noise
 * multiplier, the clipping norm and δ. Either ε or the noise turns DP-SGD on; neither leaves the
 * trainer as it was.
 */

import { ValidationError } from '../../errors.ts';
import type { ParamSpecs } from '../../models/params.ts';
import type { DpSgdRecord, DpSgdSettings } from './private-training.ts';

/** Declarations merged into a trainer's parameters. */
export const DP_SGD_PARAMS = {
  dpEpsilon: { type: 'number', default: 0, min: 0, doc: 'train with DP-SGD (Abadi et al. 2016) to this ε at dpDelta, the noise calibrated by the RDP accountant (0: off)' },
  dpNoise: { type: 'number', default: 0, min: 0, doc: 'DP-SGD noise multiplier σ instead of a target ε (0: off); the ε it spends is recorded' },
  dpClip: { type: 'number', default: 1, above: 0, doc: 'DP-SGD per-example gradient norm bound C' },
  dpDelta: { type: 'number', default: 1e-5, above: 0, max: 0.1, doc: 'DP-SGD δ (keep it below 1 / training rows)' },
} satisfies ParamSpecs;

/** The DP-SGD settings of validated params, or undefined when DP-SGD is off. */
export function dpSgdSettingsOf(kind: string, params: { dpEpsilon: number; dpNoise: number; dpClip: number; dpDelta: number }, rows: number): DpSgdSettings | undefined {
  if (params.dpEpsilon === 0 && params.dpNoise === 0) return undefined;
  if (params.dpEpsilon > 0 && params.dpNoise > 0) {
    throw new ValidationError(`cannot train "${kind}" with DP-SGD`, [{ path: 'dpNoise', message: 'give dpEpsilon (the noise is calibrated to it) or dpNoise (its ε is reported), not both' }]);
  }
  if (params.dpDelta >= 1 / rows) {
    throw new ValidationError(`cannot train "${kind}" with DP-SGD`, [{ path: 'dpDelta', message: `${params.dpDelta} ≥ 1 / ${rows} training rows: a δ that large allows publishing a row outright; give dpDelta below ${(1 / rows).toPrecision(2)}` }]);
  }
  return params.dpEpsilon > 0 ? { clip: params.dpClip, delta: params.dpDelta, epsilon: params.dpEpsilon } : { clip: params.dpClip, delta: params.dpDelta, noiseMultiplier: params.dpNoise };
}

/** The DP-SGD record a fitted model carries in its params, if it was trained with DP-SGD. */
export function privacyOf(model: { params?: Record<string, unknown> }): DpSgdRecord | undefined {
  const record = model.params?.privacy as DpSgdRecord | undefined;
  return record?.mechanism === 'dp-sgd' ? record : undefined;
}

/** One line saying what a DP-SGD model's guarantee is, and what it does not cover. */
export function privacyLine(record: DpSgdRecord): string {
  return (
    `differentially private: DP-SGD, ε = ${record.epsilon.toFixed(2)} at δ = ${record.delta} (noise σ = ${record.noiseMultiplier.toFixed(3)}, clip ${record.clip}, ` +
    `${record.steps} steps at sampling rate ${record.samplingRate.toPrecision(3)}, RDP converted by ${record.conversion === 'balle2020' ? 'Balle et al. 2020' : 'Mironov 2017'}; ` +
    `${(record.clippedShare * 100).toFixed(0)}% of gradients clipped). Not covered: the feature ranges the model file keeps from the training rows`
  );
}
