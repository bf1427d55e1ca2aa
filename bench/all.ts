/**
 * `npm run bench`: every benchmark, briefly, in one table — workload, ours, the peer measured in
 * the same run (scikit-learn and PyTorch from Debian at their real speed, matplotlib), the ratio,
 * the goal of the performance issue, and whether it is met. Each benchmark runs as its own process
 * with `--json` (the quick variant where it has one); a benchmark that fails or whose peer is
 * missing says so in its row. BENCHMARKS.md keeps the full runs.
 *
 *   npm run bench [-- --json] [-- --only=NAME]    (NAME: models, api, extraction, membership, report, exfiltration, property, evasion, inference, dp-sgd, cluster, datasets)
 */

import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { medianReport } from './median-report.ts';
import { describePoolScaling, type PoolScaling } from './pool-rounds.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const json = process.argv.includes('--json');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice(7);

/** One line of the table. */
interface Line {
  workload: string;
  ours: string;
  peer: string;
  /** Ours divided by the peer, in the direction the goal states (time: lower is better). */
  ratio?: number;
  goal: string;
  met?: boolean;
}

const lines: Line[] = [];

function runOnce(name: string, script: string, args: string[], timeoutSeconds: number, label = ''): unknown {
  process.stderr.write(`bench ${name}${label}: npx tsx ${script} ${args.join(' ')}\n`);
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, script), ...args, '--json'], { cwd: root, encoding: 'utf8', timeout: timeoutSeconds * 1000, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) {
    lines.push({ workload: `${name} (${script})${label}`, ours: `failed after ${seconds.toFixed(0)} s: ${(child.stderr || String(child.error)).trim().split('\n').pop()}`, peer: '', goal: '', met: false });
    return undefined;
  }
  return JSON.parse(child.stdout.slice(child.stdout.indexOf('{')));
}

/**
 * A benchmark's report; with `processes` > 1, run that many times, each a new process (and a new
 * peer process), every number the median of the runs' (median-report.ts) — for the rows of a
 * millisecond or less, which one process a side reads as the two processes' states.
 */
function run(name: string, script: string, args: string[], timeoutSeconds: number, processes = 1): unknown {
  if (processes === 1) return runOnce(name, script, args, timeoutSeconds);
  const reports = Array.from({ length: processes }, (_, k) => runOnce(name, script, args, timeoutSeconds, ` (process ${k + 1} of ${processes})`)).filter((report) => report !== undefined);
  return reports.length > 0 ? medianReport(reports) : undefined;
}

/** Processes a side for the benchmarks of short timings (evasion, inference, malicious training). */
const SHORT_ROW_PROCESSES = 3;
const MEDIAN_OF_PROCESSES = `median of ${SHORT_ROW_PROCESSES} processes a side`;

const wanted = (name: string) => !only || only === name;
/** The models benchmark's CNN training rows (by the start of their names). */
const CNN_TRAINING = 'CNN 8-16 training';
const ratioLine = (workload: string, ours: number, peer: number | undefined, unit: string, peerName: string, goal: number, higherIsBetter = false): Line => {
  const ratio = peer === undefined ? undefined : ours / peer;
  const met = ratio === undefined ? undefined : higherIsBetter ? ratio >= goal : ratio <= goal;
  return { workload, ours: `${ours.toPrecision(3)} ${unit}`, peer: peer === undefined ? 'not installed' : `${peer.toPrecision(3)} ${unit} (${peerName})`, ratio, goal: `${higherIsBetter ? '≥' : '≤'} ${goal}× the peer`, met };
};

