/**
 * The audit and its report: wall time of `threatlab audit --quick` on the scikit-learn Adult MLP
 * with the user's CSVs (the goal: under 2 minutes for a tabular model), and the time to
 * render each report chart (Vega-Lite compiled and rendered to SVG by vega, headless) beside
 * matplotlib drawing the same ROC chart to SVG in the same run.
 *
 *   npx tsx bench/report.bench.ts [--repeats 20] [--json]
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuditResult } from '../src/audit/run-audit.ts';
import { formatPolicy } from '../src/oracle/policy.ts';
import { extractionSpec, inversionSpec, renderSvg, rocSpec } from '../src/report/charts.ts';
import { runCli } from '../src/testing/cli.ts';
import { PEER_PYTHON, peerEnv } from './peers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'test', 'fixtures', 'sklearn');
const json = process.argv.includes('--json');
const repeatsAt = process.argv.indexOf('--repeats');
const repeats = repeatsAt >= 0 ? Number(process.argv[repeatsAt + 1]) : 20;

const out = mkdtempSync(join(tmpdir(), 'threatlab-report-bench-'));
const started = performance.now();
const run = await runCli('audit', '--model', join(fixtures, 'adult-mlp.json'), '--members', join(fixtures, 'adult-members.csv'), '--non-members', join(fixtures, 'adult-non-members.csv'), '--population', join(fixtures, 'adult-population.csv'), '--sensitive', 'sex', '--quick', '--out', out, '--json');
const auditSeconds = (performance.now() - started) / 1000;
if (run.status !== 0) throw new Error(run.stdout);
const result = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as AuditResult;

const rows: { what: string; ours: string; peer: string }[] = [{ what: 'threatlab audit --quick, scikit-learn Adult MLP, 3 threats × 3 policies', ours: `${auditSeconds.toFixed(1)} s, ${result.queries.total} queries`, peer: 'goal < 120 s' }];
for (const [name, spec] of [['ROC (log scale)', rocSpec(result)], ['extraction: agreement vs queries', extractionSpec(result)], ['inversion bars', inversionSpec(result)]] as const) {
  if (!spec) continue;
  await renderSvg(spec);
  const t = performance.now();
  let bytes = 0;
  for (let i = 0; i < repeats; i++) bytes = (await renderSvg(spec)).length;
  rows.push({ what: `chart to SVG: ${name}`, ours: `${((performance.now() - t) / repeats).toFixed(1)} ms (${(bytes / 1024).toFixed(0)} KiB)`, peer: '' });
}
// matplotlib draws the same ROC curves.
const curves: Record<string, [number, number][]> = {};
for (const chosen of result.membership!.results) {
  const runOf = result.membership!.runs.find((r) => r.attack === chosen.attack && formatPolicy(r.policy) === chosen.policy);
  curves[`${chosen.policy} (${chosen.attack})`] = (runOf?.outcome?.metrics?.roc ?? []).filter((p) => p.fpr > 0).map((p) => [p.fpr, Math.max(p.tpr, 1e-4)]);
}
const curvesFile = join(out, 'curves.json');
writeFileSync(curvesFile, JSON.stringify(curves));
if (existsSync(PEER_PYTHON)) {
  try {
    const peer = JSON.parse(execFileSync(PEER_PYTHON, [join(here, 'peers', 'matplotlib_roc.py'), curvesFile, String(repeats)], { encoding: 'utf8', env: peerEnv() }));
    rows[1].peer = `${peer.msPerChart.toFixed(1)} ms (${(peer.bytes / 1024).toFixed(0)} KiB), ${peer.peer}`;
  } catch (error) {
    rows[1].peer = `matplotlib not available: ${(error as Error).message.split('\n')[0]}`;
  }
}
if (json) console.log(JSON.stringify({ repeats, rows }, null, 2));
else {
  console.log(`report bench (${repeats} renders per chart)`);
  for (const row of rows) console.log(`${row.what.padEnd(72)} ${row.ours.padEnd(28)} ${row.peer}`);
}
