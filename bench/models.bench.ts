/**
 * Model-zoo benchmark: ours beside scikit-learn 1.2 / PyTorch (Debian) on the same split, in
 * one run. Prints a markdown table (paste into BENCHMARKS.md) and, with --json, one JSON document.
 *
 *   npx tsx bench/models.bench.ts [--json] [--quick] [--only=TEXT] [--skip=TEXT]   (TEXT: part of a row name)
 *
 * Rows: the quality bars of the model issue (test accuracy on the papers' splits) and the speed
 * goals (LR fit on AT&T faces within 2× of scikit-learn; MLP 784-256-10 throughput at least half
 * of PyTorch's; tree fit on Adult beside scikit-learn).
 */

import { initBackend } from '../src/backend/setup.ts';
import { subsetRows, type ClassificationDataset } from '../src/data/dataset.ts';
import { findDataset, isAvailable, loadDataset } from '../src/data/datasets/registry.ts';
import { defaultSplit } from '../src/data/split.ts';
import { createTrainer } from '../src/models/registry.ts';
import type { Classifier } from '../src/models/types.ts';
import { trainDense } from '../src/models/neural/train-dense.ts';
import { CnnTrainer } from '../src/models/neural/cnn.ts';
import { startOnnxRuntime } from '../src/models/neural/native/runtime-start.ts';
import { Rng } from '../src/random.ts';
import { accuracy } from '../src/metrics/score.ts';
import { fasterTorchPeer, runPeer, type PeerResult } from './peers.ts';
import { collectGarbage } from './settle.ts';

const json = process.argv.includes('--json');
const quick = process.argv.includes('--quick');
const SEED = 42;
/** Further fits timed per row (the median is the warm figure). */
const REPEATS = quick ? 3 : 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

interface Row {
  name: string;
  model: string;
  params: Record<string, unknown>;
  /** `seconds`: the first fit in this process (compiling included); `warmSeconds`: the median of further fits. */
  ours: { seconds: number; warmSeconds?: number; trainAccuracy: number; testAccuracy: number; examplesPerSecond?: number; warmExamplesPerSecond?: number; runtimeStartMs?: number };
  peer?: PeerResult;
  peerNote?: string;
  bar?: number;
}

function log(message: string): void {
  if (!json) process.stderr.write(`${message}\n`);
}

function split(name: string): { train: ClassificationDataset; test: ClassificationDataset } | undefined {
  if (!isAvailable(findDataset(name))) {
    log(`skipping ${name}: data not found`);
    return undefined;
  }
  const dataset = loadDataset(name) as ClassificationDataset;
  const indices = defaultSplit(dataset, 0.3, new Rng(SEED));
  return { train: subsetRows(dataset, indices.train), test: subsetRows(dataset, indices.test) };
}


async function modelRow(name: string, dataset: string, model: string, params: Record<string, unknown>, peerModel?: string, peerExtra: Record<string, unknown> = {}, bar?: number): Promise<Row | undefined> {
  if (!wanted(name)) return undefined;
  const parts = split(dataset);
  if (!parts) return undefined;
  log(`${name}: training ${model}…`);
  // The first fit starts without the garbage of the rows before (settle.ts), as the peer's fresh process does.
  collectGarbage();
  const started = performance.now();
  const fitted = (await createTrainer(model, params).fit(parts.train, new Rng(SEED))) as Classifier;
  const seconds = (performance.now() - started) / 1000;
  // Further fits of the same model in this process (as shadow models and property inference fit
  // them), timed apart from the first, which pays for compiling the code; the peer does the same.
  // Small fits get more repeats: V8 optimises a function after it has run a while (and may
  // deoptimise and optimise it again), so a 20 ms tree is still settling on its tenth run and a 0.2 s
  // one on its fifth. The peer gets as many.
  const repeats = model === 'mlp' ? 0 : seconds < 0.1 ? 25 : seconds < 0.5 ? 9 : REPEATS;
  const again: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await createTrainer(model, params).fit(parts.train, new Rng(SEED));
    again.push((performance.now() - t) / 1000);
  }
  const warmSeconds = again.length > 0 ? median(again) : undefined;
  const row: Row = { name, model, params, ours: { seconds, warmSeconds, trainAccuracy: accuracy(fitted, parts.train), testAccuracy: accuracy(fitted, parts.test) }, bar };
  if (peerModel) {
    log(`${name}: peer ${peerModel}…`);
    const peer = runPeer(peerModel, parts.train, parts.test, { ...peerExtra, repeats });
    if (typeof peer === 'string') row.peerNote = peer;
    else row.peer = peer;
  }
  return row;
}

