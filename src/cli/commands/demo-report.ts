/**
 * The demo's own report: its three results — the served softmax stolen over HTTP, MI-Face on the
 * stolen copy, the loss-threshold membership audit of the MLP — as the audit records the report
 * pages draw (report.html with its charts and images, report.json), with the same verdict rules.
 */

import type { MembershipOutcome } from '../../attacks/membership/runner.ts';
import type { AttackRecord } from '../../attacks/types.ts';
import type { FaceInversion } from '../../audit/faces.ts';
import type { AuditResult } from '../../audit/run-audit.ts';
import { extractionVerdict, inversionVerdict, membershipVerdict, type Verdict } from '../../audit/verdicts.ts';
import type { Agreement } from '../../metrics/fidelity.ts';
import { writeAuditReport } from '../../report/write-report.ts';

/** What the demo measured, as records. */
export interface DemoRecords {
  seed: number;
  classes: string[];
  inputSize: number;
  price: number;
  extraction: { record: AttackRecord<unknown>; agreement: Agreement; rowsJudged: string };
  faces: FaceInversion;
  membership: { record: AttackRecord<MembershipOutcome>; assumption: string; sources: string[]; members: boolean[] };
  seconds: number;
}

/** Writes the demo's report into `folder`; returns the files. */
export async function writeDemoReport(records: DemoRecords, folder: string): Promise<string[]> {
  const { extraction, faces, membership } = records;
  const metrics = membership.record.outcome!.metrics!;
  const at = (fpr: number) => metrics.tprAtFpr.find((point) => Math.abs(point.fpr - fpr) < 1e-12)?.tpr ?? 0;
  const extractionResult = { policy: 'full', attack: extraction.record.attack, agreement: extraction.agreement.agreement, queries: extraction.record.queries, cost: extraction.record.cost };
  const membershipResult = { policy: 'full', attack: membership.record.attack, auc: metrics.auc, tprAt1: at(0.01), tprAt01: at(0.001), members: metrics.members, nonMembers: metrics.nonMembers, queries: membership.record.queries };
  const verdicts: Verdict[] = [extractionVerdict([extractionResult], extraction.rowsJudged)];
  if (faces.recognised !== undefined) {
    verdicts.push(inversionVerdict([], { images: faces.images.length, classes: records.classes.length, recognised: faces.recognised, references: faces.references! }, 'MI-Face ran on the stolen copy\'s gradients: once a model is extracted, every white-box attack is open; withholding scores (label-only) makes the theft itself costlier'));
  }
  verdicts.push(membershipVerdict([membershipResult]));
  const scores = membership.record.outcome!.scores;
  const exposed = scores
    .map((score, i) => ({ row: membership.sources[i], score, member: membership.members[i] }))
    .filter((entry) => entry.member)
    .sort((a, b) => b.score - a.score)
    .slice(0, 5);
  const { scores: _scores, ...outcome } = membership.record.outcome!;
  const result: AuditResult = {
    seed: records.seed,
    quick: true,
    target: { kind: 'softmax (served) and mlp', task: 'classification', reveals: 'scores', classes: records.classes, inputSize: records.inputSize, features: records.inputSize },
    policies: ['full'],
    price: records.price,
    verdicts,
    skipped: [{ threat: 'policy', reason: 'the demo publishes under full scores only; threatlab audit measures rounded:2 and label-only as well' }],
    extraction: { rowsJudged: extraction.rowsJudged, results: [extractionResult], runs: [{ policy: 'full', attack: extraction.record.attack, record: extraction.record, agreement: extraction.agreement, checkQueries: 0 }] },
    membership: { assumption: membership.assumption, results: [membershipResult], runs: [{ ...membership.record, outcome }], exposed },
    inversion: { runs: [], faces },
    queries: { total: extraction.record.queries + membership.record.queries, extraction: extraction.record.queries, inversion: 0, membership: membership.record.queries },
    seconds: records.seconds,
  };
  return writeAuditReport(result, folder, { target: 'threatlab demo on embedded MNIST: a softmax served over HTTP (stolen, then inverted) and an MLP (membership)' });
}