if (wanted('models')) {
  type ModelRow = { name: string; ours: { seconds: number; warmSeconds?: number; examplesPerSecond?: number; warmExamplesPerSecond?: number; runtimeStartMs?: number }; peer?: { fitSeconds: number; warmFitSeconds?: number | null; examplesPerSecond?: number; version: string } };
  // The CNN's training rows (fits of 0.4 s) from three processes a side, as the other short rows:
  // one process a side read a process's state as much as the code (first fits 0.80×, 0.91×, 1.08× in
  // three runs of the same code).
  const report = run('models', 'bench/models.bench.ts', ['--quick', `--skip=${CNN_TRAINING}`], 1200) as { rows: ModelRow[] } | undefined;
  const cnn = run('models', 'bench/models.bench.ts', ['--quick', `--only=${CNN_TRAINING}`], 600, SHORT_ROW_PROCESSES) as { rows: ModelRow[] } | undefined;
  for (const row of [...(report?.rows ?? []), ...(cnn?.rows ?? []).map((cnnRow) => ({ ...cnnRow, name: `${cnnRow.name} (${MEDIAN_OF_PROCESSES})` }))]) {
    if (row.ours.examplesPerSecond !== undefined) {
      // Ours first in the process (the network's session made, onnxruntime started before the timer as torch is imported before the peer's) and the median of further runs, against PyTorch's loop (its set-up not timed).
      const started = row.ours.runtimeStartMs === undefined ? '' : `; onnxruntime started before: ${row.ours.runtimeStartMs.toFixed(0)} ms`;
      lines.push(ratioLine(`${row.name}, first run${started}`, row.ours.examplesPerSecond, row.peer?.examplesPerSecond, 'ex/s', row.peer?.version ?? '', 1, true));
      if (row.ours.warmExamplesPerSecond !== undefined) lines.push(ratioLine(`${row.name}, further runs (median)`, row.ours.warmExamplesPerSecond, row.peer?.examplesPerSecond, 'ex/s', row.peer?.version ?? '', 1, true));
    }
    else if (row.peer) {
      // Both sides: the first fit in the process (compiling included) and the median of further fits.
      lines.push(ratioLine(`${row.name}, first fit`, row.ours.seconds, row.peer.fitSeconds, 's', row.peer.version, 1));
      if (row.ours.warmSeconds !== undefined && row.peer.warmFitSeconds) lines.push(ratioLine(`${row.name}, further fits (median)`, row.ours.warmSeconds, row.peer.warmFitSeconds, 's', row.peer.version, 1));
    }
  }
}

if (wanted('api')) {
  type ApiResult = { rows: number; client: string; requestsPerSecond: number; p99: number };
  const report = run('api', 'bench/api.bench.ts', ['--seconds', '3', '--warmup', '2'], 600) as { results: ApiResult[] } | undefined;
  for (const single of report?.results.filter((result) => result.rows === 1) ?? []) {
    const met = single.requestsPerSecond >= 10_000 && single.p99 < 10;
    lines.push({ workload: `1-row predict on loopback (${single.client}, 3 s after a 2-s warm-up)`, ours: `${Math.round(single.requestsPerSecond)} req/s, p99 ${single.p99} ms`, peer: '—', goal: '≥ 10,000 req/s, p99 < 10 ms', met });
  }
}

if (wanted('extraction')) {
  type FitRow = { budget: number; ours: { seconds: number }; peer: { seconds?: number; fitSeconds?: number; version?: string } | string };
  const report = run('extraction', 'bench/mlp-extraction.bench.ts', ['--iterations=300'], 900) as { rows: FitRow[] } | undefined;
  for (const row of report?.rows ?? []) {
    const peer = typeof row.peer === 'string' ? undefined : (row.peer.seconds ?? row.peer.fitSeconds);
    lines.push(ratioLine(`MLP extraction fit, Adult, ${row.budget}× unknowns, 300 L-BFGS iterations`, row.ours.seconds, peer, 's', 'PyTorch float64 L-BFGS', 1));
  }
}

if (wanted('membership')) {
  type Result = { case: string; oneShadowSeconds: number; warmShadowSeconds: number; peerOneShadowSeconds: number | string; peer: string; poolSpeedup: number; poolScaling: PoolScaling; coldPoolSpeedup: number };
  const report = run('membership', 'bench/membership.bench.ts', ['--only=adult,fashion', '--shadows=8'], 900) as { results: Result[] } | undefined;
  for (const result of report?.results ?? []) {
    const peer = typeof result.peerOneShadowSeconds === 'number' ? result.peerOneShadowSeconds : undefined;
    lines.push(ratioLine(`one shadow model, ${result.case}, warm (first in the process: ${result.oneShadowSeconds.toFixed(2)} s)`, result.warmShadowSeconds, peer, 's', result.peer, 1));
    lines.push({ workload: `shadow models on 2 warm workers against 1, ${result.case} (16 shadows a round; an untimed round each, then the median of five timed in turns)`, ours: `${describePoolScaling(result.poolScaling)}; 4 on new workers, start-up included: ${result.coldPoolSpeedup.toFixed(2)}×`, peer: '—', goal: '≥ 1.8×', met: result.poolSpeedup >= 1.8 });
  }
}

