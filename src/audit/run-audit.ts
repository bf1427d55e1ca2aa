/**
 * One audit of a model for every threat that applies: extraction, attribute inversion and
 * membership inference, each under each candidate output policy, and for a model in hand the
 * weights' check for malicious training (no queries), each run kept as its typed
 * attack record, and a verdict per threat (see verdicts.ts for the rules and thresholds). What
 * cannot be measured — a threat without the data it needs, a policy the target cannot be
 * reshaped to — is listed with the reason, never silently dropped.
 */

import { availableParallelism } from 'node:os';
import type { MembershipProblem } from '../attacks/membership/types.ts';
import type { ClassificationDataset } from '../data/dataset.ts';
import { PolicyOracle } from '../defenses/output-policy.ts';
import { hasCode, ThreatlabError } from '../errors.ts';
import { selectRows, type Matrix } from '../math/matrix.ts';
import type { Model } from '../models/types.ts';
import { formatPolicy } from '../oracle/policy.ts';
import type { Oracle, OutputPolicy } from '../oracle/types.ts';
import { TrainingPool } from '../parallel/training-pool.ts';
import type { TrainingService } from '../parallel/training-service.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { auditExtraction, extractionPlans, type ExtractionRun } from './extraction.ts';
import { auditFaces, imageShapeOf, type FaceInversion } from './faces.ts';
import { auditInversion, type InversionRun } from './inversion.ts';
import { auditMembership, membershipPlans, type ExposedRecord, type MembershipRun } from './membership.ts';
import { extractionVerdict, exfiltrationVerdict, inversionVerdict, membershipVerdict, type ExfiltrationCheck, type ExtractionResult, type MembershipResult, type Threat, type Verdict } from './verdicts.ts';
import { detectEncoding } from '../defenses/encoding-detector.ts';
import { withArticle } from '../models/kind-article.ts';

/** The threats an audit can measure today, in report order. */
export const AUDIT_THREATS: readonly Threat[] = ['extraction', 'inversion', 'membership', 'exfiltration'];

/** What an audit needs. */
export interface AuditInput {
  /** The target, answering fully where it can (other policies are derived from its answers). */
  target: Oracle;
  /** The model itself, when it is in hand (white-box; agreement measured without queries). */
  model?: Model;
  /** Candidate policies; the first is how the model is (or will be) published. */
  policies: OutputPolicy[];
  /** Price per query the attacker pays. */
  price: number;
  threats: readonly Threat[];
  quick: boolean;
  seed: number;
  /** Rows copies are judged on, and how to name them in sentences. */
  judge: { rows: Matrix; name: string };
  membership?: { problem: MembershipProblem; members: boolean[]; sources: string[]; assumption: string };
  /** Labelled people (the training rows, where known) whose sensitive columns inversion recovers. */
  people?: { data: ClassificationDataset; name: string };
  sensitive: string[];
  progress?: Progress;
  /** Worker threads for shadow models (default: up to 2; 0 trains in this thread, as a server job does). */
  trainingThreads?: number;
  /** Where shadow and reference models train (default: `trainingThreads` threads here); the caller closes it. */
  training?: TrainingService;
  /** The audit's overall progress: attack runs done of those planned, after each run. */
  onStage?: (done: number, total: number) => void;
}

/** Everything an audit measured. */
export interface AuditResult {
  seed: number;
  quick: boolean;
  target: { kind: string; task: string; reveals: string; classes: string[]; inputSize: number; features: number };
  policies: string[];
  price: number;
  verdicts: Verdict[];
  skipped: { threat: Threat | 'policy'; reason: string }[];
  extraction?: { rowsJudged: string; results: ExtractionResult[]; runs: ExtractionRun[] };
  membership?: { assumption: string; results: MembershipResult[]; runs: MembershipRun[]; exposed: ExposedRecord[] };
  inversion?: { people?: string; runs: InversionRun[]; faces?: FaceInversion };
  /** The θ detector's reading (malicious training), for a model in hand. */
  exfiltration?: ExfiltrationCheck;
  /** Every query paid, by threat (attacks and the checks that judged them). */
  queries: { total: number; extraction: number; inversion: number; membership: number };
  seconds: number;
}

/** The target under each candidate policy that can be derived from it. */
function targetsFor(input: AuditInput, skipped: AuditResult['skipped']): Oracle[] {
  const targets: Oracle[] = [];
  for (const policy of input.policies) {
    try {
      targets.push(new PolicyOracle(input.target, policy, input.price));
    } catch (error) {
      if (!hasCode(error, 'capability') && !hasCode(error, 'validation')) throw error;
      skipped.push({ threat: 'policy', reason: `${formatPolicy(policy)}: ${(error as Error).message}` });
    }
  }
  return targets;
}

