/**
 * Malicious training (Song et al., CCS 2017) costs the data owner little time: seconds of each
 * malicious training beside benign training of the same Fashion-MNIST MLP (same rows, epochs,
 * batch), ours and PyTorch's (1 thread) doing the same work in the same run — the same loss terms
 * on the same leading weights; for capacity abuse, as many synthetic rows of the same density
 * generated and appended inside the timer. Both sides are timed from the float64 rows in memory to
 * the trained model, onnxruntime started before (as torch is imported before). LSB encoding happens
 * after training: its time is the encoding alone.
 *
 *   npx tsx bench/exfiltration.bench.ts [--quick] [--json]
 */

import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capacityRows } from '../src/attacks/exfiltration/capacity-abuse.ts';
import { encodeLsb } from '../src/attacks/exfiltration/lsb.ts';
import { trainMalicious } from '../src/attacks/exfiltration/malicious-training.ts';
import { chooseSecret } from '../src/attacks/exfiltration/secret.ts';
import { accuracy } from '../src/metrics/score.ts';
import { MlpTrainer } from '../src/models/neural/mlp.ts';
import { startOnnxRuntime } from '../src/models/neural/native/runtime-start.ts';
import { Rng } from '../src/random.ts';
import { setupData } from '../src/reproduce/exfiltration.ts';
import { runPeer, type PeerResult } from './peers.ts';
import { collectGarbage } from './settle.ts';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const rows = quick ? 3000 : 10000;
const epochs = quick ? 5 : 10;
const params = { hidden: '256', epochs, batchSize: 128, validationFraction: 0, standardize: false };
const { train, test } = setupData({ dataset: 'fashion-mnist', trainRows: rows, testRows: 2000 });

const secret = chooseSecret(train, train.features.rows, new Rng(43));
const weights = 784 * 256 + 256 * 10;
const correlationItems = Math.floor(weights / 784 / 4);
const signItems = Math.floor(weights / (8 * 784) / 4);
const capacity = capacityRows(train, { ...secret, items: 4, values: secret.values.subarray(0, 4 * 784), rows: secret.rows.slice(0, 4) }, { seed: 2017, levelBits: 4 });

async function timed<T>(work: () => Promise<T> | T): Promise<{ seconds: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { seconds: (performance.now() - started) / 1000, value };
}

/**
 * PyTorch doing what our trainer does inside its timer: from the float64 rows in memory to the
 * trained model (its float32 tensors made inside its timer); for capacity abuse it generates the
 * same number of synthetic rows (numpy's coins, the same density and range), appends them with the
 * secret's labels, and trains.
 */
function peer(attack: string | undefined, extra: Record<string, unknown> = {}, values?: Uint8Array): PeerResult | string {
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-exfil-peer-'));
  try {
    if (values) writeFileSync(join(folder, 'secret.u8'), values);
    const { key, rows } = capacity;
    if (attack === 'capacity') writeFileSync(join(folder, 'synthetic_labels.i32'), Buffer.from(rows.labels.buffer, rows.labels.byteOffset, rows.labels.byteLength));
    const synthetic = attack === 'capacity' ? { synthetic: { seed: key.seed, rows: key.rows, density: key.density, low: key.range[0], high: key.range[1] } } : {};
    const malicious = attack && attack !== 'capacity' ? { malicious: attack } : {};
    return runPeer('mlp-torch', train, test, { hidden: [256], epochs, batchSize: 128, fromRows: true, secretFolder: folder, ...malicious, ...synthetic, ...extra });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

// onnxruntime's one-time start-up before the timers, as the peer imports torch before its own.
const runtimeStart = await startOnnxRuntime();
// Our first fit in the process, without the garbage of the data set's loading (settle.ts), as the peer's fresh process.
collectGarbage();
const benign = await timed(() => new MlpTrainer(params).fit(train, new Rng(42)));
const results = [
  { workload: 'benign', ours: benign.seconds, test: accuracy(benign.value, test), peer: peer(undefined) },
  { workload: 'LSB b=16 (encoding only)', ours: (await timed(() => encodeLsb(benign.value, secret, { bits: 16, compress: true }))).seconds, test: NaN, peer: 'no peer: encoding after training' as PeerResult | string },
];
for (const [attack, items, lambda] of [['correlation', correlationItems, 3], ['sign', signItems, 500]] as const) {
  const run = await timed(() => trainMalicious(new MlpTrainer(params), train, { fit: new Rng(42), secret: new Rng(43) }, { attack, items, lambda }));
  const values = secret.values.subarray(0, items * 784);
  results.push({ workload: `${attack} λ=${lambda}, ${items} images`, ours: run.seconds, test: accuracy(run.value.model, test), peer: peer(attack, { lambda }, values) });
}
const abused = await timed(() => trainMalicious(new MlpTrainer(params), train, { fit: new Rng(42), secret: new Rng(43) }, { attack: 'capacity', items: 4 }));
results.push({ workload: `capacity, 4 images (+${capacity.rows.features.rows} rows)`, ours: abused.seconds, test: accuracy(abused.value.model, test), peer: peer('capacity') });

const table = results.map((row) => {
  const peerSeconds = typeof row.peer === 'string' ? undefined : row.peer.fitSeconds;
  return { workload: row.workload, seconds: row.ours, overBenign: row.ours / benign.seconds, peerSeconds, peerOverBenign: peerSeconds && typeof results[0].peer !== 'string' ? peerSeconds / results[0].peer.fitSeconds : undefined, ratioToPeer: peerSeconds ? row.ours / peerSeconds : undefined, test: row.test, peer: typeof row.peer === 'string' ? row.peer : row.peer.version };
});
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'exfiltration', rows, epochs, runtimeStartMs: runtimeStart, table })}\n`);
else console.table(table);
