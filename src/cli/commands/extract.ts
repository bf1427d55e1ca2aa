/**
 * `threatlab extract`: run an extraction attack on a model file or a served model, report what
 * was paid and the fidelity. Queries that measure fidelity against a served target are paid
 * too: they are off by default there (`--evaluate 0`) and, when asked for, counted and reported
 * apart from the attack's. A long fit writes its best surrogate so far to `--out`, so a run that
 * is stopped leaves it behind.
 */

import { renameSync, writeFileSync } from 'node:fs';
import { EXTRACTION_ATTACKS } from '../../attacks/extraction/index.ts';
import { runAttack } from '../../attacks/runner.ts';
import { loadUserRows } from '../../data/model-rows.ts';
import { encodeTableWithSchema } from '../../data/encoders/schema-encoder.ts';
import type { FeatureSchema } from '../../data/schema.ts';
import type { Table } from '../../data/table.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import type { Matrix } from '../../math/matrix.ts';
import { agreementOn, type Agreement } from '../../metrics/fidelity.ts';
import { oracleAgreement } from '../../metrics/oracle-agreement.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { parseParamPairs, resolveParams } from '../../models/params.ts';
import type { Classifier, Model } from '../../models/types.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import type { Oracle } from '../../oracle/types.ts';
import type { Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { asUsage, plural, printResult, refuseOutOverInput, type CliIo, type CommonOptions } from '../io.ts';
import { loadTarget } from '../target.ts';
import { extractionInWords } from '../plain-words.ts';
import { extractionPlans } from '../../audit/extraction.ts';
import { withArticle } from '../../models/kind-article.ts';

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
  /** Uniform points to measure fidelity on: 10,000 for a model file (free), 0 for a served one (paid) unless given. */
  evaluate?: number;
  /** The user's own held-out rows (CSV in raw features; other columns ignored) to measure fidelity on. */
  holdout?: string;
  /** The attacker's own unlabelled rows (CSV in raw features) to query first. */
  pool?: string;
  out?: string;
}

/** Rows of a CSV in the model's feature space; columns that are not features (a label, an id) are dropped. */
export function featureRows(path: string, schema: FeatureSchema, allowMissing: boolean, progress?: Progress): Matrix {
  const table = loadUserRows(path, progress);
  const names = new Set(schema.features.map((feature) => feature.name));
  const keep = table.columns.map((name, j) => (names.has(name) ? j : -1)).filter((j) => j >= 0);
  const features: Table = { ...table, columns: keep.map((j) => table.columns[j]), rows: table.rows.map((row) => keep.map((j) => row[j])) };
  return encodeTableWithSchema(schema, features, { allowMissing });
}

/** Writes a model file through a temporary file, so a reader (or a kill) never sees half of it. */
function writeAtomically(model: Model, path: string): void {
  writeFileSync(`${path}.partial`, JSON.stringify({ ...model.toJSON() }));
  renameSync(`${path}.partial`, path);
}

async function fidelity(oracle: Oracle, model: Model | undefined, surrogate: Classifier, rows: Matrix): Promise<Agreement> {
  return model && model.task === 'classification' ? agreementOn(model, surrogate, rows) : oracleAgreement(oracle, surrogate, rows);
}

/** The `--attack` that lets the target choose. */
const AUTOMATIC = 'auto';

/** The attack's parameters and the pool, checked before anything is queried. */
function checkAttackOptions(name: string, params: Record<string, unknown>, pool: string | undefined): void {
  if (pool && name !== 'mlp-retraining') throw new ValidationError('--pool is not used by this attack', [{ path: 'pool', message: `"${name}" chooses its own queries; the pool feeds mlp-retraining` }]);
  const attack = EXTRACTION_ATTACKS[name];
  asUsage(() => resolveParams(attack.name, attack.params, params, 'attack'));
}