/** Why MI-Face drew no images: no model file, a model that does not take images, or one it cannot differentiate (a regressor never gets here: the audit skips it whole). */
function whyNoFaces(model: AuditInput['model'], shape: { width: number; height: number } | undefined): string {
  if (!model) return 'MI-Face needs the model file (a served model hides its gradients)';
  if (!shape) return 'the model does not take grey-scale images, which MI-Face draws';
  return `MI-Face differentiates linear models and MLPs, not ${withArticle(model.kind)} model (invert a copy stolen from it: threatlab extract, then threatlab invert --attack mi-face)`;
}

/**
 * Attribute inversion of each sensitive column (MAP, any oracle) and, for an image model in hand,
 * MI-Face; the verdict needs the user's people (members) to judge either against.
 */
async function invert(input: AuditInput, target: Oracle, skipped: AuditResult['skipped'], progress: Progress, stageDone: () => void): Promise<{ result: NonNullable<AuditResult['inversion']>; verdict?: Verdict } | undefined> {
  const shape = input.model ? imageShapeOf(input.model) : undefined;
  const faces = shape ? await auditFaces(input.model!, shape, input.people?.data, input.quick ? 10 : 40, progress) : undefined;
  if (faces) stageDone();
  let runs: InversionRun[] = [];
  if (input.sensitive.length > 0 && input.people) runs = await auditInversion(target, input.people.data, input.sensitive, progress, stageDone);
  else if (input.sensitive.length > 0) skipped.push({ threat: 'inversion', reason: 'no labelled people to invert (give the training rows: --members FILE or --dataset)' });
  else if (!faces) skipped.push({ threat: 'inversion', reason: `no sensitive column named (--sensitive COLUMN), and ${whyNoFaces(input.model, shape)}` });
  if (!faces && runs.length === 0) return undefined;
  if (faces && faces.recognised === undefined) skipped.push({ threat: 'inversion', reason: 'MI-Face images drawn but not judged: give member images (--members FILE) to recognise them by' });
  const judgedFaces = faces && faces.recognised !== undefined ? { images: faces.images.length, classes: input.target.info.classes.length, recognised: faces.recognised, references: faces.references! } : undefined;
  const helps = [
    runs.length > 0 ? 'the MAP estimator reads only the predicted label (Fredrikson et al. 2014), so no output policy changes it; leaving the sensitive column out of the model, or a sensitive-feature-aware tree, does' : '',
    faces ? 'MI-Face here used the model\'s gradients: whoever holds the model file can run it; behind an API its black-box variant needs confidence scores, which label-only withholds' : '',
  ].filter(Boolean);
  const verdict = runs.length > 0 || judgedFaces ? inversionVerdict(runs, judgedFaces, helps.join('; ')) : undefined;
  return { result: { people: input.people?.name, runs, faces }, verdict };
}

/**
 * The rows with every feature: copies (softmax, MLP surrogates) answer complete rows only, so
 * rows with a missing cell (which a tree answers) are left out of judging, and the name says so.
 */
function completeRows(judge: AuditInput['judge']): AuditInput['judge'] {
  const { rows } = judge;
  const keep: number[] = [];
  for (let i = 0; i < rows.rows; i++) if (!rows.data.subarray(i * rows.cols, (i + 1) * rows.cols).some(Number.isNaN)) keep.push(i);
  if (keep.length === rows.rows) return judge;
  return { rows: selectRows(rows, keep), name: `${judge.name.replace(/^your (\d+) /, `your ${keep.length} complete `)}${/^your \d+ /.test(judge.name) ? '' : ` (the ${keep.length} with every feature)`}` };
}

/** How many attack runs the audit will make (for its overall progress). */
function plannedRuns(input: AuditInput, targets: Oracle[]): number {
  let runs = 0;
  for (const threat of input.threats) {
    if (threat === 'extraction') runs += targets.reduce((sum, target) => sum + extractionPlans(target.info, input.quick).length, 0);
    if (threat === 'membership' && input.membership) runs += targets.reduce((sum, target) => sum + membershipPlans(target.info.reveals, input.quick).length, 0);
    if (threat === 'inversion') runs += (input.people ? input.sensitive.length : 0) + (input.model && imageShapeOf(input.model) ? 1 : 0);
  }
  return Math.max(1, runs);
}

