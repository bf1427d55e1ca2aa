/**
 * The report's charts as Vega-Lite specifications, compiled by `vega-lite` and rendered to SVG
 * on the server by `vega` (headless, no canvas or browser): a ROC curve per policy on a log FPR
 * axis (Carlini et al. 2022 read attacks at low FPR), each extraction run's agreement against the
 * queries it paid, and each sensitive column's inversion accuracy beside the baseline guess.
 * Pure functions from audit records to SVG text.
 */

import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import type { AuditResult } from '../audit/run-audit.ts';
import { formatPolicy } from '../oracle/policy.ts';

/** Renders a Vega-Lite specification to an SVG document. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const WIDTH = 420;
const HEIGHT = 300;

/** ROC curves (TPR against FPR, log scale) of the strongest membership attack per policy, with chance. */
export function rocSpec(result: AuditResult): TopLevelSpec | undefined {
  const membership = result.membership;
  if (!membership || membership.results.length === 0) return undefined;
  const values: { fpr: number; tpr: number; curve: string }[] = [];
  for (const chosen of membership.results) {
    const run = membership.runs.find((candidate) => candidate.attack === chosen.attack && formatPolicy(candidate.policy) === chosen.policy);
    const roc = run?.outcome?.metrics?.roc ?? [];
    const curve = `${chosen.policy} (${chosen.attack}, AUC ${chosen.auc.toFixed(2)})`;
    for (const point of roc) if (point.fpr > 0) values.push({ fpr: point.fpr, tpr: Math.max(point.tpr, 1e-4), curve });
  }
  const floor = Math.min(1e-3, ...values.map((value) => value.fpr));
  const x = { field: 'fpr', type: 'quantitative' as const, scale: { type: 'log' as const, domain: [floor, 1] }, title: 'false positive rate (non-members accused)' };
  const y = { field: 'tpr', type: 'quantitative' as const, scale: { type: 'log' as const, domain: [1e-4, 1] }, title: 'true positive rate (members found)' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Membership: ROC (log scale)',
    width: WIDTH,
    height: HEIGHT,
    layer: [
      {
        data: { values: [{ fpr: floor, tpr: floor }, { fpr: 1, tpr: 1 }] },
        mark: { type: 'line', color: 'grey', strokeDash: [4, 4] },
        encoding: { x, y },
      },
      {
        data: { values },
        mark: { type: 'line', interpolate: 'step-after' },
        encoding: { x, y, color: { field: 'curve', type: 'nominal', title: 'policy (strongest attack); dashed: guessing', legend: { orient: 'bottom', columns: 1, labelLimit: 0, titleLimit: 0 } } },
      },
    ],
  };
}

/** Every extraction run: its copy's agreement against the queries it paid, by policy. */
export function extractionSpec(result: AuditResult): TopLevelSpec | undefined {
  const runs = result.extraction?.runs.filter((run) => run.agreement && run.record) ?? [];
  if (runs.length === 0) return undefined;
  const values = runs.map((run) => ({ queries: Math.max(1, run.record!.queries), agreement: run.agreement!.agreement, policy: run.policy, attack: run.attack }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Extraction: agreement of the copy against queries paid',
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 90 },
        encoding: {
          x: { field: 'queries', type: 'quantitative', scale: { type: 'log' }, title: 'queries paid (log scale)' },
          y: { field: 'agreement', type: 'quantitative', scale: { domain: [Math.min(0.5, ...values.map((v) => v.agreement)), 1] }, title: 'agreement with your model', axis: { format: '%' } },
          color: { field: 'policy', type: 'nominal', legend: { orient: 'bottom', labelLimit: 0 } },
          shape: { field: 'attack', type: 'nominal', legend: { orient: 'bottom', labelLimit: 0 } },
        },
      },
      { data: { values: [{ y: 0.99 }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'grey' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  };
}

/** Inversion accuracy per sensitive column beside always guessing the commonest value. */
export function inversionSpec(result: AuditResult): TopLevelSpec | undefined {
  const runs = result.inversion?.runs ?? [];
  if (runs.length === 0) return undefined;
  const values = runs.flatMap((run) => [
    { column: run.feature, guess: 'attack (MAP, with the model)', accuracy: run.accuracy },
    { column: run.feature, guess: 'commonest value (no model)', accuracy: run.baseline },
  ]);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Inversion: sensitive columns guessed right',
    width: WIDTH,
    height: { step: 18 },
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'column', type: 'nominal', title: null },
      yOffset: { field: 'guess' },
      x: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, axis: { format: '%' }, title: 'people guessed right' },
      color: { field: 'guess', type: 'nominal', legend: { orient: 'bottom', title: null, labelLimit: 0 } },
    },
  };
}
