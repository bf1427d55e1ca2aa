/**
 * White-box evasion speed: seconds per example of each attack on the MNIST MLP and CNN, ours
 * (float32 gradients from one onnxruntime graph of the model) beside PyTorch 1-thread doing the
 * same FGSM and PGD steps (40 steps, L∞ ε = 0.3, random start) on the same model and rows in the
 * same run, with the accuracy each leaves, so equal work is visible: the first run of each attack
 * in the process and the median of five more, on both sides. The ratio compares the same work,
 * the attack's steps (ours: `attackSeconds`, after the gradient's onnxruntime session is made, as the
 * peer's model is built before its loop; the peer times nothing else); our whole `runWhiteBox` (the
 * gradient's set-up, and every row repaired and checked on the float64 model) is printed too.
 * Further runs are timed two ways on both sides, in the same order: first each after the check of
 * the run before it (ours: `runWhiteBox` again; the peer's: the rows' labels on its float64 model and
 * their distances, outside its timer), then back to back with nothing between (ours: `backToBack`,
 * after one run not timed) — each figure from the same places in its process on both sides (before
 * 2026-12-05 the peer ran its back-to-back runs first, so its checked runs came after six runs and
 * ours after one, while our process still warms: the MLP's FGSM gradient call 935, 688, 367, 334, 288
 * µs in runs 2–6, ~250 after).
 * C&W runs once on each side and DeepFool as FGSM and PGD do (the peer's: the same settings,
 * evasion_peer.py), their median L2 beside the peer's, as equal work shows.
 *
 *   npx tsx bench/evasion.bench.ts [--quick] [--json]
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inputDomain, logitModel, runWhiteBox, type WhiteBoxAttackName } from '../src/attacks/evasion/index.ts';
import { fgsm } from '../src/attacks/evasion/fgsm.ts';
import { pgd } from '../src/attacks/evasion/pgd.ts';
import { loadMnist } from '../src/data/datasets/images.ts';
import { subsetRows } from '../src/data/dataset.ts';
import { trainTestSplit } from '../src/data/split.ts';
import { selectRows } from '../src/math/matrix.ts';
import { CnnTrainer } from '../src/models/neural/cnn.ts';
import { MlpTrainer } from '../src/models/neural/mlp.ts';
import { saveModelFile } from '../src/models/registry.ts';
import type { Classifier } from '../src/models/types.ts';
import { Rng } from '../src/random.ts';
import { PEER_PYTHON, peerEnv } from './peers.ts';
import { collectGarbage } from './settle.ts';

const quick = process.argv.includes('--quick');
const json = process.argv.includes('--json');
const rows = quick ? 50 : 200;
/** Runs of FGSM and PGD after the first, on both sides (the median is the warm figure; three left it to a process's slow early onnxruntime calls and collections). */
const FURTHER_RUNS = 5;
const { train, test } = trainTestSplit(loadMnist(), { testFraction: 0.2, rng: new Rng(42), stratify: true });
// Seeded samples of each part (before 2026-12-05 the first rows: the embedded MNIST's rows are grouped by digit, so the 50 attacked were all zeros and the 3,000 trained on zeros to threes).
const trainSet = quick ? subsetRows(train, new Rng(7).permutation(train.features.rows).subarray(0, 3000)) : train;
const attacked = new Rng(8).permutation(test.features.rows).subarray(0, rows);
const inputs = selectRows(test.features, attacked);
const labels = Int32Array.from(attacked, (i) => test.labels[i]);

