/**
 * The four malicious training attacks of Song et al. (CCS 2017) on small seeded networks over
 * MNIST digits, and LSB on a scikit-learn MLP: each hides training rows, the model still
 * validates, and the decoder reads the rows back (white-box, or label-only through an oracle).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { join } from 'node:path';
import { concatRows, subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { loadMnist } from '../../data/datasets/images.ts';
import { loadUserCsv } from '../../data/user-data.ts';
import { scoreSecret } from '../../metrics/exfiltration.ts';
import { score } from '../../metrics/score.ts';
import { MlpTrainer } from '../../models/neural/mlp.ts';
import { loadModelFile } from '../../models/registry.ts';
import type { Classifier } from '../../models/types.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { Rng } from '../../random.ts';
import { capacityRows } from './capacity-abuse.ts';
import { decodeThroughOracle, decodeWhiteBox } from './decode.ts';
import { encodeLsb, largestFitting } from './lsb.ts';
import { trainMalicious } from './malicious-training.ts';
import { bitsToValues, chooseSecret, dequantize, quantize, valuesToBits } from './secret.ts';
import { signAgreement } from './sign-encoding.ts';
import { weightCorrelation } from './correlated-value.ts';
import { parseExfiltrationKey } from './key.ts';

const mnist = loadMnist();
const order = new Rng(11).permutation(mnist.features.rows);
const train = subsetRows(mnist, order.subarray(0, 1200));
const held = subsetRows(mnist, order.subarray(1200, 2200));
const network = { hidden: '128', epochs: 15, standardize: false };

async function benignAndMalicious(attack: 'lsb' | 'correlation' | 'sign' | 'capacity', options: Record<string, unknown> = {}, params: Record<string, unknown> = network) {
  const benign = await new MlpTrainer(params).fit(train, new Rng(1));
  const malicious = await trainMalicious(new MlpTrainer(params), train, { fit: new Rng(1), secret: new Rng(2) }, { attack, ...options });
  return { benign, malicious, gap: score(benign, held) - score(malicious.model, held) };
}

test('bit codecs round-trip and the secret is the chosen training rows, 8-bit', () => {
  const values = Uint8Array.from([0, 1, 127, 128, 254, 255]);
  assert.deepEqual(bitsToValues(valuesToBits(values, 8), 8, values.length), values);
  assert.deepEqual(Array.from(dequantize(quantize(values, 4), 4)), [0, 0, 119, 136, 255, 255]);
  const secret = chooseSecret(train, 3, new Rng(4), { downscale: 2 });
  assert.deepEqual(secret.image, { width: 14, height: 14 });
  assert.equal(secret.values.length, 3 * 196);
  const full = chooseSecret(train, 1, new Rng(4));
  const row = full.rows[0];
  for (const k of [0, 300, 400, 783]) assert.equal(full.values[k], Math.round(train.features.data[row * 784 + k] * 255));
});

test('LSB: the model validates as the benign one and gives back its training images exactly, compressed and encrypted', async () => {
  const { benign, malicious, gap } = await benignAndMalicious('lsb', { bits: 12, passphrase: 'attacker', items: 40 });
  assert.ok(Math.abs(gap) < 0.005, `accuracy gap ${gap}`);
  assert.equal(malicious.secret.items, 40);
  const decoded = decodeWhiteBox(malicious.model, malicious.key);
  assert.deepEqual(decoded, malicious.secret.values);
  const predictions = [benign.predict(held.features), malicious.model.predict(held.features)];
  assert.ok(predictions[0].every((label, i) => label === predictions[1][i]), 'the low bits change no prediction');
  assert.throws(() => decodeWhiteBox(malicious.model, { ...malicious.key, passphrase: 'guess' } as typeof malicious.key), /no payload|do not inflate/);
  assert.throws(() => decodeWhiteBox(benign, malicious.key), /no payload|do not inflate/);
});

test('LSB on a scikit-learn MLP hides the user\'s member rows and reads them back exactly', () => {
  const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');
  const model = loadModelFile(join(fixtures, 'digits-mlp.json')) as Classifier;
  const members = loadUserCsv(join(fixtures, 'digits-members.csv'), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;
  const secret = chooseSecret(members, members.features.rows, new Rng(3));
  const encoded = encodeLsb(model, secret, { bits: 8, compress: true });
  assert.ok(encoded.items >= 90, `${encoded.items} members hidden`);
  const decoded = decodeWhiteBox(encoded.model, parseExfiltrationKey(JSON.parse(JSON.stringify(encoded.key)), 'key'));
  assert.deepEqual(decoded, secret.values.subarray(0, encoded.items * secret.valuesPerItem));
  const agree = model.predict(members.features).filter((label, i) => label === (encoded.model as Classifier).predict(members.features)[i]).length;
  assert.equal(agree, members.features.rows);
});

test('correlated-value encoding: weights correlate with the images and decode far better than a benign model\'s', async () => {
  const { benign, malicious, gap } = await benignAndMalicious('correlation', { lambda: 3 });
  assert.ok(gap < 0.01, `accuracy gap ${gap}`);
  assert.equal(malicious.secret.items, Math.floor((784 * 128 + 128 * 10) / 784 / 4));
  const rho = weightCorrelation(malicious.model, malicious.secret.values);
  assert.ok(rho > 0.9, `ρ ${rho}`);
  const ours = scoreSecret(decodeWhiteBox(malicious.model, malicious.key), malicious.secret.values, 784, malicious.secret.image);
  const baseline = scoreSecret(decodeWhiteBox(benign, malicious.key), malicious.secret.values, 784, malicious.secret.image);
  assert.ok(ours.mape < 25 && ours.mape < baseline.mape - 30 && ours.cosine > 0.9, `MAPE ${ours.mape} vs benign ${baseline.mape}; cosine ${ours.cosine}`);
});

test('sign encoding: signs agree with the secret bits, images back within a few grey levels', async () => {
  const { malicious, gap } = await benignAndMalicious('sign', { lambda: 500 });
  assert.ok(gap < 0.01, `accuracy gap ${gap}`);
  assert.equal(malicious.secret.items, Math.floor((784 * 128 + 128 * 10) / (784 * 8) / 4));
  assert.ok(signAgreement(malicious.model, malicious.secret.values) > 0.99);
  const scored = scoreSecret(decodeWhiteBox(malicious.model, malicious.key), malicious.secret.values, 784, malicious.secret.image);
  assert.ok(scored.mape < 3 && scored.cosine > 0.99, `MAPE ${scored.mape}, cosine ${scored.cosine}`);
});

test('capacity abuse: label-only queries read two training images back at the 4-bit floor, every query counted', async () => {
  const { malicious, gap } = await benignAndMalicious('capacity', { items: 2 }, { hidden: '64', epochs: 30, validationFraction: 0 });
  assert.ok(gap < 0.02, `accuracy gap ${gap}`);
  assert.equal(malicious.syntheticRows, Math.ceil((2 * 784 * 4) / 3));
  const record = await decodeThroughOracle(new LocalOracle(malicious.model, { kind: 'label-only' }), malicious.key as never, { seed: 1 });
  assert.equal(record.status, 'completed');
  assert.equal(record.queries, malicious.syntheticRows);
  const floor = scoreSecret(dequantize(quantize(malicious.secret.values, 4), 4), malicious.secret.values, 784).mape;
  const scored = scoreSecret(record.outcome!.values, malicious.secret.values, 784, malicious.secret.image);
  assert.ok(scored.mape <= floor + 3, `MAPE ${scored.mape}, 4-bit floor ${floor}`);
  assert.throws(() => decodeWhiteBox(malicious.model, malicious.key), /querying the model/);
});

test('capacity abuse lays the synthetic rows behind a copy of the training rows: the same rows, joined without a copy', () => {
  const secret = chooseSecret(train, 2, new Rng(2));
  const options = { seed: 2017, levelBits: 4 };
  const apart = capacityRows(train, secret, options);
  const behind = capacityRows(train, secret, { ...options, behindData: true });
  assert.equal(apart.base, undefined);
  assert.deepEqual(behind.rows.features.data, apart.rows.features.data);
  assert.deepEqual(behind.rows.labels, apart.rows.labels);
  assert.deepEqual(behind.base!.features.data, train.features.data);
  assert.deepEqual(behind.base!.labels, train.labels);
  const joined = concatRows(behind.base!, behind.rows);
  assert.equal(joined.features.data.buffer, behind.rows.features.data.buffer, 'joined in place');
  assert.equal(joined.features.rows, train.features.rows + apart.key.rows);
  assert.deepEqual(joined.features.data, concatRows(train, apart.rows).features.data);
  assert.notEqual(concatRows(train, apart.rows).features.data.buffer, apart.rows.features.data.buffer, 'rows in two buffers are copied');
});

test('LSB\'s search for the items that fit gives bisection\'s answer for any growing payload', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 900 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 0, max: 200000 }), fc.integer({ min: 0, max: 50 }), (steps, room, header) => {
      const sizes = steps.reduce<number[]>((out, step) => [...out, out[out.length - 1] + step], [header]);
      const most = sizes.length - 1;
      let calls = 0;
      const found = largestFitting(most, room, (k) => (calls++, sizes[k]));
      let [low, high] = [0, most];
      while (low < high) {
        const middle = Math.ceil((low + high) / 2);
        if (sizes[middle] <= room) low = middle;
        else high = middle - 1;
      }
      assert.equal(found, sizes[0] > room ? 0 : low);
      assert.ok(calls <= 4 * Math.ceil(Math.log2(most + 2)) + 4, `${calls} calls for ${most} items`);
    }),
    { numRuns: 300, seed: 4 },
  );
});