/** Runs the audit. */
export async function runAudit(input: AuditInput): Promise<AuditResult> {
  const started = performance.now();
  const progress = input.progress ?? silentProgress;
  const info = input.target.info;
  const skipped: AuditResult['skipped'] = [];
  const targets = targetsFor(input, skipped);
  const verdicts: Verdict[] = [];
  const result: AuditResult = {
    seed: input.seed,
    quick: input.quick,
    target: { kind: info.kind, task: info.task, reveals: info.reveals, classes: info.classes, inputSize: info.inputSize, features: info.schema.features.length },
    policies: targets.map((target) => formatPolicy(target.info.policy)),
    price: input.price,
    verdicts,
    skipped,
    queries: { total: 0, extraction: 0, inversion: 0, membership: 0 },
    seconds: 0,
  };
  if (targets.length === 0) throw new ThreatlabError('capability', `none of the policies can be measured on this target: ${skipped.map((s) => s.reason).join('; ')}`);
  if (info.task !== 'classification') {
    for (const threat of input.threats) skipped.push({ threat, reason: 'the audit measures classifiers; this model is a regressor (use threatlab invert for a regression model)' });
    return { ...result, seconds: (performance.now() - started) / 1000 };
  }
  const planned = plannedRuns(input, targets);
  let done = 0;
  const stageDone = () => input.onStage?.(++done, planned);
  for (const threat of input.threats) {
    if (threat === 'extraction') {
      // The attacker's own rows (the membership population) are its query pool, as a real thief would use them.
      const pool = input.membership?.problem.population.features;
      const judge = completeRows(input.judge);
      const extraction = await auditExtraction({ targets, model: input.model, rows: judge.rows, pool: pool && completeRows({ rows: pool, name: '' }).rows, quick: input.quick, seed: input.seed, progress, stageDone, offThread: input.trainingThreads !== 0 && availableParallelism() > 1 });
      result.extraction = { rowsJudged: judge.name, ...extraction };
      result.queries.extraction = extraction.runs.reduce((sum, run) => sum + (run.record?.queries ?? 0) + run.checkQueries, 0);
      if (extraction.results.length > 0) verdicts.push(extractionVerdict(extraction.results, judge.name));
      else skipped.push({ threat, reason: `no attack made a copy: ${extraction.runs.map((run) => `${run.attack}: ${run.refused}`).join('; ')}` });
    } else if (threat === 'inversion') {
      const inversion = await invert(input, targets[0], skipped, progress, stageDone);
      if (inversion) {
        result.inversion = inversion.result;
        result.queries.inversion = inversion.result.runs.reduce((sum, run) => sum + run.queries, 0);
        if (inversion.verdict) verdicts.push(inversion.verdict);
      }
    } else if (threat === 'exfiltration') {
      if (!input.model) skipped.push({ threat, reason: 'malicious training is read from the weights: give the model file (a served or endpoint model hides them)' });
      else if (input.model.kind !== 'mlp' && input.model.kind !== 'cnn') skipped.push({ threat, reason: `the weights check reads networks (mlp, cnn): a ${input.model.kind} model's weights follow its inputs (an image model's are image templates), so their smoothness says nothing; capacity abuse, which any model can carry, leaves no trace the audit can read` });
      else {
        result.exfiltration = detectEncoding(input.model);
        verdicts.push(exfiltrationVerdict(result.exfiltration));
      }
    } else if (threat === 'membership') {
      if (!input.membership) skipped.push({ threat, reason: 'no members named (--members FILE --non-members FILE --population FILE, or --dataset for a model threatlab trained)' });
      else if (info.kind === 'unknown') skipped.push({ threat, reason: 'shadow models copy the target\'s kind, which this target does not say (declare "kind" in the --schema description)' });
      else {
        const pool = input.training ?? new TrainingPool(input.trainingThreads);
        try {
          const membership = await auditMembership({ targets, ...input.membership, quick: input.quick, seed: input.seed, pool, progress, stageDone });
          result.membership = { assumption: input.membership.assumption, ...membership };
          result.queries.membership = membership.runs.reduce((sum, run) => sum + run.queries, 0);
          if (membership.results.length > 0) verdicts.push(membershipVerdict(membership.results));
        } finally {
          if (!input.training) await pool.close();
        }
      }
    }
  }
  result.queries.total = result.queries.extraction + result.queries.inversion + result.queries.membership;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}
