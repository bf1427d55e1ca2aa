/**
 * DP-SGD's cost: examples per second of DP-SGD (Poisson sampling, per-example clipping, noise)
 * beside plain training of the same model on the same rows in the same run — ours (per-example
 * norms without a loop over examples, on the native engine: the clipped sums one onnxruntime call a
 * step, against plain training on the same engine; our tfjs-wasm DP-SGD beside it) and PyTorch
 * 1-thread (functorch vmap per-example gradients, Opacus' method), for the MLP and the CNN. Goal
 * (the countermeasures issue): clipping costs at most 3× plain.
 *
 *   npx tsx bench/dp-sgd.bench.ts [--quick] [--json]
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMnist } from '../src/data/datasets/images.ts';
import { subsetRows } from '../src/data/dataset.ts';
import { CnnTrainer } from '../src/models/neural/cnn.ts';
import { MlpTrainer } from '../src/models/neural/mlp.ts';
import { Rng } from '../src/random.ts';
import { PEER_PYTHON, peerEnv } from './peers.ts';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
// A seeded sample (before 2026-12-05 the first rows: the embedded MNIST's rows are grouped by digit, so 3,000 were zeros to twos).
const data = subsetRows(loadMnist(), new Rng(7).permutation(10000).subarray(0, quick ? 3000 : 8000));
const epochs = quick ? 2 : 5;
const batch = 256;

interface PeerDp {
  peer: string;
  plainExamplesPerSecond: number;
  dpExamplesPerSecond: number;
}

function peer(model: 'mlp' | 'cnn', epochs: number): PeerDp | string {
  if (!existsSync(PEER_PYTHON)) return `${PEER_PYTHON} not found`;
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-dp-peer-'));
  try {
    writeFileSync(join(folder, 'x.f32'), Buffer.from(Float32Array.from(data.features.data).buffer));
    writeFileSync(join(folder, 'y.i32'), Buffer.from(Int32Array.from(data.labels).buffer));
    const spec = { x: join(folder, 'x.f32'), y: join(folder, 'y.i32'), rows: data.features.rows, cols: data.features.cols, classes: 10, batch, epochs, noise: 1, clip: 1, lr: 0.002, model, image: [28, 28] };
    const output = execFileSync(PEER_PYTHON, [join(import.meta.dirname, 'peers', 'dp_sgd_peer.py'), JSON.stringify(spec)], { encoding: 'utf8', env: peerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(output.trim().split('\n').pop()!) as PeerDp;
  } catch (error) {
    return `peer failed: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

async function examplesPerSecond(train: () => Promise<unknown>, examples: number): Promise<number> {
  const started = performance.now();
  await train();
  return examples / ((performance.now() - started) / 1000);
}

const rows = data.features.rows;
const common = { epochs, batchSize: batch, learningRate: 0.002, validationFraction: 0 };
const results = [];
for (const [name, make] of [
  ['MLP 784-128-10', (extra: Record<string, unknown>) => new MlpTrainer({ hidden: '128', standardize: false, ...common, ...extra })],
  ['CNN 8-16', (extra: Record<string, unknown>) => new CnnTrainer({ ...common, epochs: 1, ...extra })],
] as const) {
  const epochsRun = name.startsWith('CNN') ? 1 : epochs;
  // Clipping's cost on DP-SGD's engine, the native one (the MLP's since 2026-12-05, the CNN's since
  // 2026-12-06): DP-SGD against plain training there; DP-SGD on tfjs-wasm reported beside it.
  const dpSettings = { dpNoise: 1, dpClip: 1, dpDelta: 1e-5 };
  process.env.THREATLAB_TRAINING_ENGINE = 'tfjs';
  const dpTfjs = await examplesPerSecond(() => make(dpSettings).fit(data, new Rng(42)), rows * epochsRun).finally(() => delete process.env.THREATLAB_TRAINING_ENGINE);
  const plain = await examplesPerSecond(() => make({}).fit(data, new Rng(42)), rows * epochsRun);
  const dp = await examplesPerSecond(() => make(dpSettings).fit(data, new Rng(42)), rows * epochsRun);
  const theirs = peer(name.startsWith('MLP') ? 'mlp' : 'cnn', epochsRun);
  results.push({
    model: name,
    rows,
    epochs: epochsRun,
    dpEngine: 'native',
    oursPlainExamplesPerSecond: plain,
    oursDpExamplesPerSecond: dp,
    oursOverhead: plain / dp,
    oursDpTfjsExamplesPerSecond: dpTfjs,
    peerPlainExamplesPerSecond: typeof theirs === 'string' ? undefined : theirs.plainExamplesPerSecond,
    peerDpExamplesPerSecond: typeof theirs === 'string' ? undefined : theirs.dpExamplesPerSecond,
    peerOverhead: typeof theirs === 'string' ? undefined : theirs.plainExamplesPerSecond / theirs.dpExamplesPerSecond,
    peer: typeof theirs === 'string' ? theirs : theirs.peer,
  });
}
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'dp-sgd', rows: results })}\n`);
else console.table(results);
