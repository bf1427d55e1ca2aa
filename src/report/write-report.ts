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
  const files = writeFaces(result, folder);
  writeAtomically(json, `${JSON.stringify({ tool: 'threatlab', created, source: meta.target, ...withoutPixels(result) }, null, 2)}\n`);
  writeAtomically(html, await auditHtml(result, { target: meta.target, created }));
  return [html, json, ...files];
}

/** MI-Face's images as PNG files beside the report (the page inlines them). */
function writeFaces(result: AuditResult, folder: string): string[] {
  return (result.inversion?.faces?.images ?? []).map((image) => {
    const path = join(folder, `mi-face-${image.label}.png`);
    writeFileSync(path, Buffer.from(image.png, 'base64'));
    return path;
  });
}

/** The records without the images' pixels (they are the PNG files). */
function withoutPixels(result: AuditResult): AuditResult {
  const faces = result.inversion?.faces;
  if (!faces) return result;
  const images = faces.images.map(({ png: _png, nearestPng: _nearest, ...rest }) => ({ ...rest, png: `mi-face-${rest.label}.png` }));
  return { ...result, inversion: { ...result.inversion!, faces: { ...faces, images } } };
}