async function mlpThroughputRows(): Promise<Row[]> {
  if (!wanted('MLP 784-256-10 training throughput')) return [];
  const dataset = isAvailable(findDataset('fashion-mnist')) ? 'fashion-mnist' : 'mnist';
  const parts = split(dataset);
  if (!parts) return [];
  const epochs = quick ? 1 : 2;
  const train = quick ? subsetRows(parts.train, Array.from({ length: 10000 }, (_, i) => i)) : parts.train;
  await initBackend();
  const { Mlp } = await import('../src/models/neural/mlp.ts');
  // onnxruntime's one-time start-up (its environment and kernel registry, ~30–65 ms) before any timer, as the peer imports torch before its own.
  const runtimeStartMs = await startOnnxRuntime();
  const rows: Row[] = [];
  for (const threads of [1, 2]) {
    log(`MLP throughput on ${dataset}: ${train.features.rows} rows × ${epochs} epochs, ${threads} thread(s)…`);
    const fit = async () => {
      const started = performance.now();
      const result = await trainDense(train.features, { kind: 'classification', labels: train.labels, classes: 10 }, {
        sizes: [784, 256, 10], hiddenActivation: 'relu', optimizer: 'adam', learningRate: 0.001, batchSize: 128, epochs, l2: 0, patience: 0, rng: new Rng(SEED), threads,
      });
      return { result, seconds: (performance.now() - started) / 1000 };
    };
    // The first run of this network in the process makes its session (~10 ms) and pays each first use; then the median of further runs.
    collectGarbage();
    const { result, seconds } = await fit();
    const again: number[] = [];
    for (let k = 0; k < (quick ? 3 : 1); k++) again.push((await fit()).seconds);
    const warmSeconds = median(again);
    const model = new Mlp({ classes: train.classes, schema: train.schema, layers: result.layers, params: {} });
    const row: Row = {
      name: `MLP 784-256-10 training throughput (${dataset}, Adam, batch 128, ${threads} thread${threads > 1 ? 's' : ''})`,
      model: 'mlp',
      params: { hidden: [256], epochs, batchSize: 128, threads },
      ours: { seconds, warmSeconds, trainAccuracy: accuracy(model, train), testAccuracy: accuracy(model, parts.test), examplesPerSecond: (epochs * train.features.rows) / seconds, warmExamplesPerSecond: (epochs * train.features.rows) / warmSeconds, runtimeStartMs },
    };
    const peer = fasterTorchPeer(train, parts.test, { hidden: [256], epochs, batchSize: 128, threads });
    if (typeof peer === 'string') row.peerNote = peer;
    else row.peer = peer;
    rows.push(row);
  }
  return rows;
}

/**
 * A network's first fit in the process — onnxruntime's one-time start-up before the timer, as a
 * peer imports torch before its own, and the garbage of what ran before collected (settle.ts) — and
 * the median of `repeats` further fits.
 */
async function firstAndFurtherFits<T>(fit: () => Promise<T>, repeats: number): Promise<{ fitted: T; seconds: number; warmSeconds: number }> {
  await startOnnxRuntime();
  collectGarbage();
  const started = performance.now();
  const fitted = await fit();
  const seconds = (performance.now() - started) / 1000;
  const again: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    await fit();
    again.push((performance.now() - t) / 1000);
  }
  return { fitted, seconds, warmSeconds: median(again) };
}

/**
 * CNN training (cnn.ts's CNN 8-16, dense 64: membership inference's and malicious training's image
 * model) on a Fashion-MNIST subset, beside PyTorch's same network and loop: the first fit in the
 * process and the median of further fits on both sides (ours from the float64 rows, theirs from
 * float32 tensors made before the timer).
 */
async function cnnTrainingRows(): Promise<Row[]> {
  const name = 'CNN 8-16 training';
  if (!wanted(name)) return [];
  const dataset = isAvailable(findDataset('fashion-mnist')) ? 'fashion-mnist' : 'mnist';
  const parts = split(dataset);
  if (!parts) return [];
  const [rows, epochs, repeats] = quick ? [2000, 5, 2] : [5000, 15, 2];
  const train = subsetRows(parts.train, Array.from({ length: rows }, (_, i) => i));
  const test = subsetRows(parts.test, Array.from({ length: 2000 }, (_, i) => i));
  const params = { epochs, batchSize: 64, validationFraction: 0 };
  log(`${name} on ${dataset}: ${rows} rows × ${epochs} epochs…`);
  const { fitted, seconds, warmSeconds } = await firstAndFurtherFits(() => new CnnTrainer(params).fit(train, new Rng(SEED)), repeats);
  const image = train.image!;
  const row: Row = {
    name: `${name} (${dataset}, ${rows.toLocaleString('en-US')} rows × ${epochs} epochs, Adam, batch 64, 1 thread)`,
    model: 'cnn',
    params,
    ours: { seconds, warmSeconds, trainAccuracy: accuracy(fitted, train), testAccuracy: accuracy(fitted, test) },
  };
  const peer = fasterTorchPeer(train, test, { filters: [8, 16], hidden: 64, epochs, batchSize: 64, threads: 1, image: [image.height, image.width, image.channels], repeats }, 'cnn-torch');
  if (typeof peer === 'string') row.peerNote = peer;
  else row.peer = peer;
  return [row];
}

