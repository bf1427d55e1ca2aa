/** `threatlab extract`: run an extraction attack on a model file or a served model, report fidelity. */

import { loadTarget } from '../target.ts';
import { EXTRACTION_ATTACKS } from '../../attacks/extraction/index.ts';
import { runAttack } from '../../attacks/runner.ts';
import { ValidationError } from '../../errors.ts';
import { agreementOn, type Agreement } from '../../metrics/fidelity.ts';
import { oracleAgreement } from '../../metrics/oracle-agreement.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { parseParamPairs } from '../../models/params.ts';
import { saveModelFile } from '../../models/registry.ts';
import type { Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { printResult, type CliIo, type CommonOptions } from '../io.ts';

/** Options of `threatlab extract`. */
export interface ExtractOptions extends CommonOptions {
  model?: string;
  url?: string;
  modelId?: string;
  key?: string;
  attack: string;
  param: string[];
  budget?: number;
  policy?: string;
  seed: number;
  evaluate: number;
  out?: string;
}

/** Runs the command. */
export async function runExtract(io: CliIo, options: ExtractOptions, progress: Progress): Promise<void> {
  const attack = EXTRACTION_ATTACKS[options.attack];
  if (!attack) {
    throw new ValidationError('unknown extraction attack', [{ path: 'attack', message: `"${options.attack}"; known: ${Object.keys(EXTRACTION_ATTACKS).join(', ')}` }]);
  }
  const { oracle, model } = await loadTarget(options);
  const record = await runAttack(attack, oracle, { params: parseParamPairs(options.param), seed: options.seed, budget: options.budget, progress });
  const surrogate = record.outcome?.surrogate;
  let uniform: Agreement | undefined;
  if (surrogate && options.evaluate > 0) {
    const rows = uniformRows(oracle.info.schema, options.evaluate, new Rng(options.seed + 1));
    uniform = model && model.task === 'classification' ? agreementOn(model, surrogate, rows) : await oracleAgreement(oracle, surrogate, rows);
  }
  if (surrogate && options.out) saveModelFile(surrogate, options.out);
  const { outcome, ...rest } = record;
  const report = { ...rest, surrogate: surrogate ? { kind: surrogate.kind, saved: options.out ?? null } : null, outcome: outcome ? { ...outcome, surrogate: undefined } : undefined, fidelityUniform: uniform ?? null };
  printResult(io, options, report, () =>
    [
      `${record.attack} against a ${oracle.info.kind} model answering ${oracle.info.reveals} (${record.status})`,
      `paid: ${record.queries} queries in ${record.requests} requests, cost ${record.cost.toFixed(4)}; ${record.seconds.toFixed(2)} s`,
      uniform ? `fidelity on ${uniform.rows} uniform points: agreement ${(100 * uniform.agreement).toFixed(2)}%, max |Δp| ${uniform.maxProbabilityGap.toExponential(2)}` : 'fidelity: not evaluated',
      options.out && surrogate ? `surrogate saved to ${options.out}` : '',
    ].filter(Boolean).join('\n'),
  );
}