/** Runs the command. */
export async function runExtract(io: CliIo, options: ExtractOptions, progress: Progress): Promise<void> {
  const automatic = options.attack === AUTOMATIC;
  if (!automatic && !EXTRACTION_ATTACKS[options.attack]) {
    throw new ThreatlabError('usage', `unknown extraction attack: "${options.attack}"; known: ${Object.keys(EXTRACTION_ATTACKS).join(', ')}, or ${AUTOMATIC}`);
  }
  refuseOutOverInput(options.out, { '--model': options.model, '--pool': options.pool, '--holdout': options.holdout });
  const given = parseParamPairs(options.param);
  if (!automatic) checkAttackOptions(options.attack, given, options.pool);
  const { oracle, model } = await loadTarget(options);
  // --attack auto: the attack threatlab audit tries first for what the target is and answers, its parameters under the user's.
  const plan = automatic ? extractionPlans(oracle.info, false)[0] : undefined;
  if (automatic && !plan) throw new ThreatlabError('capability', `no extraction attack here applies to a ${oracle.info.task} target; the attacks copy classifiers`);
  const attack = EXTRACTION_ATTACKS[plan ? plan.attack : options.attack];
  const params = plan ? { ...plan.params, ...given } : given;
  if (plan) checkAttackOptions(attack.name, params, options.pool);
  const pool = options.pool ? featureRows(options.pool, oracle.info.schema, oracle.info.partialRows, progress) : undefined;
  const holdout = options.holdout ? featureRows(options.holdout, oracle.info.schema, oracle.info.partialRows, progress) : undefined;
  const checkpoint = options.out ? (surrogate: Model) => writeAtomically(surrogate, options.out!) : undefined;
  const record = await runAttack(attack, oracle, { params, seed: options.seed, budget: options.budget, progress, pool, checkpoint });
  if (record.status !== 'completed' && !record.outcome) {
    const code = record.status === 'refused' ? 'forbidden' : 'budget-exceeded';
    throw new ThreatlabError(code, `${attack.name} stopped before it had a surrogate, after ${plural(record.queries, 'paid query', 'paid queries')}: ${record.stopped ?? 'the budget ran out'}`);
  }
  const surrogate = record.outcome?.surrogate as Classifier | undefined;
  if (surrogate && options.out) writeAtomically(surrogate, options.out);
  // Fidelity against a served target costs queries: counted on their own, never mixed with the attack's.
  const evaluation = new CountingOracle(oracle);
  const evaluate = options.evaluate ?? (model ? 10_000 : 0);
  let uniform: Agreement | undefined;
  let heldOut: Agreement | undefined;
  if (surrogate && surrogate.task === 'classification') {
    if (evaluate > 0) uniform = await fidelity(evaluation, model, surrogate, uniformRows(oracle.info.schema, evaluate, new Rng(options.seed + 1)));
    if (holdout) heldOut = await fidelity(evaluation, model, surrogate, holdout);
  }
  const { outcome, ...rest } = record;
  const spent = { queries: evaluation.queries, requests: evaluation.requests, cost: evaluation.cost };
  const report = {
    ...rest,
    chosen: plan !== undefined,
    surrogate: surrogate ? { kind: surrogate.kind, saved: options.out ?? null } : null,
    outcome: outcome ? { ...outcome, surrogate: undefined } : undefined,
    pool: pool ? { file: options.pool, rows: pool.rows } : null,
    fidelityUniform: uniform ?? null,
    fidelityHoldout: heldOut ? { file: options.holdout, ...heldOut } : null,
    evaluation: spent,
    inPlainWords: heldOut ? extractionInWords(heldOut.agreement, heldOut.maxProbabilityGap, `your ${heldOut.rows} held-out rows`) : uniform ? extractionInWords(uniform.agreement, uniform.maxProbabilityGap, `${uniform.rows} random inputs`) : null,
    total: { queries: record.queries + spent.queries, cost: record.cost + spent.cost },
  };
  const pct = (value: number) => `${(100 * value).toFixed(2)}%`;
  printResult(io, options, report, () =>
    [
      `${record.attack} against ${withArticle(oracle.info.kind)} model answering ${oracle.info.reveals} (${record.status})${plan ? ` — chosen for such a target (--attack NAME runs another: ${Object.keys(EXTRACTION_ATTACKS).join(', ')})` : ''}`,
      `attack paid: ${plural(record.queries, 'query', 'queries')} in ${plural(record.requests, 'request')}, cost ${record.cost.toFixed(4)}; ${record.seconds.toFixed(2)} s${pool ? ` (${pool.rows} pool rows available)` : ''}`,
      spent.queries > 0 ? `fidelity checks paid: ${plural(spent.queries, 'query', 'queries')}, cost ${spent.cost.toFixed(4)} (total ${report.total.queries} queries, cost ${report.total.cost.toFixed(4)})` : '',
      uniform ? `fidelity on ${uniform.rows} uniform points: agreement ${pct(uniform.agreement)}, max |Δp| ${uniform.maxProbabilityGap.toExponential(2)}` : '',
      heldOut ? `fidelity on your ${heldOut.rows} held-out rows (${options.holdout}): agreement ${pct(heldOut.agreement)}, max |Δp| ${heldOut.maxProbabilityGap.toExponential(2)}` : '',
      heldOut ? extractionInWords(heldOut.agreement, heldOut.maxProbabilityGap, `your ${heldOut.rows} held-out rows`) : uniform ? extractionInWords(uniform.agreement, uniform.maxProbabilityGap, `${uniform.rows} random inputs`) : '',
      !uniform && !heldOut ? `fidelity: not measured${model ? '' : ' (a served target charges for it: --evaluate N or --holdout FILE)'}` : '',
      options.out && surrogate ? `surrogate saved to ${options.out}` : '',
    ].filter(Boolean).join('\n'),
  );
}
