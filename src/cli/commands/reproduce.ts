/** `threatlab reproduce NAME`: a paper's results on the paper's data, ours beside theirs. */

import { ValidationError } from '../../errors.ts';
import type { Progress } from '../../progress.ts';
import { REPRODUCTION_SEED, reproduceExtraction, type ReproductionRow } from '../../reproduce/extraction.ts';
import { printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';

/** Options of `reproduce`. */
export interface ReproduceOptions extends CommonOptions {
  quick?: boolean;
}

const REPRODUCTIONS: Record<string, (options: { quick: boolean; progress: Progress }) => Promise<ReproductionRow[]>> = {
  extraction: reproduceExtraction,
};

function percent(value: number | string | undefined): string {
  if (value === undefined) return '—';
  return typeof value === 'number' ? `${(100 * value).toFixed(2)}%` : value;
}

/** Runs the command. */
export async function runReproduce(io: CliIo, name: string, options: ReproduceOptions, progress: Progress): Promise<ReproductionRow[]> {
  const reproduce = REPRODUCTIONS[name];
  if (!reproduce) throw new ValidationError('unknown reproduction', [{ path: 'name', message: `"${name}"; known: ${Object.keys(REPRODUCTIONS).join(', ')}` }]);
  const rows = await reproduce({ quick: options.quick ?? false, progress });
  printResult(io, options, { reproduction: name, seed: REPRODUCTION_SEED, quick: options.quick ?? false, rows }, () =>
    [
      `Tramèr et al. 2016, model extraction — ours beside the paper's (seed ${REPRODUCTION_SEED}${options.quick ? ', quick variant' : ''})`,
      textTable(
        ['row', 'paper queries', 'paper 1-R_test', 'paper 1-R_unif', 'our queries', 'our 1-R_test', 'our 1-R_unif', 'our max |Δp|', 's', 'note'],
        rows.map((row) => [
          row.name,
          String(row.paper.queries ?? '—'),
          percent(row.paper.fidelityTest ?? row.paper.fidelity),
          percent(row.paper.fidelityUniform),
          row.ours ? String(row.ours.queries) : '—',
          row.ours ? percent(row.ours.fidelityTest) : '—',
          row.ours ? percent(row.ours.fidelityUniform) : '—',
          row.ours ? row.ours.maxProbabilityGap.toExponential(1) : '—',
          row.ours ? row.ours.seconds.toFixed(1) : '—',
          row.note ?? (typeof row.paper.note === 'string' ? row.paper.note : ''),
        ]),
      ),
    ].join('\n'),
  );
  return rows;
}
