/**
 * `threatlab membership`: audit a model for membership leakage. The members are the ones the
 * user names (`--members`, `--non-members`, `--population`), or, for a model file `threatlab
 * train` wrote, the exact training split recorded in it (membership-problem.ts). Shadow and
 * reference models copy the target's trainer and parameters, read from the model itself.
 */

import { writeFileSync } from 'node:fs';
import { MEMBERSHIP_ATTACKS } from '../../attacks/membership/index.ts';
import { runMembership } from '../../attacks/membership/runner.ts';
import { openTraining, trainingLine } from '../../cluster/open-training.ts';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { parseParamPairs, resolveParams } from '../../models/params.ts';
import { trainerKindOf, trainerParamsOf } from '../../models/registry.ts';
import type { Progress } from '../../progress.ts';
import { asUsage, plural, printResult, type CliIo, type CommonOptions } from '../io.ts';
import { membershipData, type MembershipDataOptions } from '../membership-problem.ts';
import { membershipInWords } from '../plain-words.ts';
import { loadTarget } from '../target.ts';
import { withArticle } from '../../models/kind-article.ts';

/** Options of `threatlab membership`. */
export interface MembershipOptions extends CommonOptions, MembershipDataOptions {
  attack: string;
  model?: string;
  url?: string;
  modelId?: string;
  key?: string;
  seed: number;
  shadows?: number;
  param: string[];
  shadowParam: string[];
  budget?: number;
  scoresOut?: string;
  /** Train the shadow models on `threatlab worker` processes behind this Redis. */
  redis?: string;
}

/** Attacks that train shadow (or reference) models, and the parameter `--shadows` sets. */
const SHADOW_PARAM: Record<string, string> = { 'shadow-models': 'shadows', lira: 'shadows', rmia: 'references' };

/** Runs the command. */
export async function runMembershipCommand(io: CliIo, options: MembershipOptions, progress: Progress): Promise<void> {
  const attack = MEMBERSHIP_ATTACKS[options.attack];
  if (!attack) throw new ThreatlabError('usage', `unknown membership attack: "${options.attack}"; known: ${Object.keys(MEMBERSHIP_ATTACKS).join(', ')}`);
  if (options.shadows !== undefined && !SHADOW_PARAM[options.attack]) {
    throw new ThreatlabError('usage', `--shadows sets the shadow models of ${Object.keys(SHADOW_PARAM).join(', ')}; "${options.attack}" trains ${options.attack === 'threshold' ? 'one shadow model to choose its threshold' : 'none'}`);
  }
  const attackParams: Record<string, unknown> = parseParamPairs(options.param);
  if (options.shadows !== undefined) attackParams[SHADOW_PARAM[options.attack]] = options.shadows;
  asUsage(() => resolveParams(attack.name, attack.params, attackParams, 'attack'));
  const { oracle, model, training } = await loadTarget(options);
  if (oracle.info.task !== 'classification') throw new ThreatlabError('capability', 'membership attacks judge classifiers; this model is a regressor');
  const space = { schema: oracle.info.schema, classes: oracle.info.classes, allowMissing: oracle.info.partialRows };
  const data = membershipData({ ...options, progress }, space, training, options.seed);
  if (data.candidates.features.cols !== oracle.info.inputSize) {
    throw new ValidationError('data do not fit the model', [{ path: 'dataset', message: `rows have ${data.candidates.features.cols} columns, the model takes ${oracle.info.inputSize}; use the data the model was trained on` }]);
  }
  const kind = model ? trainerKindOf(model) : oracle.info.kind;
  // Shadow models copy the target's recipe: read from the model when it is a file, the kind's defaults for a served one.
  const shadowParams = { ...(model ? trainerParamsOf(model) : {}), ...parseParamPairs(options.shadowParam) };
  const shadowsOn = await openTraining(options.redis);
  let record: Awaited<ReturnType<typeof runMembership>>;
  let cluster: string | undefined;
  try {
    record = await runMembership(
      attack,
      oracle,
      { candidates: data.candidates, population: data.population, trainer: { kind, params: shadowParams }, trainSize: data.trainSize },
      { params: attackParams, seed: options.seed, budget: options.budget, members: data.members, progress, pool: shadowsOn },
    );
    cluster = trainingLine(shadowsOn);
  } finally {
    await shadowsOn.close();
  }
  const judged = (record.outcome?.scores ?? []).map((score, i) => ({ row: data.sources[i], member: data.members[i], score }));
  if (options.scoresOut) {
    const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
    writeFileSync(options.scoresOut, ['row,member,score', ...judged.map((j) => `${quote(j.row)},${j.member ? 1 : 0},${j.score}`)].join('\n') + '\n');
  }
  const metrics = record.outcome?.metrics;
  const words = metrics ? membershipInWords(metrics.auc, metrics.tprAtFpr[0]?.tpr ?? 0) : undefined;
  const result = { ...record, inPlainWords: words ?? null, assumption: data.assumption, shadowTrainer: { kind, params: shadowParams }, trainedOn: cluster ?? 'worker threads of this process', judged };
  const pct = (value: number): string => `${(100 * value).toFixed(2)}%`;
  const members = data.members.filter(Boolean).length;
  printResult(io, options, result, () =>
    [
      `${record.attack} against ${withArticle(kind)} model (${record.status}): ${members} members and ${data.members.length - members} non-members`,
      data.assumption,
      `paid ${plural(record.queries, 'query', 'queries')}; trained ${plural(record.outcome?.models ?? 0, 'shadow or reference model')}; ${record.seconds.toFixed(1)} s`,
      cluster ?? '',
      metrics
        ? `AUC ${metrics.auc.toFixed(4)}; ${metrics.tprAtFpr.map((t) => `TPR ${pct(t.tpr)} at FPR ${pct(t.fpr)} (reached ${pct(t.fprReached)})`).join('; ')}`
        : 'no metrics (the run stopped early)',
      metrics ? `membership advantage ${metrics.advantage.toFixed(4)}, balanced accuracy ${pct(metrics.balancedAccuracy)}` : '',
      words ?? '',
      options.scoresOut ? `scores of every judged row written to ${options.scoresOut}` : '',
    ].filter(Boolean).join('\n'),
  );
}
