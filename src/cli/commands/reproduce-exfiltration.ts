/** `threatlab reproduce exfiltration`: the malicious training table, the LSB sweep, the defences and the detector. */

import type { Progress } from '../../progress.ts';
import { reproduceExfiltration, SEED_FIGURES, type ExfiltrationReproduction } from '../../reproduce/exfiltration.ts';
import { printResult, textTable, type CliIo } from '../io.ts';
import type { ReproduceOptions } from './reproduce.ts';

/** The sweep's rows printed (--json has every b). */
const SWEEP_SHOWN = new Set([1, 4, 8, 12, 16, 20]);
const pct = (value: number) => `${(100 * value).toFixed(2)}%`;
const points = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(100 * value).toFixed(2)}`;
const fixed = (value: number | undefined, digits = 1) => (value === undefined ? '—' : value.toFixed(digits));

/** The largest b whose LSB encoding cost under one point, per model. */
function largestCheapBits(result: ExfiltrationReproduction): string[] {
  const models = [...new Set(result.lsbSweep.map((row) => `${row.dataset} ${row.model}`))];
  return models.map((name) => {
    const rows = result.lsbSweep.filter((row) => `${row.dataset} ${row.model}` === name);
    const cheap = rows.filter((row) => row.loss < 0.01 && row.exact);
    const best = cheap.at(-1);
    return best ? `${name}: b=${best.bits} hides ${best.items} training images exactly for ${points(-best.loss)} points` : `${name}: every b swept cost a point or more`;
  });
}

/** Prints the reproduction. */
export async function exfiltration(io: CliIo, options: ReproduceOptions, progress: Progress, outDir: string): Promise<unknown> {
  const result = await reproduceExfiltration({ quick: options.quick ?? false, outDir, progress });
  const detector = result.detector;
  printResult(io, options, { reproduction: 'exfiltration', quick: options.quick ?? false, ...result }, () =>
    [
      `Song, Ristenpart and Shmatikov 2017, malicious training — ours (seed ${result.seed}${options.quick ? ', quick variant' : ''})`,
      `the seed's figures (${SEED_FIGURES.reference}): benign ${pct(SEED_FIGURES.benign)}, capacity abuse with 110k synthetic images ${pct(SEED_FIGURES.with110k)} (${points(SEED_FIGURES.with110k - SEED_FIGURES.benign)} points), with 170k ${pct(SEED_FIGURES.with170k)} (${points(SEED_FIGURES.with170k - SEED_FIGURES.benign)}). FaceScrub and the ResNet are not here: AT&T faces and Fashion-MNIST on small networks instead.`,
      textTable(
        ['data set', 'model', 'attack', 'setting', 'benign', 'malicious', 'Δ pts', 'images', 'MAPE', 'cos', 'SSIM', 'bits', 'known', 'benign MAPE', 'queries', 's'],
        result.rows.map((row) => [
          row.dataset,
          row.model,
          row.attack,
          row.setting + (row.syntheticRows ? `, +${row.syntheticRows} rows` : ''),
          pct(row.benignTest),
          pct(row.maliciousTest),
          points(row.maliciousTest - row.benignTest),
          `${row.items}${row.image ? ` ${row.image.width}×${row.image.height}` : ''}`,
          fixed(row.mape) + (row.floor !== undefined ? ` (floor ${fixed(row.floor)}, ${pct(row.syntheticAccuracy ?? 0)} held)` : ''),
          fixed(row.cosine, 3),
          fixed(row.ssim, 3),
          pct(row.bits),
          row.identified !== undefined ? `${row.identified}/${row.items}` : '—',
          fixed(row.benignMape),
          String(row.queries),
          `${fixed(row.benignSeconds)}/${fixed(row.maliciousSeconds)}`,
        ]),
      ),
      'benign, malicious: test accuracy of the model trained by the benign and the malicious algorithm (same split, seed, settings); MAPE: mean absolute pixel error of the decoded images on 0–255 (floor: 4-bit quantisation alone; held: synthetic labels the model memorised); known: decoded faces a nearest-neighbour identifier on unseen photos names correctly; bits: share of the secret bits decoded right; benign MAPE: the same decoder on the benign model; queries: label-only, each paid; s: benign/malicious training seconds',
      'LSB sweep (b low bits of every float32 parameter; deflate; b = 1, 4, 8, 12, 16, 20 shown, every b under --json; the rest of the table uses b=16):',
      ...largestCheapBits(result).map((line) => `  ${line}`),
      textTable(['model', 'b', 'images', 'test', 'Δ pts', 'exact'], result.lsbSweep.filter((row) => SWEEP_SHOWN.has(row.bits)).map((row) => [`${row.dataset} ${row.model}`, String(row.bits), String(row.items), pct(row.test), points(-row.loss), row.exact ? 'yes' : 'no'])),
      'defences (what the data owner can do to a model it did not train itself):',
      textTable(
        ['model', 'attack', 'defence', 'test before', 'test after', 'MAPE before', 'MAPE after'],
        result.defences.map((row) => [`${row.dataset} ${row.model}`, row.attack, row.defence, pct(row.before), pct(row.test), fixed(row.mapeBefore), row.mape === undefined ? 'nothing decodes' : fixed(row.mape)]),
      ),
      detector
        ? `detector from θ alone (largest lag-1 value / lag-8 sign autocorrelation over windows of 4,096 weights > ${detector.threshold}): flags ${pct(detector.truePositiveRate)} of correlated-value and sign models, ${pct(detector.falsePositiveRate)} of ${detector.models.filter((m) => !m.malicious).length} benign models, ${pct(detector.lsbCapacityFlagged)} of LSB and capacity-abuse models (those leave θ's statistics alone: the detector cannot see them, and does not claim to)`
        : '',
      detector ? textTable(['model', 'value acf', 'sign acf', 'flagged'], detector.models.map((m) => [m.label, fixed(m.value, 3), fixed(m.sign, 3), m.flagged ? 'yes' : 'no'])) : '',
      ...result.skipped.map((line) => `skipped ${line}`),
      result.files.length ? `grids (each stolen image beside its decoding): ${result.files.join(', ')}` : '',
    ].join('\n'),
  );
  return result.rows;
}
