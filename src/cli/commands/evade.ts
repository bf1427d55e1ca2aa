/**
 * `threatlab evade`: adversarial rows against a model (the seed's fourth threat). White-box
 * (fgsm, pgd, cw, deepfool, lbfgs) on a model file; decision-based (hop-skip-jump, boundary) through any target,
 * queries counted and billed; `--transfer-from surrogate.json` crafts white-box on a stolen copy
 * and judges the result by the target's answers. Writes the adversarial rows, the record and,
 * for images, a PNG of each x, its perturbation amplified and x'.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boundaryAttack, hopSkipJump, transferAttack, runWhiteBox, WHITE_BOX_ATTACKS, WHITE_BOX_REFERENCES, inputDomain, type WhiteBoxAttackName } from '../../attacks/evasion/index.ts';
import { attackRecord, runAttack } from '../../attacks/runner.ts';
import type { AttackRecord } from '../../attacks/types.ts';
import type { ImageShape } from '../../data/dataset.ts';
import { loadDataset } from '../../data/datasets/registry.ts';
import { encodePng } from '../../data/loaders/image.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { createMatrix, rowView, selectRows, type Matrix } from '../../math/matrix.ts';
import type { EvasionSummary } from '../../metrics/evasion.ts';
import { loadModelFile } from '../../models/registry.ts';
import type { Classifier } from '../../models/types.ts';
import { CountingOracle } from '../../oracle/decorators.ts';
import type { Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { perturbationGrid } from '../../report/image-grid.ts';
import { printResult, type CliIo, type CommonOptions } from '../io.ts';
import { labelledRowsForModel } from '../labelled-rows.ts';
import { loadTarget, type TargetOptions } from '../target.ts';

/** The attacks `evade` runs. */
export const EVADE_ATTACKS = [...WHITE_BOX_ATTACKS, 'hop-skip-jump', 'boundary'] as const;

/** Options of `threatlab evade`. */
export interface EvadeOptions extends CommonOptions, TargetOptions {
  attack: string;
  input?: string;
  dataset?: string;
  target?: string;
  rows: number;
  targetLabel?: string;
  eps?: number;
  norm?: '2' | 'inf';
  steps?: number;
  maxQueries?: number;
  budget?: number;
  transferFrom?: string;
  seed: number;
  out?: string;
}

/** What `evade` reports (the record's outcome keeps the rows). */
export interface EvadeReport {
  attack: string;
  mode: 'white-box' | 'decision-based' | 'transfer';
  rows: string;
  summary: EvasionSummary;
  record: AttackRecord<unknown>;
  files: string[];
}

function imageShapeOf(model: Classifier | undefined, datasetShape: ImageShape | undefined, inputSize: number): ImageShape | undefined {
  if (datasetShape) return datasetShape;
  if (model && 'image' in model) return (model as unknown as { image: ImageShape }).image;
  const side = Math.round(Math.sqrt(inputSize));
  return side * side === inputSize && side >= 8 ? { width: side, height: side, channels: 1 } : undefined;
}

