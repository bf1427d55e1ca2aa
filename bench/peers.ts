/**
 * Runs a Python peer (scikit-learn, PyTorch) on exactly the split threatlab used: the matrices
 * are written as raw float64 / int32 files and read back by bench/peers/sklearn_peer.py with
 * Debian's /usr/bin/python3. Returns undefined (and says why) when the peer is not installed.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClassificationDataset } from '../src/data/dataset.ts';

/** The Python that has python3-sklearn / python3-torch. */
export const PEER_PYTHON = '/usr/bin/python3';

/**
 * The environment a peer runs in: ours, less the two variables some machines set that slow
 * OpenBLAS (OPENBLAS_CORETYPE forces a generic kernel, OPENBLAS_L2_SIZE a wrong cache size), so
 * that the peer runs at its real speed. The peer prints which BLAS it ran (`blas`).
 */
export function peerEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  if (process.env.THREATLAB_PEER_DEFAULT_MALLOC !== '1') Object.assign(env, KEEP_FREED_MEMORY);
  return env;
}

/**
 * glibc malloc settings that keep freed memory for reuse. A fresh page costs about 10 µs to touch
 * on this machine (measured: 220 MB in 0.7 s), and by default glibc hands every large freed block
 * back to the kernel, so PyTorch touches its gradients' pages anew at every step: 7–8 ms a
 * Fashion-MNIST 784-256-10 step instead of 1.2 ms with these (PyTorch 1.13, 1 thread, 2026-12-03).
 * `THREATLAB_PEER_DEFAULT_MALLOC=1` runs the peers without them.
 */
export const KEEP_FREED_MEMORY = { MALLOC_MMAP_THRESHOLD_: String(2 ** 31), MALLOC_TRIM_THRESHOLD_: String(2 ** 32 - 1), MALLOC_TOP_PAD_: String(2 ** 28) };

/** What a peer reports. */
export interface PeerResult {
  peer: string;
  fitSeconds: number;
  /** Median of further fits in the same process (scikit-learn rows given `repeats`). */
  warmFitSeconds?: number;
  trainAccuracy: number;
  testAccuracy: number;
  version: string;
  examplesPerSecond?: number;
  iterations?: number;
  leaves?: number;
  /** The BLAS the peer ran (threadpoolctl for scikit-learn, PyTorch's build settings). */
  blas?: string;
}

/** Fits the peer on `train`, scores it on `test`. */
export function runPeer(model: string, train: ClassificationDataset, test: ClassificationDataset, extra: Record<string, unknown> = {}): PeerResult | string {
  if (!existsSync(PEER_PYTHON)) return `${PEER_PYTHON} not found`;
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-peer-'));
  try {
    writeFileSync(join(folder, 'x_train.f64'), Buffer.from(train.features.data.buffer, train.features.data.byteOffset, train.features.data.byteLength));
    writeFileSync(join(folder, 'y_train.i32'), Buffer.from(train.labels.buffer, train.labels.byteOffset, train.labels.byteLength));
    writeFileSync(join(folder, 'x_test.f64'), Buffer.from(test.features.data.buffer, test.features.data.byteOffset, test.features.data.byteLength));
    writeFileSync(join(folder, 'y_test.i32'), Buffer.from(test.labels.buffer, test.labels.byteOffset, test.labels.byteLength));
    const spec = { folder, model, cols: train.features.cols, trainRows: train.features.rows, testRows: test.features.rows, ...extra };
    const script = join(dirname(fileURLToPath(import.meta.url)), 'peers', 'sklearn_peer.py');
    const env = peerEnv();
    const output = execFileSync(PEER_PYTHON, [script, JSON.stringify(spec)], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 20 });
    return JSON.parse(output.trim().split('\n').pop()!) as PeerResult;
  } catch (error) {
    return `peer failed: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** PyTorch's MLP (`mlp-torch`) or CNN (`cnn-torch`), the faster of two runs: as it runs by default, and with subnormals flushed (its own switch). */
export function fasterTorchPeer(train: ClassificationDataset, test: ClassificationDataset, spec: Record<string, unknown>, kind: 'mlp-torch' | 'cnn-torch' = 'mlp-torch'): PeerResult | string {
  const runs = [false, true].map((flushDenormal) => runPeer(kind, train, test, { ...spec, flushDenormal }));
  const done = runs.filter((run): run is PeerResult => typeof run !== 'string');
  if (done.length === 0) return runs[0] as string;
  const best = done.reduce((a, b) => ((a.examplesPerSecond ?? 0) >= (b.examplesPerSecond ?? 0) ? a : b));
  const other = done.find((run) => run !== best);
  return other ? { ...best, version: `${best.version}; the other setting ${Math.round(other.examplesPerSecond ?? 0)} ex/s` } : best;
}
