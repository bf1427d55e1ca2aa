import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { testWithData } from '../../testing/shared-data.ts';
import { classCounts, missingCount, summarize, type ClassificationDataset } from '../dataset.ts';
import { columnNames } from '../schema.ts';
import { DATASETS, findDataset, loadDataset } from './registry.ts';
import { STEAK_SENSITIVE } from './steak.ts';
import { GSS_SENSITIVE } from './gss.ts';
import { loadSmsSpamCorpus } from './spam.ts';
import { loadWarfarinRawTable } from './warfarin.ts';

function loadClassification(name: string): ClassificationDataset {
  const dataset = loadDataset(name);
  assert.equal(dataset.task, 'classification');
  return dataset as ClassificationDataset;
}

describe('every registered data set has the paper\'s counts', () => {
  for (const entry of DATASETS) {
    if (entry.kind !== 'dataset') continue;
    testWithData(`${entry.name}: ${entry.expected.rows} rows × ${entry.expected.features} features`, [entry.name], () => {
      const summary = summarize(entry.load());
      assert.equal(summary.rows, entry.expected.rows);
      assert.equal(summary.features, entry.expected.features);
      assert.equal(summary.classes, entry.expected.classes);
    });
  }
});

testWithData('steak: class counts of the 331 complete rows and the sensitive feature', ['steak'], () => {
  const steak = loadClassification('steak');
  assert.deepEqual(steak.classes, ['Rare', 'Medium rare', 'Medium', 'Medium Well', 'Well']);
  assert.deepEqual(classCounts(steak), [18, 128, 109, 56, 20]);
  const cheated = steak.schema.features.find((feature) => feature.name === STEAK_SENSITIVE);
  assert.ok(cheated && cheated.kind === 'categorical');
  assert.deepEqual(cheated.levels, ['No', 'Yes']);
  const yesColumn = columnNames(steak.schema).indexOf(`${STEAK_SENSITIVE}=Yes`);
  let yes = 0;
  for (let i = 0; i < steak.features.rows; i++) yes += steak.features.data[i * steak.features.cols + yesColumn];
  assert.equal(yes, 57); // the README's count: 57 Yes / 274 No
});

testWithData('steak-eaters keeps missing answers as NaN for trees', ['steak-eaters'], () => {
  const eaters = loadClassification('steak-eaters');
  assert.ok(missingCount(eaters) > 0);
  assert.ok(eaters.schema.features.every((feature) => feature.kind === 'categorical' && feature.encoding === 'ordinal'));
});

testWithData('gss: the sensitive x-rated feature is a one-hot pair; gss-tree has numeric age', ['gss', 'gss-tree'], () => {
  const gss = loadClassification('gss');
  assert.deepEqual(gss.classes, ['NOT TOO HAPPY', 'PRETTY HAPPY', 'VERY HAPPY']);
  const names = columnNames(gss.schema);
  assert.ok(names.includes(`${GSS_SENSITIVE}=YES`) && names.includes(`${GSS_SENSITIVE}=NO`));
  const tree = loadClassification('gss-tree');
  const age = tree.schema.features.find((feature) => feature.name === 'age');
  assert.ok(age && age.kind === 'numeric' && age.min === 18 && age.max === 89);
});

testWithData('adult keeps "?" as a level', ['adult-income'], () => {
  const adult = loadClassification('adult-income');
  const workclass = adult.schema.features.find((feature) => feature.name === 'Workclass');
  assert.ok(workclass && workclass.kind === 'categorical' && workclass.levels.includes('?'));
  assert.deepEqual(classCounts(adult), [24720, 7841]);
});

testWithData('att-faces: pixels in [0, 1] and a seeded 7/3 split per subject', ['att-faces'], () => {
  const faces = loadClassification('att-faces');
  assert.deepEqual(faces.image, { width: 92, height: 112, channels: 1 });
  assert.ok(faces.features.data.every((value) => value >= 0 && value <= 1));
  const split = faces.split!;
  assert.equal(split.train.length, 280);
  assert.equal(split.test.length, 120);
  const perSubject = new Array(40).fill(0);
  for (const row of split.test) perSubject[faces.labels[row]]++;
  assert.ok(perSubject.every((count) => count === 3));
});

testWithData('sms-spam: 5,574 messages, 747 spam', ['sms-spam'], () => {
  const corpus = loadSmsSpamCorpus();
  assert.equal(corpus.texts.length, 5574);
  assert.equal(corpus.labels.reduce((sum, label) => sum + label, 0), 747);
});

testWithData('warfarin: genotypes one-hot; the raw table fixes the 19-Oct age band', ['warfarin', 'warfarin-raw'], () => {
  const warfarin = loadDataset('warfarin');
  assert.equal(warfarin.task, 'regression');
  const vkorc1 = warfarin.schema.features.find((feature) => feature.name === 'vkorc1');
  assert.ok(vkorc1 && vkorc1.kind === 'categorical');
  assert.deepEqual(vkorc1.levels, ['CC', 'CT', 'TT']);
  const cyp2c9 = warfarin.schema.features.find((feature) => feature.name === 'cyp2c9');
  assert.ok(cyp2c9 && cyp2c9.kind === 'categorical' && cyp2c9.levels.length === 6);
  const raw = loadWarfarinRawTable();
  assert.equal(raw.rows.length, 5700);
  assert.equal(raw.columns.length, 67);
  const age = raw.columns.indexOf('Age');
  assert.equal(raw.rows.filter((row) => row[age] === '19-Oct').length, 0);
  assert.equal(raw.rows.filter((row) => row[age] === '10 - 19').length, 14);
});

testWithData('fashion-mnist: the fixed 60,000 / 10,000 split, 7,000 per class', ['fashion-mnist'], () => {
  const fashion = loadClassification('fashion-mnist');
  assert.equal(fashion.split!.train.length, 60000);
  assert.equal(fashion.split!.test.length, 10000);
  assert.ok(classCounts(fashion).every((count) => count === 7000));
});

describe('registry', () => {
  testWithData('an unknown name lists the known ones', [], () => {
    assert.throws(() => findDataset('nope'), /unknown data set "nope"; known: mnist/);
  });
});