/** Runs the command. */
export async function runEvade(io: CliIo, options: EvadeOptions, progress: Progress): Promise<EvadeReport> {
  if (!(EVADE_ATTACKS as readonly string[]).includes(options.attack)) throw new ValidationError('unknown attack', [{ path: 'attack', message: `"${options.attack}"; known: ${EVADE_ATTACKS.join(', ')}` }]);
  if ((options.attack === 'fgsm' || options.attack === 'pgd') && options.eps === undefined) throw new ThreatlabError('usage', `${options.attack} needs a perturbation budget ε > 0: give --eps (e.g. 0.3 for L∞ on pixels in [0, 1], 2 for L2)`);
  if (!options.input && !options.dataset) throw new ThreatlabError('usage', 'give the rows to perturb: --input FILE.csv (the model\'s raw features and the label) or --dataset NAME');
  const { oracle, model } = await loadTarget(options);
  if (oracle.info.task !== 'classification') throw new ThreatlabError('capability', 'evasion needs a classifier; this model answers a regression value');
  const source = (options.input ?? options.dataset)!;
  const data = labelledRowsForModel(source, oracle.info, options.target, progress);
  const rng = new Rng(options.seed);
  const chosen = data.features.rows <= options.rows ? Uint32Array.from({ length: data.features.rows }, (_, i) => i) : rng.permutation(data.features.rows).subarray(0, options.rows).sort();
  const inputs = selectRows(data.features, chosen);
  const labels = Int32Array.from(chosen, (i) => data.labels[i]);
  let targets: Int32Array | undefined;
  if (options.targetLabel !== undefined) {
    const index = oracle.info.classes.indexOf(options.targetLabel);
    if (index < 0) throw new ValidationError('unknown target label', [{ path: 'target-label', message: `"${options.targetLabel}"; the model's classes are ${oracle.info.classes.map((c) => `"${c}"`).join(', ')}` }]);
    targets = new Int32Array(inputs.rows).fill(index);
  }
  const domain = inputDomain(oracle.info.schema, data.features);
  const whiteBoxOptions = { epsilon: options.eps, norm: options.norm, steps: options.steps, labels, targets, domain, seed: options.seed, progress };
  let mode: EvadeReport['mode'];
  let record: AttackRecord<unknown>;
  let adversarial: Matrix;
  let summary: EvasionSummary;
  if (options.attack === 'hop-skip-jump' || options.attack === 'boundary') {
    if (options.transferFrom) throw new ThreatlabError('usage', '--transfer-from crafts with a white-box attack on the surrogate: give --attack fgsm, pgd, cw, deepfool or lbfgs');
    mode = 'decision-based';
    const starts = targets ? selectRows(data.features, Uint32Array.from({ length: data.features.rows }, (_, i) => i).filter((i) => data.labels[i] === targets![0]).subarray(0, 20)) : undefined;
    if (options.attack === 'boundary' && options.norm === 'inf') throw new ThreatlabError('usage', 'the Boundary attack minimises L2; give --norm 2 or use hop-skip-jump for L∞');
    const params = { ...(options.norm && options.attack === 'hop-skip-jump' ? { norm: options.norm } : {}), ...(options.maxQueries ? { maxQueries: options.maxQueries } : {}) };
    const evasion = { inputs, labels, targets, starts, domain };
    const run = options.attack === 'boundary' ? await runAttack(boundaryAttack(evasion), oracle, { seed: options.seed, params, budget: options.budget, progress }) : await runAttack(hopSkipJump(evasion), oracle, { seed: options.seed, params, budget: options.budget, progress });
    if (!run.outcome) throw new ThreatlabError('budget-exceeded', `the query budget ran out before any row was labelled (${run.queries} queries paid): ${run.stopped}`);
    const exhausted = run.outcome.budgetExhausted;
    record = exhausted ? { ...run, status: 'budget-exhausted', stopped: `${exhausted.message}; ${exhausted.rowsDone} of ${inputs.rows} rows done` } : run;
    summary = run.outcome.summary;
    adversarial = createMatrix(run.outcome.adversarial.length, inputs.cols, Float64Array.from(run.outcome.adversarial.flat()));
  } else if (options.transferFrom) {
    mode = 'transfer';
    const surrogate = loadModelFile(options.transferFrom);
    if (surrogate.task !== 'classification' || surrogate.inputSize !== oracle.info.inputSize) throw new ValidationError('surrogate does not fit the target', [{ path: 'transfer-from', message: `${options.transferFrom} takes ${surrogate.inputSize} columns, the target ${oracle.info.inputSize}; give a copy extracted from this target (threatlab extract … --out)` }]);
    const started = performance.now();
    const counted = new CountingOracle(oracle);
    const outcome = await transferAttack(counted, surrogate as Classifier, options.attack as WhiteBoxAttackName, inputs, whiteBoxOptions);
    record = attackRecord({ name: `transfer:${options.attack}`, reference: `${WHITE_BOX_REFERENCES[options.attack as WhiteBoxAttackName]}; transfer from a stolen copy (Tramèr et al. 2016; Papernot et al. 2017)` }, 'evasion', { eps: options.eps, norm: options.norm, surrogate: options.transferFrom }, oracle, options.seed, 'completed', counted, started, outcome);
    summary = outcome.summary;
    adversarial = createMatrix(inputs.rows, inputs.cols, Float64Array.from(outcome.adversarial.flat()));
  } else {
    if (!model) throw new ThreatlabError('capability', `${options.attack} is white-box: it needs the model file (--model). Against a served model use --attack hop-skip-jump or boundary, or --transfer-from a copy stolen with threatlab extract`);
    if (model.task !== 'classification') throw new ThreatlabError('capability', 'evasion needs a classifier');
    mode = 'white-box';
    const started = performance.now();
    const result = await runWhiteBox(model as Classifier, options.attack as WhiteBoxAttackName, inputs, whiteBoxOptions);
    const outcome = { adversarial: Array.from({ length: inputs.rows }, (_, i) => Array.from(rowView(result.adversarial, i))), rows: result.outcomes, summary: result.summary };
    record = attackRecord({ name: options.attack, reference: WHITE_BOX_REFERENCES[options.attack as WhiteBoxAttackName] }, 'evasion', { eps: options.eps, norm: options.norm, steps: options.steps }, oracle, options.seed, 'completed', new CountingOracle(oracle), started, outcome);
    summary = result.summary;
    adversarial = result.adversarial;
  }
  const files: string[] = [];
  if (options.out) {
    mkdirSync(options.out, { recursive: true });
    const recordPath = join(options.out, 'record.json');
    writeFileSync(recordPath, JSON.stringify({ ...record, rows: source, targetLabel: options.targetLabel ?? null }, null, 1));
    const rowsPath = join(options.out, 'adversarial.json');
    writeFileSync(rowsPath, JSON.stringify({ columns: inputs.cols, labels: Array.from(labels.subarray(0, adversarial.rows)), rows: Array.from({ length: adversarial.rows }, (_, i) => Array.from(rowView(adversarial, i))) }));
    files.push(recordPath, rowsPath);
    const shape = imageShapeOf(model as Classifier | undefined, options.dataset ? loadDataset(options.dataset).image : undefined, inputs.cols);
    if (shape) {
      const png = join(options.out, 'examples.png');
      writeFileSync(png, encodePng(perturbationGrid(inputs, adversarial, shape, 16)));
      files.push(png);
    }
  }
  const report: EvadeReport = { attack: options.attack, mode, rows: source, summary, record, files };
  printResult(io, options, { ...report, record: { ...record, outcome: undefined } }, () => describe(report, options));
  return report;
}

