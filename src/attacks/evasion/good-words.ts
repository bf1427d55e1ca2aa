/**
 * Good-word attacks on spam filters (Lowd & Meek, "Good word attacks on statistical spam
 * filters", CEAS 2005; Graham-Cumming 2004): append words that the filter takes for ham to a spam
 * message until it gets through. On a bag of words, appending word j adds 1 to its count.
 * - Passive: word lists chosen with no query — the attacker's most frequent ham words, or words
 *   frequent in its ham and rare in its spam (Lowd & Meek's "frequent ham" list, and the
 *   "frequent in the language but rare in spam" idea on the attacker's own mail).
 * - Active ("first-N", label-only): build a barely-spam message by adding a ham message's words
 *   to a spam message until one more would flip it, then query that message plus each candidate
 *   word; every word that flips it to ham is a good word. Then "best-N": find one spam word (one
 *   that flips the barely-ham message next to it back to spam) and rank each good word by how
 *   many copies of that spam word it can still outweigh (a binary search of label queries), so
 *   the strongest come first. Queries counted and billed.
 * Scored by the number of words a spam needs to get through (the first k of the list), its
 * median over the spam the filter catches, and the share through at 30 and 150 words.
 */

import type { ClassificationDataset } from '../../data/dataset.ts';
import { columnNames } from '../../data/schema.ts';
import { ValidationError } from '../../errors.ts';
import { createMatrix, rowView, type Matrix } from '../../math/matrix.ts';
import { median } from '../../metrics/evasion.ts';
import type { Classifier } from '../../models/types.ts';
import { labelsOf } from '../extraction/answers.ts';
import type { Attack } from '../types.ts';

/** Column indices of words, best first. */
export type WordList = number[];

/** Messages (rows) that contain word j, per class. */
function documentFrequencies(data: ClassificationDataset, label: number): { counts: Float64Array; messages: number } {
  const counts = new Float64Array(data.features.cols);
  let messages = 0;
  for (let i = 0; i < data.features.rows; i++) {
    if (data.labels[i] !== label) continue;
    messages++;
    for (let j = 0; j < data.features.cols; j++) if (data.features.data[i * data.features.cols + j] > 0) counts[j]++;
  }
  return { counts, messages };
}

/** The class index of `name` (ham, spam), or a clear error. */
export function classIndex(data: { classes: readonly string[] }, name: string): number {
  const index = data.classes.indexOf(name);
  if (index < 0) throw new ValidationError('unknown class', [{ path: 'class', message: `"${name}"; the classes are ${data.classes.map((c) => `"${c}"`).join(', ')}` }]);
  return index;
}

/** Passive word lists from the attacker's own labelled mail (no query to the filter). */
export function passiveWordLists(attacker: ClassificationDataset, ham: number, spam: number): { frequentHam: WordList; hamNotSpam: WordList } {
  const hamDf = documentFrequencies(attacker, ham);
  const spamDf = documentFrequencies(attacker, spam);
  const words = Array.from({ length: attacker.features.cols }, (_, j) => j);
  const frequentHam = words.filter((j) => hamDf.counts[j] > 0).sort((a, b) => hamDf.counts[b] - hamDf.counts[a] || a - b);
  // Log-odds of appearing in ham over spam (add-one), among words in at least 1% of ham.
  const odds = (j: number) => Math.log((hamDf.counts[j] + 1) / (hamDf.messages + 2)) - Math.log((spamDf.counts[j] + 1) / (spamDf.messages + 2));
  const hamNotSpam = words.filter((j) => hamDf.counts[j] >= Math.max(2, 0.01 * hamDf.messages)).sort((a, b) => odds(b) - odds(a) || a - b);
  return { frequentHam, hamNotSpam };
}

/** For each message: how many of the list's first words it needs to be labelled ham (Infinity past `maxWords`). */
export function wordsNeeded(filter: Classifier, messages: Matrix, words: WordList, ham: number, maxWords: number): number[] {
  const limit = Math.min(maxWords, words.length);
  return Array.from({ length: messages.rows }, (_, i) => {
    const variants = createMatrix(limit + 1, messages.cols);
    const row = rowView(messages, i);
    for (let k = 0; k <= limit; k++) {
      const variant = rowView(variants, k);
      variant.set(row);
      for (let w = 0; w < k; w++) variant[words[w]] += 1;
    }
    const labels = filter.predict(variants);
    const first = labels.findIndex((label) => label === ham);
    return first < 0 ? Infinity : first;
  });
}

/** The score of a word list on the spam a filter catches. */
export interface GoodWordScore {
  /** Spam messages the filter labels spam (the ones attacked). */
  caught: number;
  /** Median words appended to get a caught spam through (Infinity if half never do within the limit). */
  medianWords: number;
  /** Share of caught spam through with at most 30 and 150 words. */
  throughAt30: number;
  throughAt150: number;
}

