/**
 * The audit report as one self-contained HTML file (no network, no script): the verdicts on top
 * with their thresholds and what helps, then per threat the charts (inline SVG rendered by
 * charts.ts) and the tables of every run, every query paid, and what was not measured and why.
 * Every number comes from the audit's records.
 */

import type { AuditResult } from '../audit/run-audit.ts';
import type { Level } from '../audit/verdicts.ts';
import { formatPolicy } from '../oracle/policy.ts';
import type { FaceInversion } from '../audit/faces.ts';
import { extractionSpec, inversionSpec, renderSvg, rocSpec } from './charts.ts';

/** Escapes text for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const COLOURS: Record<Level, string> = { low: '#2e7d32', medium: '#ef6c00', high: '#c62828' };
const pct = (value: number) => `${(100 * value).toFixed(2)}%`;

function table(header: string[], rows: (string | number)[][]): string {
  const head = header.map((cell) => `<th>${escapeHtml(cell)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((cell) => `<td>${escapeHtml(String(cell))}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

function figure(svg: string | undefined, caption: string): string {
  if (!svg) return '';
  return `<figure class="chart">${svg.replace(/^<\?xml[^>]*>/, '')}<figcaption>${escapeHtml(caption)}</figcaption></figure>`;
}

/** MI-Face's images, each beside the member image it looks most like. */
function facesSection(faces: FaceInversion): string {
  const judged = faces.recognised !== undefined ? `${faces.recognised} of ${faces.images.length} look most like a member image of their own class (among ${faces.references}).` : 'Not judged: no member images were given.';
  const cards = faces.images
    .map((image) => {
      const img = (png: string, alt: string) => `<img src="data:image/png;base64,${png}" alt="${escapeHtml(alt)}" width="${Math.max(96, faces.width * 2)}">`;
      const nearest = image.nearestPng ? img(image.nearestPng, `nearest member image to class ${image.class}`) : '';
      const match = faces.recognised === undefined ? '' : image.identifiedAs === image.class ? 'recognised' : `looks like ${image.identifiedAs ?? 'nothing'}`;
      return `<figure class="face" data-class="${escapeHtml(image.class)}">${img(image.png, `reconstruction of class ${image.class}`)}${nearest}<figcaption>${escapeHtml(image.class)}: confidence ${image.confidence.toFixed(3)}${match ? `, ${escapeHtml(match)}` : ''}</figcaption></figure>`;
    })
    .join('\n');
  return `<h2>Inversion of images (MI-Face)</h2>
<p>One image per class drawn from the model's gradients in ${faces.seconds.toFixed(1)} s (Fredrikson et al. 2015), each beside the member image most correlated with it (reconstructions contrast-stretched, as the brightness-blind identifier sees them). ${escapeHtml(judged)} The model's confidence alone is not resemblance.</p>
<div class="faces">${cards}</div>`;
}

