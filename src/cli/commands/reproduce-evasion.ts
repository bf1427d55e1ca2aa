/** `threatlab reproduce evasion`: the MNIST (and faces) evasion table, with the goals and published figures beside ours. */

import type { Progress } from '../../progress.ts';
import { LOWD_MEEK, reproduceEvasion } from '../../reproduce/evasion.ts';
import { footnotes, printResult, textTable, type CliIo } from '../io.ts';
import type { ReproduceOptions } from './reproduce.ts';

const pct = (value: number) => (Number.isFinite(value) ? `${(100 * value).toFixed(1)}%` : '—');
const fixed = (value: number, digits = 2) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

/** Prints the reproduction. */
export async function evasion(io: CliIo, options: ReproduceOptions, progress: Progress, outDir: string): Promise<unknown> {
  const result = await reproduceEvasion({ quick: options.quick ?? false, outDir, progress });
  const notes = footnotes(result.rows.map((row) => row.note));
  printResult(io, options, { reproduction: 'evasion', quick: options.quick ?? false, ...result }, () =>
    [
      `Evasion on MNIST: white-box, decision-based and transfer (seed ${result.seed}${options.quick ? ', quick variant' : ''}); pixels in [0, 1]`,
      ...result.targets.map((target) => `target ${target.name}: trained on ${target.trainRows} rows, test accuracy ${pct(target.testAccuracy)}`),
      textTable(
        ['target', 'attack', 'budget', 'rows', 'success', 'accuracy under attack', 'median ‖Δ‖₂', 'median ‖Δ‖∞', 'queries/row', 's', ''],
        result.rows.map((row, i) => [row.target, row.attack, row.budget, String(row.rows), pct(row.successRate), pct(row.robustAccuracy), fixed(row.medianL2), fixed(row.medianLinf, 3), row.queries ? row.queries.toFixed(0) : '0', row.seconds.toFixed(1), notes.markers[i]]),
      ),
      ...notes.lines,
      'success: of the rows the model got right; ‖Δ‖ at success. Goals (the evasion issue, after Madry et al. 2018 and Carlini & Wagner 2017): PGD L∞ ε = 0.3 leaves < 1% right;',
      'C&W succeeds on every row with a median ‖Δ‖₂ ≤ 1.5–2.0 (C&W report a mean of 1.76 for their average-case targeted attack on MNIST, untargeted is smaller);',
      'HopSkipJump within 1.5× of C&W\'s median at ≤ 5,000 queries a row; transfer fools most rows for fewer queries than HopSkipJump.',
      '',
      `Good words against spam filters (Lowd & Meek 2005: about ${LOWD_MEEK.passive} passive and ${LOWD_MEEK.active} active words get half the spam through naive Bayes); mail split 50/25/25: the filter's, the attacker's, the test mail`,
      textTable(
        ['corpus', 'filter', 'test acc', 'word list', 'spam caught', 'median words', 'through ≤ 30', 'through ≤ 150', 'queries', 'first words'],
        result.spam.map((row) => [row.corpus, row.filter, pct(row.testAccuracy), row.list, String(row.caught), Number.isFinite(row.medianWords) ? String(row.medianWords) : '> 300', pct(row.throughAt30), pct(row.throughAt150), String(row.queries), row.firstWords.join(' ')]),
      ),
      ...(result.files.length ? [`figures: ${result.files.join(', ')}`] : []),
    ].join('\n'),
  );
  return result.rows;
}