/** Scores `words` against the spam among `messages` that `filter` catches. */
export function scoreWordList(filter: Classifier, messages: Matrix, words: WordList, ham: number, spam: number, maxWords = 300): GoodWordScore {
  const caughtRows = Array.from(filter.predict(messages)).flatMap((label, i) => (label === spam ? [i] : []));
  const caught = createMatrix(caughtRows.length, messages.cols);
  caughtRows.forEach((i, k) => rowView(caught, k).set(rowView(messages, i)));
  const needed = wordsNeeded(filter, caught, words, ham, maxWords);
  const through = (k: number) => needed.filter((n) => n <= k).length / Math.max(1, needed.length);
  return { caught: caughtRows.length, medianWords: median(needed), throughAt30: through(30), throughAt150: through(150) };
}

/** Active first-N parameters. */
export const ACTIVE_GOOD_WORDS_PARAMS = {
  goodWords: { type: 'number', default: 300, min: 1, integer: true, doc: 'stop after finding this many good words' },
  rank: { type: 'boolean', default: true, doc: 'best-N: rank the good words by strength with more label queries (false: first-N, in the order found)' },
  maxCopies: { type: 'number', default: 64, min: 1, integer: true, doc: 'ranking: copies of the spam word searched up to' },
  batch: { type: 'number', default: 100, min: 1, integer: true, doc: 'candidate words tested per request' },
} as const;

/** What the active attack finds. */
export interface ActiveGoodWordsOutcome {
  /** Good words in the order found (column indices) and as text. */
  words: WordList;
  text: string[];
  /** Queries spent building the barely-spam message, testing candidates, and ranking. */
  boundaryQueries: number;
  candidatesTested: number;
  rankingQueries: number;
  /** Ranking: each word's strength (copies of the spam word it outweighs), in the words' order. */
  strength?: number[];
}

/**
 * Lowd & Meek's active attack through the filter's labels: first-N good words, ranked as best-N (`rank`). `attacker` is the
 * attacker's own mail; `candidates` the words to test, in order (by default its frequent ham
 * words, then the rest of the vocabulary).
 */
export function activeGoodWords(attacker: ClassificationDataset, hamName = 'ham', spamName = 'spam', candidates?: WordList): Attack<typeof ACTIVE_GOOD_WORDS_PARAMS, ActiveGoodWordsOutcome> {
  return {
    name: 'good-words-active',
    family: 'evasion',
    needs: ['label', 'scores', 'top-k', 'leaf'],
    reference: 'Lowd & Meek, "Good word attacks on statistical spam filters", CEAS 2005 (first-N, ranked as best-N)',
    params: ACTIVE_GOOD_WORDS_PARAMS,
    async run({ oracle, progress }, params) {
      const ham = classIndex(oracle.info, hamName);
      const spam = classIndex(oracle.info, spamName);
      if (attacker.features.cols !== oracle.info.inputSize) throw new ValidationError('mail does not fit the filter', [{ path: 'attacker', message: `${attacker.features.cols} word columns, the filter takes ${oracle.info.inputSize}` }]);
      const names = columnNames(oracle.info.schema);
      const ordered = candidates ?? orderedCandidates(attacker, ham, spam);
      let queries = 0;
      const label = async (rows: Matrix) => {
        queries += rows.rows;
        return labelsOf(await oracle.query(rows));
      };
      const boundary = await barelySpam(attacker, label, ham, spam);
      const boundaryQueries = queries;
      const words: WordList = [];
      let tested = 0;
      progress.start('candidate words', ordered.length);
      for (let start = 0; start < ordered.length && words.length < params.goodWords; start += params.batch) {
        const batch = ordered.slice(start, start + params.batch);
        const rows = createMatrix(batch.length, boundary.length);
        batch.forEach((word, k) => {
          rowView(rows, k).set(boundary);
          rows.data[k * boundary.length + word] += 1;
        });
        const labels = await label(rows);
        for (let k = 0; k < batch.length && words.length < params.goodWords; k++) {
          tested++;
          if (labels[k] === ham) words.push(batch[k]);
        }
        progress.tick(batch.length);
      }
      progress.done();
      const before = queries;
      let strength: number[] | undefined;
      if (params.rank && words.length > 1) {
        const ranked = await rankByStrength(boundary, words, ordered, label, ham, spam, params.maxCopies);
        if (ranked) {
          const order = words.map((_, k) => k).sort((a, b) => ranked[b] - ranked[a] || a - b);
          words.splice(0, words.length, ...order.map((k) => words[k]));
          strength = order.map((k) => ranked[k]);
        }
      }
      return { words, text: words.map((j) => names[j]), boundaryQueries, candidatesTested: tested, rankingQueries: queries - before, ...(strength ? { strength } : {}) };
    },
  };
}

