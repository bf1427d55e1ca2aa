/**
 * Writes an audit's report folder: report.json (every record, the verdicts and their thresholds)
 * and report.html (self-contained). Each file is written through a temporary name, so a reader
 * never sees half of one.
 */

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditResult } from '../audit/run-audit.ts';
import { auditHtml } from './html.ts';

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.partial`, text);
  renameSync(`${path}.partial`, path);
}

/** Writes report.json and report.html into `folder`; returns their paths. */
export async function writeAuditReport(result: AuditResult, folder: string, meta: { target: string }): Promise<string[]> {
  mkdirSync(folder, { recursive: true });
  const created = new Date().toISOString();
  const json = join(folder, 'report.json');
  const html = join(folder, 'report.html');
  writeAtomically(json, `${JSON.stringify({ tool: 'threatlab', created, source: meta.target, ...result }, null, 2)}\n`);
  writeAtomically(html, await auditHtml(result, { target: meta.target, created }));
  return [html, json];
}
