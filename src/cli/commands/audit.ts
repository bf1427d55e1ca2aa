/**
 * `threatlab audit`: one command that answers "is my model at risk, from what, and which way of
 * publishing it helps?" — every threat that applies, under each candidate output policy, with a
 * verdict per threat in plain words (src/audit/), written as report.json (the records) and a
 * self-contained report.html with charts (src/report/).
 */

import { subsetRows } from '../../data/dataset.ts';
import { openTraining, trainingLine } from '../../cluster/open-training.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { runAudit, AUDIT_THREATS, type AuditInput, type AuditResult } from '../../audit/run-audit.ts';
import type { Threat } from '../../audit/verdicts.ts';
import { uniformRows } from '../../metrics/sampling.ts';
import { trainerKindOf, trainerParamsOf } from '../../models/registry.ts';
import { parsePolicy } from '../../oracle/policy.ts';
import type { Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { writeAuditReport } from '../../report/write-report.ts';
import { asUsage, plural, printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';
import { membershipData, type MembershipData, type MembershipDataOptions } from '../membership-problem.ts';
import { loadTarget, type TargetOptions } from '../target.ts';
import { featureRows } from './extract.ts';
import { encodeForModel, labelColumn, loadUserRows } from '../../data/model-rows.ts';

/** Amazon ML's price per real-time prediction, the price Tramèr et al. (2016) quote. */
export const DEFAULT_PRICE = 0.0001;

/** Options of `threatlab audit`. */
export interface AuditOptions extends CommonOptions, TargetOptions, MembershipDataOptions {
  /** Train shadow and reference models on `threatlab worker` processes behind this Redis. */
  redis?: string;
  test?: string;
  sensitive: string[];
  price?: number;
  policies?: string;
  threats?: string;
  quick?: boolean;
  seed: number;
  out: string;
}

function parseThreats(text: string | undefined): Threat[] {
  if (!text) return [...AUDIT_THREATS];
  return text.split(',').map((name) => {
    const threat = name.trim() as Threat;
    if (!AUDIT_THREATS.includes(threat)) throw new ThreatlabError('usage', `--threats: "${name}" is not measured by the audit; give any of ${AUDIT_THREATS.join(', ')} (evasion comes with its attack family)`);
    return threat;
  });
}

/** Uniform inputs copies are judged on when the user gives no rows. */
const UNIFORM_JUDGE_ROWS = 2000;

/** Runs the command. */
export async function runAuditCommand(io: CliIo, options: AuditOptions, progress: Progress): Promise<AuditResult> {
  const threats = parseThreats(options.threats);
  const { oracle, model, training } = await loadTarget(options);
  const policies = options.policies
    ? asUsage(() => options.policies!.split(',').map((text) => parsePolicy(text.trim())))
    : oracle.info.policy.kind === 'full'
      ? [{ kind: 'full' as const }, { kind: 'rounded' as const, decimals: 2 }, { kind: 'label-only' as const }]
      : [oracle.info.policy];
  const price = options.price ?? (oracle.info.price > 0 ? oracle.info.price : DEFAULT_PRICE);
  const space = { schema: oracle.info.schema, classes: oracle.info.classes, allowMissing: oracle.info.partialRows };
  const named = Boolean(options.members || options.nonMembers || options.candidates || options.dataset);
  // Without membership among the threats, members alone serve (inversion's people): no population needed.
  const peopleOnly = !threats.includes('membership') && Boolean(options.members) && !options.population && !options.candidates && !options.dataset;
  const classifier = oracle.info.task === 'classification';
  const data: MembershipData | undefined = named && classifier && !peopleOnly ? membershipData({ ...options, progress }, space, training, options.seed) : undefined;
  const memberTable = peopleOnly && classifier ? loadUserRows(options.members!, progress) : undefined;
  const members = memberTable && encodeForModel(memberTable, space, labelColumn(memberTable, space, options.target, options.memberColumn ? [options.memberColumn] : []));
  if (data && data.candidates.features.cols !== oracle.info.inputSize) {
    throw new ValidationError('data do not fit the model', [{ path: 'members', message: `rows have ${data.candidates.features.cols} columns, the model takes ${oracle.info.inputSize}; give rows with the model's features` }]);
  }
  const memberRows = data ? data.members.flatMap((member, i) => (member ? [i] : [])) : [];
  const nonMemberRows = data ? data.members.flatMap((member, i) => (member ? [] : [i])) : [];
  const judge = options.test
    ? { rows: featureRows(options.test, oracle.info.schema, oracle.info.partialRows, progress), name: `your test rows (${options.test})` }
    : peopleOnly && options.nonMembers
      ? { rows: featureRows(options.nonMembers, oracle.info.schema, oracle.info.partialRows, progress), name: `your non-member rows (${options.nonMembers})` }
      : data
      ? { rows: subsetRows(data.candidates, Int32Array.from(nonMemberRows)).features, name: `your ${nonMemberRows.length} non-member rows` }
      : { rows: uniformRows(oracle.info.schema, UNIFORM_JUDGE_ROWS, new Rng(options.seed + 1)), name: `${UNIFORM_JUDGE_ROWS} uniform random inputs (give --test FILE to judge on real rows)` };
  const input: AuditInput = {
    target: oracle,
    model,
    policies,
    price,
    threats,
    quick: options.quick ?? false,
    seed: options.seed,
    judge,
    membership: data
      ? {
          problem: { candidates: data.candidates, population: data.population, trainer: { kind: model ? trainerKindOf(model) : (oracle.info.kind as never), params: model ? trainerParamsOf(model) : {} }, trainSize: data.trainSize },
          members: data.members,
          sources: data.sources,
          assumption: data.assumption,
        }
      : undefined,
    people: data
      ? { data: subsetRows(data.candidates, Int32Array.from(memberRows)), name: `your ${memberRows.length} members (training rows)` }
      : members
        ? { data: members, name: `your ${members.features.rows} members (${options.members})` }
        : undefined,
    sensitive: options.sensitive,
    progress,
  };
  const shadowsOn = options.redis ? await openTraining(options.redis) : undefined;
  let result: AuditResult;
  try {
    result = await runAudit({ ...input, training: shadowsOn });
  } finally {
    const line = shadowsOn && trainingLine(shadowsOn);
    await shadowsOn?.close();
    if (line) io.stderr(`${line}\n`);
  }
  const files = await writeAuditReport(result, options.out, { target: options.model ?? options.url ?? 'model' });
  printResult(io, options, { ...result, files }, () => summary(result, files));
  return result;
}

/** The verdicts on top, then what was skipped, the queries paid and the files. */
function summary(result: AuditResult, files: string[]): string {
  return [
    `audit of a ${result.target.task} model (kind: ${result.target.kind}) answering ${result.target.reveals}; policies measured: ${result.policies.join(', ')}; price ${result.price} per query (seed ${result.seed}${result.quick ? ', quick' : ''})`,
    textTable(
      ['threat', 'level', 'verdict'],
      result.verdicts.map((verdict) => [verdict.threat, verdict.level.toUpperCase(), verdict.sentence]),
    ),
    ...result.verdicts.flatMap((verdict) => [`${verdict.threat}: what helps — ${verdict.helps}`, `  (levels: ${verdict.thresholds})`]),
    ...result.skipped.map((skip) => `not measured — ${skip.threat}: ${skip.reason}`),
    `queries paid: ${plural(result.queries.total, 'query', 'queries')} (extraction ${result.queries.extraction}, inversion ${result.queries.inversion}, membership ${result.queries.membership}); ${result.seconds.toFixed(1)} s`,
    `report: ${files[0]} (records: ${files[1]}${files.length > 2 ? `; ${files.length - 2} MI-Face images beside them` : ''})`,
  ].join('\n');
}