if (wanted('report')) {
  const report = run('report', 'bench/report.bench.ts', ['--repeats', '5'], 600) as { rows: { what: string; ours: string; peer: string }[] } | undefined;
  for (const row of report?.rows ?? []) {
    const seconds = /^([\d.]+) s/.exec(row.ours)?.[1];
    const ms = /^([\d.]+) ms/.exec(row.ours)?.[1];
    const peerMs = /^([\d.]+) ms/.exec(row.peer)?.[1];
    if (seconds) lines.push({ workload: row.what, ours: row.ours, peer: '—', goal: '< 120 s', met: Number(seconds) < 120 });
    else if (ms && peerMs) lines.push(ratioLine(row.what, Number(ms), Number(peerMs), 'ms', row.peer.replace(/^[\d.]+ ms \([^)]*\), /, ''), 1));
    else lines.push({ workload: row.what, ours: row.ours, peer: row.peer || '—', goal: '—' });
  }
}

if (wanted('exfiltration')) {
  type Row = { workload: string; seconds: number; overBenign: number; peerSeconds?: number; peerOverBenign?: number; peer: string };
  const report = run('exfiltration', 'bench/exfiltration.bench.ts', ['--quick'], 900, SHORT_ROW_PROCESSES) as { rows: number; epochs: number; table: Row[] } | undefined;
  for (const row of report?.table ?? []) {
    // Each training beside PyTorch's doing the same (both timed from the float64 rows; PyTorch's in a new process each, ours one after another).
    if (row.peerSeconds !== undefined) lines.push(ratioLine(`malicious training, Fashion-MNIST MLP 256, ${report!.rows} rows × ${report!.epochs} epochs (${MEDIAN_OF_PROCESSES}): ${row.workload}${row.workload === 'benign' ? ' (our first fit in the process)' : ''}`, row.seconds, row.peerSeconds, 's', row.peer, 1));
    if (row.workload === 'benign') continue;
    const peer = row.peerOverBenign === undefined ? '—' : `${row.peerOverBenign.toFixed(2)}× its benign (${row.peer})`;
    lines.push({ workload: `malicious training time over benign, Fashion-MNIST MLP 256, ${report!.rows} rows × ${report!.epochs} epochs (${MEDIAN_OF_PROCESSES}): ${row.workload}`, ours: `${row.overBenign.toFixed(2)}× (${row.seconds.toFixed(2)} s)`, peer, goal: '—' });
  }
}

if (wanted('property')) {
  type Row = { model: string; shadows: number; oneWorker: number; twoWorkers: number; speedup: number; scaling: PoolScaling };
  const report = run('property', 'bench/property.bench.ts', ['--quick'], 600) as { rows: Row[] } | undefined;
  for (const row of report?.rows ?? []) {
    lines.push({ workload: `property inference shadow models, Adult ${row.model}, 2,000 rows: 2 warm workers against 1 (${row.shadows} shadows a round; an untimed round each, then the median of five timed in turns)`, ours: `${row.twoWorkers.toFixed(1)} vs ${row.oneWorker.toFixed(1)} models/s: ${describePoolScaling(row.scaling)}`, peer: '—', goal: '≥ 1.8×', met: row.speedup >= 1.8 });
  }
}

if (wanted('dp-sgd')) {
  type Row = { model: string; rows: number; dpEngine?: string; oursPlainExamplesPerSecond: number; oursDpExamplesPerSecond: number; oursDpTfjsExamplesPerSecond?: number; oursOverhead: number; peerOverhead?: number; peerDpExamplesPerSecond?: number; peer: string };
  const report = run('dp-sgd', 'bench/dp-sgd.bench.ts', ['--quick'], 600) as { rows: Row[] } | undefined;
  for (const row of report?.rows ?? []) {
    lines.push({
      workload: `DP-SGD ${row.model}, ${row.rows} MNIST rows: plain ÷ DP-SGD examples/s on ${row.dpEngine === 'native' ? 'the native engine' : 'tfjs-wasm'}, DP-SGD's engine for it (clipping's cost)`,
      ours: `${row.oursOverhead.toFixed(2)}× (${row.oursDpExamplesPerSecond.toFixed(0)} ex/s DP${row.oursDpTfjsExamplesPerSecond ? `; on tfjs-wasm ${row.oursDpTfjsExamplesPerSecond.toFixed(0)}` : ''})`,
      peer: row.peerOverhead === undefined ? row.peer : `${row.peerOverhead.toFixed(1)}× (${row.peerDpExamplesPerSecond!.toFixed(0)} ex/s DP, ${row.peer})`,
      goal: '≤ 3× plain',
      met: row.oursOverhead <= 3,
    });
    // The same DP-SGD (Poisson sampling, per-example clipping, noise) beside the peer's.
    if (row.peerDpExamplesPerSecond !== undefined) lines.push(ratioLine(`DP-SGD ${row.model} training, ${row.rows} MNIST rows, batch 256`, row.oursDpExamplesPerSecond, row.peerDpExamplesPerSecond, 'ex/s', row.peer, 1, true));
  }
}