interface PeerEvasion {
  peer: string;
  fgsmSecondsPerExample: number;
  pgdSecondsPerExample: number;
  /** The median of the further runs in the process, back to back. */
  fgsmWarmSecondsPerExample: number;
  pgdWarmSecondsPerExample: number;
  /** The median of further runs each after the check of the run before it on the float64 model (as runWhiteBox's runs follow each other). */
  fgsmCheckedSecondsPerExample?: number;
  pgdCheckedSecondsPerExample?: number;
  fgsmAccuracy: number;
  pgdAccuracy: number;
  cwSecondsPerExample: number;
  cwAccuracy: number;
  cwMedianL2: number;
  deepfoolSecondsPerExample: number;
  deepfoolWarmSecondsPerExample: number;
  deepfoolAccuracy: number;
  deepfoolMedianL2: number;
}

function peer(model: Classifier): PeerEvasion | string {
  if (!existsSync(PEER_PYTHON)) return `${PEER_PYTHON} not found`;
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-evasion-peer-'));
  try {
    saveModelFile(model, join(folder, 'model.json'));
    writeFileSync(join(folder, 'x.f64'), Buffer.from(inputs.data.buffer, inputs.data.byteOffset, inputs.data.byteLength));
    writeFileSync(join(folder, 'y.i32'), Buffer.from(Int32Array.from(labels).buffer));
    const spec = { model: join(folder, 'model.json'), x: join(folder, 'x.f64'), y: join(folder, 'y.i32'), cols: inputs.cols, eps: 0.3, steps: 40, repeats: FURTHER_RUNS };
    const output = execFileSync(PEER_PYTHON, [join(import.meta.dirname, 'peers', 'evasion_peer.py'), JSON.stringify(spec)], { encoding: 'utf8', env: peerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(output.trim().split('\n').pop()!) as PeerEvasion;
  } catch (error) {
    return `peer failed: ${(error as Error).message.split('\n')[0]}`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * The attack's steps run back to back, nothing between (as the peer's loop runs them), seconds per
 * example: the median of `FURTHER_RUNS` after one. `runWhiteBox`'s further runs each come after the
 * last one's checks on the float64 model (~3 ms for 50 MNIST rows), by which time this machine has
 * let our weights and onnxruntime's code go cold (a 400-KB copy 4 µs straight after another, 25 µs
 * after 20 ms of other work); the peer's back-to-back runs follow each other at once, and its
 * checked runs each follow a check as ours do.
 */
async function backToBack(model: Classifier, attack: 'fgsm' | 'pgd'): Promise<number> {
  const logits = await logitModel(model);
  const problem = { model: logits, domain: inputDomain(model.schema), inputs, labels: Int32Array.from(labels) };
  const sink = () => undefined;
  const times = [];
  try {
    for (let k = 0; k <= FURTHER_RUNS; k++) {
      const started = performance.now();
      if (attack === 'fgsm') await fgsm(problem, { epsilon: 0.3, runRowSteps: rows }, sink);
      else await pgd(problem, { epsilon: 0.3, norm: 'inf', steps: 40, randomStart: true, stopAtSuccess: false, runRowSteps: rows * 40 }, new Rng(42), sink);
      times.push((performance.now() - started) / 1000 / rows);
    }
  } finally {
    logits.dispose();
  }
  const further = times.slice(1).sort((a, b) => a - b);
  return further[Math.floor(further.length / 2)];
}

const models: [string, Classifier][] = [
  ['MLP 784-128-10', await new MlpTrainer({ hidden: '128', epochs: quick ? 10 : 30, validationFraction: 0, standardize: false }).fit(trainSet, new Rng(42))],
  ['CNN 8-16', await new CnnTrainer({ epochs: quick ? 2 : 5 }).fit(trainSet, new Rng(42))],
];
const results = [];
for (const [name, model] of models) {
  const theirs = peer(model);
  const attacks: [WhiteBoxAttackName, number | undefined][] = [['fgsm', 0.3], ['pgd', 0.3], ['cw', undefined], ['deepfool', undefined]];
  for (const [attack, epsilon] of attacks) {
    // Every row attacked (as the peer does), 40 PGD steps each, no stop at the first success.
    const attackOnce = () => runWhiteBox(model, attack, inputs, { labels, epsilon, norm: 'inf', steps: 40, attackEvery: true, fullSteps: true, seed: 42 });
    // Its first run without the garbage of what ran before (settle.ts: the training, the peer's files), as the peer's fresh process.
    collectGarbage();
    const run = await attackOnce();
    const further = [];
    for (let k = 0; k < (attack === 'cw' ? 0 : FURTHER_RUNS); k++) further.push(await attackOnce());
    // The median of the further runs, by the attack's own time.
    const warm = further.sort((a, b) => a.attackSeconds - b.attackSeconds)[Math.floor(further.length / 2)];
    const oursBackToBack = attack === 'fgsm' || attack === 'pgd' ? await backToBack(model, attack) : undefined;
    const peerSeconds = typeof theirs === 'string' ? undefined : attack === 'fgsm' ? theirs.fgsmSecondsPerExample : attack === 'pgd' ? theirs.pgdSecondsPerExample : attack === 'cw' ? theirs.cwSecondsPerExample : attack === 'deepfool' ? theirs.deepfoolSecondsPerExample : undefined;
    const peerWarmSeconds = typeof theirs === 'string' ? undefined : attack === 'fgsm' ? theirs.fgsmWarmSecondsPerExample : attack === 'pgd' ? theirs.pgdWarmSecondsPerExample : attack === 'deepfool' ? theirs.deepfoolWarmSecondsPerExample : undefined;
    const peerCheckedSeconds = typeof theirs === 'string' ? undefined : attack === 'fgsm' ? theirs.fgsmCheckedSecondsPerExample : attack === 'pgd' ? theirs.pgdCheckedSecondsPerExample : undefined;
    const peerAccuracy = typeof theirs === 'string' ? undefined : attack === 'fgsm' ? theirs.fgsmAccuracy : attack === 'pgd' ? theirs.pgdAccuracy : attack === 'cw' ? theirs.cwAccuracy : attack === 'deepfool' ? theirs.deepfoolAccuracy : undefined;
    results.push({
      model: name,
      attack,
      rows,
      // The attack's steps (the peer's work) and the whole run (also the gradient's set-up, and every row repaired and checked on the float64 model).
      oursAttackSecondsPerExample: run.attackSeconds / rows,
      oursSecondsPerExample: run.seconds / rows,
      oursWarmAttackSecondsPerExample: warm && warm.attackSeconds / rows,
      oursWarmSecondsPerExample: warm && warm.seconds / rows,
      oursBackToBackAttackSecondsPerExample: oursBackToBack,
      oursAccuracyAfter: run.summary.robustAccuracy,
      oursMedianL2: run.summary.medianL2,
      peerMedianL2: typeof theirs === 'string' ? undefined : attack === 'cw' ? theirs.cwMedianL2 : attack === 'deepfool' ? theirs.deepfoolMedianL2 : undefined,
      peerSecondsPerExample: peerSeconds,
      peerWarmSecondsPerExample: peerWarmSeconds,
      peerCheckedSecondsPerExample: peerCheckedSeconds,
      peerAccuracyAfter: peerAccuracy,
      ratio: peerSeconds ? run.attackSeconds / rows / peerSeconds : undefined,
      // runWhiteBox's further runs beside the peer's runs that each follow a check of the run before (as ours do); DeepFool's beside its back-to-back runs.
      warmRatio: (peerCheckedSeconds ?? peerWarmSeconds) && warm ? warm.attackSeconds / rows / (peerCheckedSeconds ?? peerWarmSeconds)! : undefined,
      backToBackRatio: peerWarmSeconds && oursBackToBack ? oursBackToBack / peerWarmSeconds : undefined,
      peer: typeof theirs === 'string' ? theirs : peerSeconds === undefined ? 'no peer run' : theirs.peer,
    });
  }
}
if (json) process.stdout.write(`${JSON.stringify({ benchmark: 'evasion', rows: results })}\n`);
else console.table(results);
