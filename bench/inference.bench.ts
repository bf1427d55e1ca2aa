/**
 * Inference: a model's float64 class probabilities for a batch of MNIST rows — what the prediction
 * API answers and every attack's checks read — ours (`predictProba`: dense layers and the CNN's
 * convolution blocks in WebAssembly) beside PyTorch's float64 forward pass of the same weights
 * (1 thread, inference_peer.py), the first call in each process and the median of further calls,
 * and the largest difference between the two sides' probabilities (equal work shown).
 *
 *   npx tsx bench/inference.bench.ts [--quick] [--json]
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '../src/data/datasets/images.ts';
import { subsetRows } from '../src/data/dataset.ts';
import { trainTestSplit } from '../src/data/split.ts';
import { selectRows, type Matrix } from '../src/math/matrix.ts';
import { CnnTrainer } from '../src/models/neural/cnn.ts';
import { MlpTrainer } from '../src/models/neural/mlp.ts';
import { saveModelFile } from '../src/models/registry.ts';
import type { Classifier } from '../src/models/types.ts';
import { Rng } from '../src/random.ts';
import { PEER_PYTHON, peerEnv } from './peers.ts';
import { collectGarbage } from './settle.ts';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const rows = 1000;
const FURTHER_CALLS = 5;
const { train, test } = trainTestSplit(loadMnist(), { testFraction: 0.2, rng: new Rng(42), stratify: true });
// All 8,000 training rows of the 10,000 `loadMnist` gives (a seeded 3,000 with --quick), and a seeded 1,000 of the test rows
// (before 2026-12-05 the first ones: the embedded MNIST's rows are grouped by digit).
const trainSet = quick ? subsetRows(train, new Rng(7).permutation(train.features.rows).subarray(0, 3000)) : train;
const inputs = selectRows(test.features, new Rng(8).permutation(test.features.rows).subarray(0, rows));

interface PeerInference {
  peer: string;
  firstSeconds: number;
  warmSeconds: number;
  /** The largest |ours − theirs| over every probability. */
  largestDifference: number;
}

function peer(model: Classifier, ours: Matrix): PeerInference | string {
  if (!existsSync(PEER_PYTHON)) return `${PEER_PYTHON} not found`;
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-inference-peer-'));
  try {
    saveModelFile(model, join(folder, 'model.json'));
    writeFileSync(join(folder, 'x.f64'), Buffer.from(inputs.data.buffer, inputs.data.byteOffset, inputs.data.byteLength));
    const spec = { model: join(folder, 'model.json'), x: join(folder, 'x.f64'), cols: inputs.cols, out: join(folder, 'p.f64'), repeats: FURTHER_CALLS };
    const output = execFileSync(PEER_PYTHON, [join(import.meta.dirname, 'peers', 'inference_peer.py'), JSON.stringify(spec)], { encoding: 'utf8', env: peerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const result = JSON.parse(output.trim().split('\n').pop()!) as Omit<PeerInference, 'largestDifference'>;
    const theirs = new Float64Array(readFileSync(spec.out).buffer.slice(0));
    let largestDifference = 0;
    for (let k = 0; k < ours.data.length; k++) largestDifference = Math.max(largestDifference, Math.abs(ours.data[k] - theirs[k]));
    return { ...result, largestDifference };
  } catch (error) {
    return `peer failed: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const models: [string, Classifier][] = [
  ['MLP 784-128-10', await new MlpTrainer({ hidden: '128', epochs: 5, validationFraction: 0, standardize: false }).fit(trainSet, new Rng(42))],
  ['CNN 8-16', await new CnnTrainer({ epochs: 1 }).fit(trainSet, new Rng(42))],
];
const results = [];
for (const [name, model] of models) {
  const times: number[] = [];
  let probabilities: Matrix | undefined;
  // The first call without the garbage of the models' training (settle.ts), as the peer's fresh process.
  collectGarbage();
  for (let k = 0; k <= FURTHER_CALLS; k++) {
    const started = performance.now();
    probabilities = model.predictProba(inputs);
    times.push((performance.now() - started) / 1000);
  }
  const further = times.slice(1).sort((a, b) => a - b);
  const theirs = peer(model, probabilities!);
  results.push({
    model: name,
    rows,
    oursFirstSeconds: times[0],
    oursWarmSeconds: further[Math.floor(further.length / 2)],
    peerFirstSeconds: typeof theirs === 'string' ? undefined : theirs.firstSeconds,
    peerWarmSeconds: typeof theirs === 'string' ? undefined : theirs.warmSeconds,
    largestDifference: typeof theirs === 'string' ? undefined : theirs.largestDifference,
    peer: typeof theirs === 'string' ? theirs : theirs.peer,
  });
}
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'inference', rows: results })}\n`);
else console.table(results);