if (wanted('evasion')) {
  type Row = { model: string; attack: string; rows: number; oursMedianL2?: number; peerMedianL2?: number; oursAttackSecondsPerExample: number; oursSecondsPerExample: number; oursWarmAttackSecondsPerExample?: number; oursWarmSecondsPerExample?: number; oursBackToBackAttackSecondsPerExample?: number; peerSecondsPerExample?: number; peerWarmSecondsPerExample?: number; peerCheckedSecondsPerExample?: number; peer: string };
  const report = run('evasion', 'bench/evasion.bench.ts', ['--quick'], 600, SHORT_ROW_PROCESSES) as { rows: Row[] } | undefined;
  for (const row of report?.rows ?? []) {
    const workload = `white-box evasion on MNIST ${row.model}, ${row.attack}${row.attack === 'pgd' ? ' (40 steps, L∞ ε 0.3)' : ''}, ${row.rows} rows (${MEDIAN_OF_PROCESSES}): ms per example`;
    // Ours: the attack's steps (the peer's work), the whole run with its checks in the workload's name.
    const whole = (seconds: number | undefined) => (seconds === undefined ? '' : `; whole run with checks ${(1000 * seconds).toFixed(2)} ms`);
    if ((row.attack === 'cw' || row.attack === 'deepfool') && row.peerSecondsPerExample !== undefined) {
      // Equal work shown by the median L2 each side leaves; C&W one run a side, DeepFool the first run and the median of further ones.
      const l2 = `median L2 ${row.oursMedianL2?.toFixed(3)} ours, ${row.peerMedianL2?.toFixed(3)} the peer's`;
      const settings = row.attack === 'cw' ? '300 Adam steps × 6 values of c, early abort' : 'overshoot 0.02, ≤ 50 iterations';
      lines.push(ratioLine(`${workload}, ${row.attack === 'cw' ? 'one run' : 'first run'} (${settings}; ${l2})`, 1000 * row.oursAttackSecondsPerExample, 1000 * row.peerSecondsPerExample, 'ms', row.peer, 1));
      if (row.oursWarmAttackSecondsPerExample !== undefined && row.peerWarmSecondsPerExample !== undefined) lines.push(ratioLine(`${workload}, further runs (median)`, 1000 * row.oursWarmAttackSecondsPerExample, 1000 * row.peerWarmSecondsPerExample, 'ms', row.peer, 1));
    } else if (row.peerSecondsPerExample !== undefined) {
      // The gradient's onnxruntime session is made before the attack's steps (as the peer builds its model before its loop); the whole run includes it.
      lines.push(ratioLine(`${workload}, attack steps, first run (its session made before)${whole(row.oursSecondsPerExample)}`, 1000 * row.oursAttackSecondsPerExample, 1000 * row.peerSecondsPerExample, 'ms', row.peer, 1));
      // runWhiteBox's further runs each follow the last one's checks on the float64 model; the peer's checked runs each follow the same check of its run before.
      const peerChecked = row.peerCheckedSecondsPerExample ?? row.peerWarmSecondsPerExample;
      const checkedNote = row.peerCheckedSecondsPerExample === undefined ? '' : ', each after the run before was checked on the float64 model (both sides)';
      if (row.oursWarmAttackSecondsPerExample !== undefined && peerChecked !== undefined) lines.push(ratioLine(`${workload}, attack steps, further runs (median${checkedNote})${whole(row.oursWarmSecondsPerExample)}`, 1000 * row.oursWarmAttackSecondsPerExample, 1000 * peerChecked, 'ms', row.peer, 1));
      // The same steps with nothing between runs, on both sides.
      if (row.oursBackToBackAttackSecondsPerExample !== undefined && row.peerWarmSecondsPerExample !== undefined) lines.push(ratioLine(`${workload}, attack steps, runs back to back as the peer's loop runs them (median)`, 1000 * row.oursBackToBackAttackSecondsPerExample, 1000 * row.peerWarmSecondsPerExample, 'ms', row.peer, 1));
    }
    else lines.push({ workload, ours: `${(1000 * row.oursSecondsPerExample).toFixed(2)} ms`, peer: '— (no peer run)', goal: '—' });
  }
}