/** The report as HTML. */
export async function auditHtml(result: AuditResult, meta: { target: string; created: string }): Promise<string> {
  const [roc, extraction, inversion] = await Promise.all([rocSpec(result), extractionSpec(result), inversionSpec(result)].map((spec) => (spec ? renderSvg(spec) : Promise.resolve(undefined))));
  const verdicts = result.verdicts
    .map(
      (verdict) => `<section class="verdict" data-threat="${verdict.threat}">
  <h3><span class="level" style="background:${COLOURS[verdict.level]}">${verdict.level.toUpperCase()}</span> ${escapeHtml(verdict.threat)}</h3>
  <p>${escapeHtml(verdict.sentence)}</p>
  <p class="helps"><b>What helps:</b> ${escapeHtml(verdict.helps)}</p>
  <p class="rule">Levels: ${escapeHtml(verdict.thresholds)}</p>
</section>`,
    )
    .join('\n');
  const sections: string[] = [];
  if (result.extraction) {
    sections.push(`<h2>Extraction</h2>
<p>Copies judged on ${escapeHtml(result.extraction.rowsJudged)}. Every attack that applies was run under each policy; the cheapest copy reaching 99% agreement (else the best) is the policy's result.</p>
${figure(extraction, 'Each point is one attack run; the dashed line is 99% agreement.')}
${table(
  ['policy', 'attack', 'status', 'queries', 'cost', 'agreement', 'max |Δp|', 'check queries', 'seconds', 'note'],
  result.extraction.runs.map((run) => [
    run.policy,
    run.attack,
    run.record?.status ?? 'not run',
    run.record?.queries ?? 0,
    run.record ? run.record.cost.toFixed(4) : '—',
    run.agreement ? pct(run.agreement.agreement) : '—',
    run.agreement ? run.agreement.maxProbabilityGap.toExponential(1) : '—',
    run.checkQueries,
    run.record ? run.record.seconds.toFixed(1) : '—',
    run.refused ?? '',
  ]),
)}`);
  }
  if (result.inversion?.faces) sections.push(facesSection(result.inversion.faces));
  if (result.inversion && result.inversion.runs.length > 0) {
    sections.push(`<h2>Inversion of sensitive columns</h2>
<p>People: ${escapeHtml(result.inversion.people ?? '—')}.</p>
${figure(inversion, 'The attack against always guessing the commonest value.')}
${table(
  ['column', 'attack', 'people', 'accuracy', 'commonest-value guess', 'guessing by the prior', `precision`, 'recall', 'queries'],
  result.inversion.runs.map((run) => [run.feature, run.attack, run.people, pct(run.accuracy), pct(run.baseline), pct(run.baselines.prior.accuracy), `${pct(run.score.precision)} ("${run.positive}")`, pct(run.score.recall), run.queries]),
)}`);
  }
  if (result.membership) {
    sections.push(`<h2>Membership</h2>
<p>${escapeHtml(result.membership.assumption)}.</p>
${figure(roc, 'Log-scale ROC of the strongest attack per policy; the dashed diagonal is guessing.')}
${table(
  ['policy', 'attack', 'status', 'AUC', 'TPR at 1% FPR', 'TPR at 0.1% FPR', 'advantage', 'shadow models', 'queries', 'seconds'],
  result.membership.runs.map((run) => {
    const metrics = run.outcome?.metrics;
    const at = (fpr: number) => metrics?.tprAtFpr.find((point) => Math.abs(point.fpr - fpr) < 1e-12)?.tpr;
    return [formatPolicy(run.policy), run.attack, run.status, metrics ? metrics.auc.toFixed(3) : '—', at(0.01) === undefined ? '—' : pct(at(0.01)!), at(0.001) === undefined ? '—' : pct(at(0.001)!), metrics ? metrics.advantage.toFixed(3) : '—', run.outcome?.models ?? 0, run.queries, run.seconds.toFixed(1)];
  }),
)}
<h3>Most exposed members</h3>
${table(['record', 'attack score (higher: judged more likely a member)'], result.membership.exposed.map((record) => [record.row, record.score.toPrecision(4)]))}`);
  }
  const skipped = result.skipped.length ? `<h2>Not measured</h2><ul>${result.skipped.map((skip) => `<li><b>${escapeHtml(skip.threat)}</b>: ${escapeHtml(skip.reason)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>threatlab audit — ${escapeHtml(meta.target)}</title>
<style>
body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}
.verdict{border-left:6px solid #ccc;padding:.2em 1em;margin:1em 0;background:#fafafa}
.level{color:#fff;padding:.1em .5em;border-radius:3px;font-size:.85em}
.rule{color:#666;font-size:.9em}
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ddd;padding:.3em .6em;text-align:left}
figure.chart{margin:1em 0}figcaption{color:#666;font-size:.9em}
.faces{display:flex;flex-wrap:wrap;gap:1em}figure.face{margin:0}figure.face img{image-rendering:pixelated;border:1px solid #ccc;margin-right:2px}
</style></head><body>
<h1>Is this model at risk?</h1>
<p>Target: ${escapeHtml(meta.target)} — a ${escapeHtml(result.target.task)} model (kind: ${escapeHtml(result.target.kind)}) over ${result.target.features} features, ${result.target.classes.length} classes, answering ${escapeHtml(result.target.reveals)}. Policies measured: ${escapeHtml(result.policies.join(', '))}; price ${result.price} per query. Seed ${result.seed}${result.quick ? ' (quick)' : ''}; ${result.seconds.toFixed(1)} s; ${result.queries.total} queries paid in all (extraction ${result.queries.extraction}, inversion ${result.queries.inversion}, membership ${result.queries.membership}). Written ${escapeHtml(meta.created)} by threatlab.</p>
<h2>Verdicts</h2>
${verdicts || '<p>No threat could be measured (see below).</p>'}
${sections.join('\n')}
${skipped}
</body></html>
`;
}