/**
 * Adversarial training (Madry et al. 2018: each batch replaced by its PGD examples, 7 L∞ steps of
 * 2.5 ε / 7 from a random start in the ball of ε = 0.1, clipped to the columns' ranges) of an MNIST
 * MLP 784-128-10, beside PyTorch doing the same loop (its own PGD in autograd): both timed from
 * the float64 rows in memory, our first fit in the process (onnxruntime started before, as torch is
 * imported before its loop) and the median of further fits, against the peer's one timed loop.
 */
async function adversarialTrainingRows(): Promise<Row[]> {
  const name = 'MLP 784-128-10 adversarial training (PGD-7, L∞ ε 0.1)';
  const parts = split('mnist');
  if (!parts) return [];
  if (!wanted(name)) return adversarialCnnRow(parts);
  const [rows, epochs, repeats] = quick ? [3000, 2, 2] : [8000, 5, 2];
  const train = subsetRows(parts.train, new Rng(7).permutation(parts.train.features.rows).subarray(0, rows));
  const params = { hidden: '128', epochs, batchSize: 128, learningRate: 0.001, validationFraction: 0, standardize: false, adversarialEpsilon: 0.1, adversarialSteps: 7 };
  log(`${name} on mnist: ${train.features.rows} rows × ${epochs} epochs…`);
  const { fitted, seconds, warmSeconds } = await firstAndFurtherFits(async () => (await createTrainer('mlp', params).fit(train, new Rng(SEED))) as Classifier, repeats);
  const row: Row = {
    name: `${name} (mnist, ${train.features.rows.toLocaleString('en-US')} rows × ${epochs} epochs, Adam, batch 128, 1 thread)`,
    model: 'mlp',
    params,
    ours: { seconds, warmSeconds, trainAccuracy: accuracy(fitted, train), testAccuracy: accuracy(fitted, parts.test) },
  };
  const peer = fasterTorchPeer(train, parts.test, { hidden: [128], epochs, batchSize: 128, threads: 1, fromRows: true, adversarial: { epsilon: 0.1, steps: 7 } });
  if (typeof peer === 'string') row.peerNote = peer;
  else row.peer = peer;
  return [row, ...(await adversarialCnnRow(parts))];
}

/** The same adversarial training of cnn.ts's CNN 8-16 (dense 64, batch 64) on MNIST images, beside PyTorch's same network and loop (its float32 tensors made before its timer, as its plain CNN row). */
async function adversarialCnnRow(parts: { train: ClassificationDataset; test: ClassificationDataset }): Promise<Row[]> {
  const name = 'CNN 8-16 adversarial training (PGD-7, L∞ ε 0.1)';
  if (!wanted(name)) return [];
  const [rows, epochs, repeats] = quick ? [2000, 2, 2] : [8000, 3, 2];
  const train = subsetRows(parts.train, new Rng(7).permutation(parts.train.features.rows).subarray(0, rows));
  const params = { epochs, batchSize: 64, validationFraction: 0, adversarialEpsilon: 0.1, adversarialSteps: 7 };
  log(`${name} on mnist: ${train.features.rows} rows × ${epochs} epochs…`);
  const { fitted, seconds, warmSeconds } = await firstAndFurtherFits(() => new CnnTrainer(params).fit(train, new Rng(SEED)), repeats);
  const row: Row = {
    name: `${name} (mnist, ${train.features.rows.toLocaleString('en-US')} rows × ${epochs} epochs, Adam, batch 64, 1 thread)`,
    model: 'cnn',
    params,
    ours: { seconds, warmSeconds, trainAccuracy: accuracy(fitted, train), testAccuracy: accuracy(fitted, parts.test) },
  };
  const image = train.image!;
  const peer = fasterTorchPeer(train, parts.test, { filters: [8, 16], hidden: 64, epochs, batchSize: 64, threads: 1, image: [image.height, image.width, image.channels], repeats, adversarial: { epsilon: 0.1, steps: 7 } }, 'cnn-torch');
  if (typeof peer === 'string') row.peerNote = peer;
  else row.peer = peer;
  return [row];
}