if (wanted('inference')) {
  type Row = { model: string; rows: number; oursFirstSeconds: number; oursWarmSeconds: number; peerFirstSeconds?: number; peerWarmSeconds?: number; largestDifference?: number; peer: string };
  const report = run('inference', 'bench/inference.bench.ts', ['--quick'], 600, SHORT_ROW_PROCESSES) as { rows: Row[] } | undefined;
  for (const row of report?.rows ?? []) {
    // Equal work shown by the largest difference between the two sides' probabilities.
    const same = row.largestDifference === undefined ? '' : `; probabilities within ${row.largestDifference.toExponential(1)} of the peer's`;
    const workload = `float64 inference, MNIST ${row.model}, ${row.rows} rows in one call (class probabilities${same}; ${MEDIAN_OF_PROCESSES})`;
    const peerMs = (seconds: number | undefined) => (seconds === undefined ? undefined : 1000 * seconds);
    lines.push(ratioLine(`${workload}, first call in the process`, 1000 * row.oursFirstSeconds, peerMs(row.peerFirstSeconds), 'ms', row.peer, 1));
    lines.push(ratioLine(`${workload}, further calls (median)`, 1000 * row.oursWarmSeconds, peerMs(row.peerWarmSeconds), 'ms', row.peer, 1));
  }
}

if (wanted('cluster')) {
  type Run = { where: string; seconds: number; training: number; auc: number };
  type Result = { case: string; shadows: number; bareJobsPerSecond: number; trainingJobsPerSecond: number; runs: Run[]; speedup?: number; coldSpeedup?: number; aucEqual: boolean };
  const report = run('cluster', 'bench/cluster.bench.ts', ['--only=adult', '--shadows=8', '--warm-first', '--runs=3'], 900) as Result | undefined;
  if (report) {
    lines.push({ workload: 'BullMQ on loopback: jobs/s with a worker that does nothing / tiny training jobs through threatlab worker', ours: `${report.bareJobsPerSecond.toFixed(0)} / ${report.trainingJobsPerSecond.toFixed(0)} jobs/s`, peer: '—', goal: '—' });
    const where = report.runs.map((r) => `${r.where}: ${r.training.toFixed(2)} s of ${r.seconds.toFixed(2)} s`).join('; ');
    lines.push({ workload: `LiRA ${report.shadows} shadows, ${report.case}, shadow training: 2 threatlab worker processes against 1, the median of each setup's 3 runs after its first (${where}; same AUC: ${report.aucEqual ? 'yes' : 'NO'})`, ours: `${report.speedup?.toFixed(2)}× (first runs, data fetched and code compiled in them: ${report.coldSpeedup?.toFixed(2)}×)`, peer: '—', goal: '≥ 1.8×', met: report.speedup !== undefined && report.speedup >= 1.8 && report.aucEqual });
  }
}

if (wanted('datasets')) {
  const started = performance.now();
  const child = spawnSync(process.execPath, [join(root, 'bin', 'threatlab.js'), 'datasets', '--json'], { cwd: root, encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  lines.push({ workload: '`threatlab datasets` (a new process, from start to exit)', ours: child.status === 0 ? `${seconds.toFixed(2)} s` : 'failed', peer: '—', goal: '< 1 s', met: child.status === 0 && seconds < 1 });
}

if (json) {
  process.stdout.write(`${JSON.stringify({ lines }, null, 2)}\n`);
} else {
  const cells = [['workload', 'ours', 'peer (same run)', 'ratio', 'goal', 'met'], ...lines.map((line) => [line.workload, line.ours, line.peer, line.ratio === undefined ? '—' : `${line.ratio.toFixed(2)}×`, line.goal, line.met === undefined ? '—' : line.met ? 'yes' : 'no'])];
  const widths = cells[0].map((_, j) => Math.max(...cells.map((row) => row[j].length)));
  for (const row of cells) process.stdout.write(`${row.map((cell, j) => cell.padEnd(widths[j])).join('  ').trimEnd()}\n`);
}
