/**
 * `threatlab exfiltrate`: the attacker's side of malicious training (Song, Ristenpart and
 * Shmatikov, CCS 2017). With the key written by `train --malicious`, read the hidden training
 * rows back — from a model file's parameters (LSB, correlated-value, sign encoding), or by
 * querying the model (capacity abuse; a file or a served model, label-only suffices, every query
 * counted and billed). Scored against the truth file when there is one; PNG grid with --out.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeThroughOracle, decodeWhiteBox } from '../../attacks/exfiltration/decode.ts';
import { EXFILTRATION_ATTACKS } from '../../attacks/exfiltration/key.ts';
import { dequantize, quantize } from '../../attacks/exfiltration/secret.ts';
import { encodePng } from '../../data/loaders/image.ts';
import { CapabilityError, ThreatlabError } from '../../errors.ts';
import { scoreSecret, type SecretScore } from '../../metrics/exfiltration.ts';
import type { AttackStatus } from '../../attacks/types.ts';
import type { Progress } from '../../progress.ts';
import { secretGrid } from '../../report/image-grid.ts';
import { printResult, type CliIo, type CommonOptions } from '../io.ts';
import { loadTarget, type TargetOptions } from '../target.ts';
import { readKey, readTruth, truthPathOf } from './secret-files.ts';

/** Options of `threatlab exfiltrate`. */
export interface ExfiltrateOptions extends CommonOptions, TargetOptions {
  secret: string;
  attack?: string;
  truth?: string;
  out?: string;
  budget?: number;
  seed: number;
}

/** What `exfiltrate` reports. */
export interface ExfiltrateReport {
  attack: string;
  status: AttackStatus;
  items: number;
  valuesPerItem: number;
  /** Rows queried and what they cost (capacity abuse; 0 for the white-box decoders). */
  queries: number;
  requests: number;
  cost: number;
  seconds: number;
  /** Against the truth file, when there is one. */
  score?: Omit<SecretScore, 'items'> & { perItem: { mape: number; cosine: number; ssim?: number }[]; quantisationFloor?: number };
  files: string[];
}

/** Runs the command. */
export async function runExfiltrate(io: CliIo, options: ExfiltrateOptions, progress: Progress): Promise<ExfiltrateReport> {
  const key = readKey(options.secret);
  if (options.attack && options.attack !== key.attack) {
    throw new ThreatlabError('usage', `--attack ${options.attack} but ${options.secret} is a ${key.attack} key; drop --attack or give the ${options.attack} key (known: ${EXFILTRATION_ATTACKS.join(', ')})`);
  }
  const truth = readTruth(options.truth ?? truthPathOf(options.secret), key, options.truth !== undefined);
  const { oracle, model } = await loadTarget(options);
  const started = performance.now();
  let values: Uint8Array;
  let record = { status: 'completed' as AttackStatus, queries: 0, requests: 0, cost: 0 };
  if (key.attack === 'capacity') {
    if (oracle.info.inputSize !== key.inputSize) throw new ThreatlabError('validation', `the model takes ${oracle.info.inputSize} inputs, the key's synthetic rows have ${key.inputSize}; give the model trained with this key`);
    const run = await decodeThroughOracle(oracle, key, { seed: options.seed, budget: options.budget, progress });
    record = { status: run.status, queries: run.queries, requests: run.requests, cost: run.cost };
    if (!run.outcome) throw new ThreatlabError('budget-exceeded', `${run.stopped ?? 'the budget ran out'}: ${run.queries} rows were queried (and paid for) before it stopped; the key needs ${key.rows}`);
    values = run.outcome.values;
  } else {
    if (!model) throw new CapabilityError(`${key.attack} encoding is read from the model's parameters: give --model FILE (a served model hides them; only capacity abuse decodes through queries)`);
    values = decodeWhiteBox(model, key);
  }
  const seconds = (performance.now() - started) / 1000;
  const report: ExfiltrateReport = { attack: key.attack, items: key.items, valuesPerItem: key.valuesPerItem, ...record, seconds, files: [] };
  if (truth) {
    const { items, ...overall } = scoreSecret(values, truth.values, key.valuesPerItem, key.image);
    report.score = { ...overall, perItem: items.map(({ mape, cosine, ssim }) => ({ mape, cosine, ssim })) };
    if (key.attack === 'capacity') report.score.quantisationFloor = scoreSecret(dequantize(quantize(truth.values, key.levelBits), key.levelBits), truth.values, key.valuesPerItem).mape;
  }
  if (options.out) report.files = writeOutputs(options.out, values, truth?.values, key, report);
  printResult(io, options, report, () => exfiltrationText(report, options.secret));
  return report;
}

function writeOutputs(out: string, values: Uint8Array, truth: Uint8Array | undefined, key: { items: number; valuesPerItem: number; image?: { width: number; height: number } }, report: ExfiltrateReport): string[] {
  mkdirSync(out, { recursive: true });
  const files = [join(out, 'decoded.json'), join(out, 'record.json')];
  const items = Array.from({ length: key.items }, (_, i) => Array.from(values.subarray(i * key.valuesPerItem, (i + 1) * key.valuesPerItem)));
  writeFileSync(files[0], `${JSON.stringify({ items: key.items, valuesPerItem: key.valuesPerItem, image: key.image, values: items })}\n`);
  writeFileSync(files[1], `${JSON.stringify(report, null, 1)}\n`);
  if (key.image) {
    const png = join(out, 'grid.png');
    writeFileSync(png, encodePng(secretGrid(values, truth, key.valuesPerItem, key.image, 64)));
    files.push(png);
  }
  return files;
}

function exfiltrationText(report: ExfiltrateReport, keyPath: string): string {
  const what = `${report.items} hidden training ${report.items === 1 ? 'row' : 'rows'}`;
  const paid = report.queries > 0 ? ` through ${report.queries} queries in ${report.requests} requests (cost ${report.cost.toFixed(4)})` : ' from the parameters (no queries)';
  const lines = [`${report.attack}: decoded ${what}${paid} in ${report.seconds.toFixed(2)} s`];
  const s = report.score;
  if (s) {
    const floor = s.quantisationFloor !== undefined ? ` (the ${'4-bit'} quantisation floor is ${s.quantisationFloor.toFixed(2)})` : '';
    lines.push(`against the truth: mean absolute pixel error ${s.mape.toFixed(2)} of 255${floor}, cosine ${s.cosine.toFixed(3)}${s.ssim !== undefined ? `, SSIM ${s.ssim.toFixed(3)}` : ''}; ${s.exactItems} of ${report.items} exact, ${(s.exactValues * 100).toFixed(1)}% of values exact`);
    lines.push(s.mape <= 10 ? 'in plain words: the training data came back out of the model — a person would recognise these images.' : s.mape <= 40 ? 'in plain words: the training data came back blurred but recognisable in outline.' : 'in plain words: little of the training data came back.');
  } else {
    lines.push(`no truth file beside ${keyPath}: decoded but not scored`);
  }
  if (report.files.length > 0) lines.push(`wrote ${report.files.join(', ')}`);
  return lines.join('\n');
}
