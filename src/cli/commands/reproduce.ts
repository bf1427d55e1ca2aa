/** `threatlab reproduce NAME`: a paper's results on the paper's data, ours beside theirs. */

import { openTraining, trainingLine } from '../../cluster/open-training.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import type { TrainingService } from '../../parallel/training-service.ts';
import type { Progress } from '../../progress.ts';
import { REPRODUCTION_SEED, reproduceExtraction } from '../../reproduce/extraction.ts';
import { reproduceInversion } from '../../reproduce/inversion.ts';
import { reproduceMembership } from '../../reproduce/membership.ts';
import { footnotes, printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';

/** Options of `reproduce`. */
export interface ReproduceOptions extends CommonOptions {
  quick?: boolean;
  /** Where figures (face grids) are written. */
  out?: string;
  /** Train shadow and reference models on `threatlab worker` processes behind this Redis. */
  redis?: string;
  /** Opened from `redis` by `runReproduce`. */
  training?: TrainingService;
}

/** The reproductions that train shadow, reference or target models in bulk (and so can use `--redis`). */
const TRAINS_IN_BULK = ['membership', 'property', 'defenses'];

/** Default folder of the figures. */
export const DEFAULT_FIGURES_DIR = '.threatlab/figures';

function percent(value: number | string | undefined): string {
  if (value === undefined) return '—';
  return typeof value === 'number' ? `${(100 * value).toFixed(2)}%` : value;
}

/** `k=v` pairs, numbers to 3 significant digits. */
function pairs(values: Record<string, number | string> | undefined): string {
  if (!values) return '—';
  return Object.entries(values)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toPrecision(3)) : value}`)
    .join(' ');
}

async function extraction(io: CliIo, options: ReproduceOptions, progress: Progress): Promise<unknown> {
  const rows = await reproduceExtraction({ quick: options.quick ?? false, progress });
  const notes = footnotes(rows.map((row) => row.note ?? (typeof row.paper.note === 'string' ? row.paper.note : undefined)));
  printResult(io, options, { reproduction: 'extraction', seed: REPRODUCTION_SEED, quick: options.quick ?? false, rows }, () =>
    [
      `Tramèr et al. 2016, model extraction — ours beside the paper's (seed ${REPRODUCTION_SEED}${options.quick ? ', quick variant' : ''})`,
      textTable(
        ['row', 'paper q', 'paper test', 'paper unif', 'our q', 'our test', 'our unif', 'our max |Δp|', 's', 'note'],
        rows.map((row, i) => [
          row.name,
          String(row.paper.queries ?? '—'),
          percent(row.paper.fidelityTest ?? row.paper.fidelity),
          percent(row.paper.fidelityUniform),
          row.ours ? String(row.ours.queries) : '—',
          row.ours ? percent(row.ours.fidelityTest) : '—',
          row.ours ? percent(row.ours.fidelityUniform) : '—',
          row.ours ? row.ours.maxProbabilityGap.toExponential(1) : '—',
          row.ours ? row.ours.seconds.toFixed(1) : '—',
          notes.markers[i],
        ]),
      ),
      'q: queries paid; test, unif: the copy\'s agreement with the target (1 − R) on held-out test rows and on uniform random inputs; max |Δp|: the largest gap between their probabilities; s: seconds',
      ...notes.lines,
    ].join('\n'),
  );
  return rows;
}

async function inversion(io: CliIo, options: ReproduceOptions, progress: Progress): Promise<unknown> {
  const result = await reproduceInversion({ quick: options.quick ?? false, outDir: options.out ?? DEFAULT_FIGURES_DIR, progress });
  const notes = footnotes(result.rows.map((row) => row.note));
  printResult(io, options, { reproduction: 'inversion', quick: options.quick ?? false, ...result }, () =>
    [
      `Fredrikson et al. 2014/2015, model inversion — ours beside the paper's (seed ${result.seed}${options.quick ? ', quick variant' : ''})`,
      textTable(
        ['row', 'paper', 'ours', 'note'],
        result.rows.map((row, i) => [row.name, pairs(row.paper), pairs(row.ours), notes.markers[i]]),
      ),
      ...notes.lines,
      result.files.length ? `face grids (a training image beside each reconstruction): ${result.files.join(', ')}` : '',
    ].join('\n'),
  );
  return result.rows;
}