function describe(report: EvadeReport, options: EvadeOptions): string {
  const { summary, record } = report;
  const goal = options.targetLabel === undefined ? 'misclassified' : `labelled "${options.targetLabel}"`;
  const fixed = (value: number) => (Number.isFinite(value) ? value.toFixed(3) : '–');
  if (summary.rows === 0) return [`${report.attack} (${report.mode}): no row finished`, `queries paid: ${record.queries}; cost ${record.cost}; stopped: ${record.status} — ${record.stopped ?? ''}`].join('\n');
  return [
    `${report.attack} (${report.mode}) on ${summary.rows} rows of ${report.rows}: ${summary.successes} of ${summary.attacked} attacked rows ${goal} (${(100 * summary.successRate).toFixed(1)}%)${summary.rows > summary.attacked ? `; ${summary.rows - summary.attacked} already wrong (or already the target) were not attacked` : ''}`,
    `perturbation at success: median ‖Δ‖₂ ${fixed(summary.medianL2)}, median ‖Δ‖∞ ${fixed(summary.medianLinf)} (means ${fixed(summary.meanL2)} / ${fixed(summary.meanLinf)})`,
    summary.robustAccuracy === undefined ? '' : `accuracy under attack: ${(100 * summary.robustAccuracy).toFixed(1)}% of the ${summary.rows} rows keep their true label`,
    `queries paid: ${record.queries}${summary.medianQueries === undefined ? '' : ` (median ${summary.medianQueries} per row)`}; cost ${record.cost}; ${record.seconds.toFixed(1)} s${record.status === 'completed' ? '' : `; stopped: ${record.status} — ${record.stopped ?? ''}`}`,
    ...(report.files.length ? [`wrote ${report.files.join(', ')}`] : []),
  ]
    .filter(Boolean)
    .join('\n');
}
