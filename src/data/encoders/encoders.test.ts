import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasCode } from '../../errors.ts';
import { matrixFromRows } from '../../math/matrix.ts';
import { parseCsv } from '../loaders/csv.ts';
import { columnNames } from '../schema.ts';
import { fitOneHot, OTHER_LEVEL } from './one-hot.ts';
import { fitMinMaxScaler, fitStandardScaler } from './scaling.ts';
import { fitTableEncoder } from './table-encoder.ts';
import { encodeTableWithSchema } from './schema-encoder.ts';

test('one-hot learns sorted levels from training values and encodes them', () => {
  const colour = fitOneHot('colour', ['red', 'blue', undefined, 'red', 'green']);
  assert.deepEqual(colour.levels, ['blue', 'green', 'red']);
  const out = new Float64Array(5).fill(9);
  colour.encodeInto('green', out, 1);
  assert.deepEqual(Array.from(out), [9, 0, 1, 0, 9]);
});

test('an unseen category is an error with a code, or the explicit "other" level when asked', () => {
  const strict = fitOneHot('colour', ['red', 'blue']);
  assert.throws(() => strict.indexOf('purple'), (e) => hasCode(e, 'unknown-category') && /"colour".*"purple".*unknown: 'other'/.test(e.message));
  assert.throws(() => strict.indexOf(undefined), (e) => hasCode(e, 'missing-value'));
  const lenient = fitOneHot('colour', ['red', 'blue'], { unknown: 'other' });
  assert.deepEqual(lenient.levels, ['blue', 'red', OTHER_LEVEL]);
  assert.equal(lenient.indexOf('purple'), 2);
  assert.throws(() => fitOneHot('empty', [undefined]), (e) => hasCode(e, 'validation'));
});

test('standard scaling uses training statistics only and inverts exactly', () => {
  const train = matrixFromRows([[1, 10], [3, 10], [5, 10]]);
  const scaler = fitStandardScaler(train);
  const scaled = scaler.transform(train);
  const sd = Math.sqrt(8 / 3);
  assert.deepEqual(Array.from(scaled.data).map((v) => +v.toFixed(12)), [-2 / sd, 0, 0, 0, 2 / sd, 0].map((v) => +v.toFixed(12)));
  const test_ = scaler.transform(matrixFromRows([[7, 11]]));
  assert.ok(Math.abs(test_.data[0] - 4 / sd) < 1e-12);
  assert.equal(test_.data[1], 1); // constant training column: shifted, not divided by zero
  assert.deepEqual(Array.from(scaler.inverse(scaled).data), Array.from(train.data));
  assert.throws(() => scaler.transform(matrixFromRows([[1, 2, 3]])), (e) => hasCode(e, 'validation'));
  assert.throws(() => fitStandardScaler(matrixFromRows([])), (e) => hasCode(e, 'validation'));
});

test('min-max scaling maps the training range onto the target range', () => {
  const scaler = fitMinMaxScaler(matrixFromRows([[0, -2], [10, 2]]), [-1, 1]);
  assert.deepEqual(Array.from(scaler.transform(matrixFromRows([[5, 0], [10, 2]])).data), [0, 0, 1, 1]);
  assert.throws(() => fitMinMaxScaler(matrixFromRows([[1]]), [1, 0]), (e) => hasCode(e, 'validation'));
});

const survey = parseCsv('age,colour,size,label\n30,red,S,yes\n40,blue,,no\n50,red,M,yes\n', 'survey.csv');

test('a table becomes numeric, one-hot and ordinal columns with a schema', () => {
  const encoder = fitTableEncoder(survey, { target: 'label', columns: { size: 'ordinal' } });
  const dataset = encoder.transform(survey, 'survey');
  assert.equal(dataset.task, 'classification');
  assert.deepEqual(columnNames(dataset.schema), ['age', 'colour=blue', 'colour=red', 'size']);
  const rows = Array.from({ length: 3 }, (_, i) => Array.from(dataset.features.data.subarray(4 * i, 4 * i + 4)));
  assert.deepEqual(rows, [[30, 0, 1, 1], [40, 1, 0, NaN], [50, 0, 1, 0]]); // size levels sorted: M, S
  assert.deepEqual(encoder.classes, ['no', 'yes']);
  if (dataset.task === 'classification') assert.deepEqual(Array.from(dataset.labels), [1, 0, 1]);
  const age = dataset.schema.features[0];
  assert.ok(age.kind === 'numeric' && age.min === 30 && age.max === 50);
});

test('transform-time errors name the file and line: unknown category, bad number, missing one-hot value', () => {
  const encoder = fitTableEncoder(survey, { target: 'label', columns: { size: 'ordinal' } });
  const unseen = parseCsv('age,colour,size,label\n30,green,S,yes\n', 'new.csv');
  assert.throws(() => encoder.transform(unseen, 'new'), (e) => hasCode(e, 'unknown-category') && /new\.csv:2/.test(e.message));
  const text = parseCsv('age,colour,size,label\nold,red,S,yes\n', 'bad.csv');
  assert.throws(() => encoder.transform(text, 'bad'), (e) => hasCode(e, 'parse-error') && /bad\.csv:2.*"age"/.test(e.message));
  const gap = parseCsv('age,colour,size,label\n30,,S,yes\n', 'gap.csv');
  assert.throws(() => encoder.transform(gap, 'gap'), (e) => hasCode(e, 'missing-value') && /gap\.csv:2/.test(e.message));
  const newClass = parseCsv('age,colour,size,label\n30,red,S,maybe\n', 'cls.csv');
  assert.throws(() => encoder.transform(newClass, 'cls'), (e) => hasCode(e, 'unknown-category') && /"maybe"/.test(e.message));
  assert.throws(() => fitTableEncoder(survey, { target: 'nope' }), (e) => hasCode(e, 'not-found') && /"nope"/.test(e.message));
});

test('regression targets are parsed as numbers', () => {
  const table = parseCsv('x,y\n1,2.5\n2,3.5\n', 'r.csv');
  const dataset = fitTableEncoder(table, { target: 'y', task: 'regression' }).transform(table, 'r');
  assert.ok(dataset.task === 'regression');
  assert.deepEqual(Array.from(dataset.targets), [2.5, 3.5]);
});

test('rebuilding a split, a category the model never saw takes its "(other)" level as held-out rows did in training; otherwise it is an error', () => {
  const schema = { features: [{ kind: 'categorical' as const, name: 'work', levels: ['private', 'state', OTHER_LEVEL], encoding: 'one-hot' as const }] };
  const table = { source: 'rows.csv', columns: ['work'], rows: [['state'], ['without-pay']], lines: [2, 3] };
  assert.deepEqual([...encodeTableWithSchema(schema, table, { unseenAsOther: true }).data], [0, 1, 0, 0, 0, 1]);
  assert.throws(() => encodeTableWithSchema(schema, table), (e) => hasCode(e, 'unknown-category'), "a user's own rows keep the error");
  const strict = { features: [{ ...schema.features[0], levels: ['private', 'state'] }] };
  assert.throws(() => encodeTableWithSchema(strict, table, { unseenAsOther: true }), (e) => hasCode(e, 'unknown-category') && /rows\.csv:3: "work" is "without-pay"/.test(e.message));
});