async function membership(io: CliIo, options: ReproduceOptions, progress: Progress): Promise<unknown> {
  const result = await reproduceMembership({ quick: options.quick ?? false, progress, training: options.training });
  const fixed = (value: number | undefined, digits = 3): string => (value === undefined ? '—' : value.toFixed(digits));
  printResult(io, options, { reproduction: 'membership', quick: options.quick ?? false, ...result }, () =>
    [
      `Membership inference — Shokri et al. 2017, Yeom et al. 2018, Carlini et al. 2022 (LiRA), Zarifzadeh et al. 2024 (RMIA), Choquette-Choo et al. 2021 (seed ${result.seed}${options.quick ? ', quick variant' : ''})`,
      'expected (Carlini et al. 2022): LiRA ≥ shadow models ≥ threshold at low FPR; leakage grows with the train–test gap; Adult near 0.5 (Shokri et al.: precision ≈ 0.50).',
      textTable(
        ['data set', 'model', 'members', 'train acc', 'test acc', 'gap', 'attack', 'AUC', 'TPR@1%FPR', 'TPR@0.1%FPR', 'queries', 'models', 's'],
        result.rows.flatMap((row) =>
          (row.attacks.length ? row.attacks : [undefined]).map((attack, k) => [
            k === 0 ? row.dataset : '',
            k === 0 ? row.model : '',
            k === 0 ? String(row.members) : '',
            k === 0 ? fixed(row.trainAccuracy) : '',
            k === 0 ? fixed(row.testAccuracy) : '',
            k === 0 ? fixed(row.gap) : '',
            attack?.attack ?? row.note ?? '',
            fixed(attack?.auc),
            fixed(attack?.tprAt1),
            fixed(attack?.tprAt01),
            attack ? String(attack.queries) : '',
            attack ? String(attack.models) : '',
            fixed(attack?.seconds, 1),
          ]),
        ),
      ),
      'TPR at 0.1% FPR is at 0 false positives wherever fewer than 1,000 non-members are judged.',
    ].join('\n'),
  );
  return result.rows;
}

async function exfiltration(io: CliIo, options: ReproduceOptions, progress: Progress): Promise<unknown> {
  return (await import('./reproduce-exfiltration.ts')).exfiltration(io, options, progress, options.out ?? DEFAULT_FIGURES_DIR);
}

async function property(io: CliIo, options: ReproduceOptions, progress: Progress): Promise<unknown> {
  const { reproduceProperty } = await import('../../reproduce/property.ts');
  const result = await reproduceProperty({ quick: options.quick ?? false, progress, training: options.training });
  printResult(io, options, { reproduction: 'property', quick: options.quick ?? false, ...result }, () =>
    [
      `Property inference: was Adult's income model trained on 20% or 50% women (${result.property}), and more? (Ateniese et al. 2015, Ganju et al. 2018, Suri & Evans 2022; seed ${result.seed}${options.quick ? ', quick variant' : ''})`,
      `training sets of 2,000 Adult rows (1,000 SMS) drawn with the share; the attacker's rows and the targets' are disjoint halves of the data; 50% is guessing`,
      textTable(
        ['property', 'model', 'attack', 'answers', 'shadows', 'probes', 'targets', 'accuracy', '95% interval', 'queries'],
        result.rows.map((row) => [row.property, row.model, row.attack, row.policy, String(row.shadows), String(row.probes), String(row.targets), percent(row.accuracy), row.interval.map((v) => percent(v)).join('–'), String(row.queriesPerTarget)]),
      ),
      'shadows and targets are per share; probes are rows queried (per share for the loss test); queries are per target.',
    ].join('\n'),
  );
  return result.rows;
}

async function evasion(io: CliIo, options: ReproduceOptions, progress: Progress): Promise<unknown> {
  return (await import('./reproduce-evasion.ts')).evasion(io, options, progress, options.out ?? DEFAULT_FIGURES_DIR);
}

async function defenses(io: CliIo, options: ReproduceOptions, progress: Progress): Promise<unknown> {
  return (await import('./reproduce-defenses.ts')).defenses(io, options, progress);
}

const REPRODUCTIONS: Record<string, (io: CliIo, options: ReproduceOptions, progress: Progress) => Promise<unknown>> = { extraction, inversion, membership, exfiltration, property, evasion, defenses };

/** Runs the command. */
export async function runReproduce(io: CliIo, name: string, options: ReproduceOptions, progress: Progress): Promise<unknown> {
  const reproduce = REPRODUCTIONS[name];
  if (!reproduce) throw new ValidationError('unknown reproduction', [{ path: 'name', message: `"${name}"; known: ${Object.keys(REPRODUCTIONS).join(', ')}` }]);
  if (!options.redis) return reproduce(io, options, progress);
  if (!TRAINS_IN_BULK.includes(name)) throw new ThreatlabError('usage', `--redis sends shadow and reference models to workers; "${name}" trains none (use it with ${TRAINS_IN_BULK.join(', ')})`);
  const training = await openTraining(options.redis);
  try {
    return await reproduce(io, { ...options, training }, progress);
  } finally {
    const line = trainingLine(training);
    await training.close();
    if (line) io.stderr(`${line}\n`);
  }
}