const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const rows: Row[] = [];
const add = (row: Row | undefined) => row && rows.push(row);
const skip = process.argv.find((arg) => arg.startsWith('--skip='))?.slice('--skip='.length);
const wanted = (name: string) => (!only || name.toLowerCase().includes(only.toLowerCase())) && (!skip || !name.toLowerCase().includes(skip.toLowerCase()));
add(await modelRow('Softmax LR, AT&T faces (280 train / 120 test, 10,304 features, 40 classes)', 'att-faces', 'softmax', { standardize: false }, 'softmax', { maxIter: quick ? 300 : 1000 }, 0.9));
add(await modelRow('MLP (256 sigmoid), AT&T faces', 'att-faces', 'mlp', { hidden: '256', activation: 'sigmoid', epochs: 120, batchSize: 32, learningRate: 0.001, validationFraction: 0 }, 'mlp-sklearn', { hidden: [256], activation: 'logistic', epochs: 120, batchSize: 32, learningRate: 0.001 }, 0.9));
add(await modelRow('Binary LR, Adult income (108 features)', 'adult-income', 'logistic', {}, 'logistic', {}, 0.84));
add(await modelRow('Softmax LR, Iris', 'iris', 'softmax', {}, 'softmax', {}, 0.93));
add(await modelRow('Tree, Adult income (full depth)', 'adult-income', 'tree', {}, 'tree'));
add(await modelRow('Tree, steak eaters (Table 5 data, ordinal + missing)', 'steak-eaters', 'tree', { maxDepth: 5 }));
add(await modelRow('Tree, steak complete rows (one-hot)', 'steak', 'tree', { maxDepth: 5 }, 'tree', { maxDepth: 5 }));
add(await modelRow('Tree, GSS complete rows (one-hot)', 'gss', 'tree', { maxDepth: 8 }, 'tree', { maxDepth: 8 }));
for (const row of await mlpThroughputRows()) add(row);
for (const row of await cnnTrainingRows()) add(row);
for (const row of await adversarialTrainingRows()) add(row);

if (json) {
  process.stdout.write(`${JSON.stringify({ seed: SEED, rows }, null, 2)}\n`);
} else {
  const f = (x: number | undefined, digits = 3) => (x === undefined ? '—' : x.toFixed(digits));
  const lines = [
    `seed ${SEED}; same split for both sides; ours on Node ${process.version}, networks on the native engine (onnxruntime)`,
    '',
    '| model and data | ours: fit s (first / warm median) | ours: test acc | peer: fit s (first / warm median) | peer: test acc | time ratio, ours / peer (first / warm) | bar |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((row) => {
      const both = (first: number | undefined, warm: number | undefined) => (warm === undefined ? f(first, 3) : `${f(first, 4)} / ${f(warm, 4)}`);
      const warmSpeed = row.ours.warmExamplesPerSecond !== undefined ? ` / ${Math.round(row.ours.warmExamplesPerSecond)}` : '';
      const speed = row.ours.examplesPerSecond !== undefined ? `${Math.round(row.ours.examplesPerSecond)}${warmSpeed} ex/s` : both(row.ours.seconds, row.ours.warmSeconds);
      const peerSpeed = row.peer?.examplesPerSecond !== undefined ? `${Math.round(row.peer.examplesPerSecond)} ex/s` : both(row.peer?.fitSeconds, row.peer?.warmFitSeconds ?? undefined);
      // A throughput row's warm ratio is against the peer's one timed loop (its set-up untimed).
      const peerWarm = row.ours.warmExamplesPerSecond !== undefined ? row.peer?.fitSeconds : row.peer?.warmFitSeconds;
      const warmRatio = row.ours.warmSeconds !== undefined && peerWarm ? ` / ${(row.ours.warmSeconds / peerWarm).toFixed(2)}` : '';
      const ratio = row.peer ? (row.peer.fitSeconds > 0 ? `${(row.ours.seconds / row.peer.fitSeconds).toFixed(2)}${warmRatio}` : '—') : row.peerNote ?? '—';
      const bar = row.bar === undefined ? '' : `≥ ${row.bar}: ${row.ours.testAccuracy >= row.bar ? 'met' : 'NOT met'}`;
      return `| ${row.name} | ${speed} | ${f(row.ours.testAccuracy)} | ${peerSpeed}${row.peer ? ` (${row.peer.version}${row.peer.blas ? `; BLAS: ${row.peer.blas}` : ''})` : ''} | ${f(row.peer?.testAccuracy)} | ${ratio} | ${bar} |`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
