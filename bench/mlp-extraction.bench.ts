/**
 * MLP extraction's fit (Tramèr et al. 2016, §4.1.3) on the reproduction's Adult MLP (108-20-2,
 * tanh; 2,202 unknowns): uniform queries at 1× and 2× the unknowns, then our float64 L-BFGS
 * (`network-fit.ts`, JavaScript) beside PyTorch's float64 L-BFGS (1 thread, strong Wolfe line
 * search) on the same loss, the same answers and the same start, for the same iteration cap:
 * seconds, iterations, final loss and agreement with the target on Adult's test rows.
 *
 *   npx tsx bench/mlp-extraction.bench.ts [--iterations=3000] [--json]
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fitNetworkToProbabilities, initialNetworkParameters, networkLayers } from '../src/attacks/extraction/network-fit.ts';
import { networkUnknowns } from '../src/attacks/extraction/retraining.ts';
import { agreementOn } from '../src/metrics/fidelity.ts';
import { uniformRows } from '../src/metrics/sampling.ts';
import type { DenseLayer } from '../src/models/neural/dense-network.ts';
import { Mlp, MlpTrainer } from '../src/models/neural/mlp.ts';
import { Rng } from '../src/random.ts';
import { REPRODUCTION_SEED, reproductionData } from '../src/reproduce/extraction.ts';
import { PEER_PYTHON, peerEnv } from './peers.ts';

const json = process.argv.includes('--json');
const iterations = Number(process.argv.find((arg) => arg.startsWith('--iterations='))?.slice(13) ?? 3000);
const log = (text: string): void => {
  if (!json) process.stderr.write(`${text}\n`);
};

const income = reproductionData('adult-income');
if (!income) throw new Error('adult-income not found; set THREATLAB_DATA');
const target = await new MlpTrainer({ hidden: '20', activation: 'tanh', epochs: 30, learningRate: 0.003, standardize: false }).fit(income.train, new Rng(REPRODUCTION_SEED));
const sizes = [income.train.features.cols, 20, 2];
const unknowns = networkUnknowns(sizes);

const testAgreement = (layers: DenseLayer[]) => agreementOn(target, new Mlp({ classes: target.classes, schema: target.schema, layers, params: {} }), income.test.features).agreement;

interface PeerFit {
  peer: string;
  version: string;
  seconds: number;
  loss: number;
  iterations: number;
  evaluations: number;
  agreementTest: number;
}

function peerFit(x: Float64Array, p: Float64Array, start: Float64Array, rows: number, l2: number): PeerFit | string {
  if (!existsSync(PEER_PYTHON)) return `${PEER_PYTHON} not found`;
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-network-peer-'));
  try {
    for (const [name, data] of [['x.f64', x], ['p.f64', p], ['theta0.f64', start]] as const) writeFileSync(join(folder, name), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    const spec = { folder, rows, cols: sizes[0], hidden: sizes[1], classes: sizes[2], l2, iterations };
    const script = join(dirname(fileURLToPath(import.meta.url)), 'peers', 'network_fit_peer.py');
    const output = execFileSync(PEER_PYTHON, [script, JSON.stringify(spec)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: peerEnv() });
    const result = JSON.parse(output.trim().split('\n').pop()!) as Omit<PeerFit, 'agreementTest'>;
    const bytes = readFileSync(join(folder, 'theta.f64'));
    const theta = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    return { ...result, agreementTest: testAgreement(networkLayers(theta, sizes, 'tanh')) };
  } catch (error) {
    return `peer failed: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const rows = [];
for (const budget of [1, 2]) {
  const count = Math.round(budget * unknowns);
  const x = uniformRows(target.schema, count, new Rng(REPRODUCTION_SEED));
  const observed = target.predictProba(x);
  const l2 = budget < 2 ? 1e-3 : 0;
  const start = initialNetworkParameters(sizes, new Rng(REPRODUCTION_SEED + 1));
  log(`${budget}× unknowns (${count} answers): our fit…`);
  const began = performance.now();
  const ours = fitNetworkToProbabilities(x, observed, { sizes, hiddenActivation: 'tanh', loss: 'logit', l2, maxIterations: iterations, restarts: 1, rng: new Rng(1), start });
  const seconds = (performance.now() - began) / 1000;
  log('  PyTorch…');
  const peer = peerFit(x.data, observed.data, start, count, l2);
  rows.push({ budget, answers: count, l2, ours: { seconds, iterations: ours.iterations, loss: ours.loss, agreementTest: testAgreement(ours.layers) }, peer });
}

if (json) process.stdout.write(`${JSON.stringify({ unknowns, iterations, rows }, null, 2)}\n`);
else {
  const pct = (value: number) => `${(100 * value).toFixed(2)}%`;
  const lines = [
    `| budget (answers) | ours: s (iterations) | ours: loss | ours: test agreement | PyTorch: s (iterations, evaluations) | PyTorch: loss | PyTorch: test agreement | s ratio |`,
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(({ budget, answers, ours, peer }) =>
      typeof peer === 'string'
        ? `| ${budget}× (${answers}) | ${ours.seconds.toFixed(1)} (${ours.iterations}) | ${ours.loss.toExponential(2)} | ${pct(ours.agreementTest)} | ${peer} | — | — | — |`
        : `| ${budget}× (${answers}) | ${ours.seconds.toFixed(1)} (${ours.iterations}) | ${ours.loss.toExponential(2)} | ${pct(ours.agreementTest)} | ${peer.seconds.toFixed(1)} (${peer.iterations}, ${peer.evaluations}) | ${peer.loss.toExponential(2)} | ${pct(peer.agreementTest)} | ${(ours.seconds / peer.seconds).toFixed(2)}× |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