/**
 * Strength of each good word: the most copies t of one spam word such that the barely-spam
 * message plus t spam words plus the good word is still ham (binary search per word, all words'
 * probes at one step in one request). Undefined when no spam word is found among the candidates.
 */
async function rankByStrength(boundary: Float64Array, words: WordList, candidates: WordList, label: (rows: Matrix) => Promise<Int32Array>, ham: number, spam: number, maxCopies: number): Promise<number[] | undefined> {
  const d = boundary.length;
  const withWords = (pairs: { base: Float64Array; add: [number, number][] }[]) => {
    const rows = createMatrix(pairs.length, d);
    pairs.forEach(({ base, add }, k) => {
      rowView(rows, k).set(base);
      for (const [word, copies] of add) rows.data[k * d + word] += copies;
    });
    return rows;
  };
  // A spam word: one that, added to the strongest good word's ham message, makes it spam again.
  const barelyHam = boundary.slice();
  barelyHam[words[0]] += 1;
  const good = new Set(words);
  const pool = candidates.filter((j) => !good.has(j)).reverse();
  let spamWord = -1;
  for (let start = 0; start < pool.length && spamWord < 0; start += 200) {
    const batch = pool.slice(start, start + 200);
    const labels = await label(withWords(batch.map((word) => ({ base: barelyHam, add: [[word, 1]] }))));
    const found = labels.findIndex((l) => l === spam);
    if (found >= 0) spamWord = batch[found];
  }
  if (spamWord < 0) return undefined;
  // Binary search per word of the largest t in [0, maxCopies] with boundary + t·spam + word labelled ham.
  const low = new Array<number>(words.length).fill(0);
  const high = new Array<number>(words.length).fill(maxCopies + 1);
  while (low.some((l, k) => high[k] - l > 1)) {
    const open = words.map((_, k) => k).filter((k) => high[k] - low[k] > 1);
    const middles = open.map((k) => Math.floor((low[k] + high[k]) / 2));
    const labels = await label(withWords(open.map((k, m) => ({ base: boundary, add: [[spamWord, middles[m]], [words[k], 1]] }))));
    open.forEach((k, m) => {
      if (labels[m] === ham) low[k] = middles[m];
      else high[k] = middles[m];
    });
  }
  return low;
}

/** The attacker's frequent ham words first, then the rest of the vocabulary in column order. */
function orderedCandidates(attacker: ClassificationDataset, ham: number, spam: number): WordList {
  const { frequentHam } = passiveWordLists(attacker, ham, spam);
  const seen = new Set(frequentHam);
  return [...frequentHam, ...Array.from({ length: attacker.features.cols }, (_, j) => j).filter((j) => !seen.has(j))];
}

/**
 * A message one word short of ham: a spam message of the attacker's, with a ham message's words
 * added one at a time until the next would make it ham (Lowd & Meek's boundary message).
 */
async function barelySpam(attacker: ClassificationDataset, label: (rows: Matrix) => Promise<Int32Array>, ham: number, spam: number): Promise<Float64Array> {
  const labels = await label(attacker.features.rows > 200 ? firstRows(attacker.features, 200) : attacker.features);
  const spams = Array.from(labels).flatMap((l, i) => (l === spam ? [i] : []));
  const hams = Array.from(labels).flatMap((l, i) => (l === ham ? [i] : []));
  for (const s of spams.slice(0, 5)) {
    for (const h of hams.slice(0, 5)) {
      const message = rowView(attacker.features, s).slice();
      const hamRow = rowView(attacker.features, h);
      const steps: Float64Array[] = [];
      for (let j = 0; j < hamRow.length; j++) {
        for (let c = 0; c < hamRow[j]; c++) {
          message[j] += 1;
          steps.push(message.slice());
        }
      }
      if (steps.length === 0) continue;
      const stepLabels = await label(createMatrix(steps.length, message.length, Float64Array.from(steps.flatMap((row) => Array.from(row)))));
      const flip = stepLabels.findIndex((l) => l === ham);
      if (flip > 0) return steps[flip - 1];
      if (flip === 0) return rowView(attacker.features, s).slice();
    }
  }
  throw new ValidationError('no boundary message', [{ path: 'attacker', message: 'no pair of the attacker\'s spam and ham messages crosses the filter\'s boundary when mixed; give more mail' }]);
}

function firstRows(matrix: Matrix, count: number): Matrix {
  return createMatrix(count, matrix.cols, matrix.data.slice(0, count * matrix.cols));
}
