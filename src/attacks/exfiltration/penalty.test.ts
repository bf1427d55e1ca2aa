/**
 * The loss terms of correlated-value and sign encoding (Song et al., CCS 2017) as the native engine
 * computes them — on the weights' values, gradient written out — against tfjs's automatic
 * differentiation of the same terms as tensors; and a network trained with each term on the
 * native engine against one trained on tfjs.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf } from '../../backend/tf.ts';
import { initBackend } from '../../backend/setup.ts';
import { join } from 'node:path';
import { subsetRows, type ClassificationDataset } from '../../data/dataset.ts';
import { loadUserCsv } from '../../data/user-data.ts';
import { scoreSecret } from '../../metrics/exfiltration.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { loadMnist } from '../../data/datasets/images.ts';
import { MlpTrainer } from '../../models/neural/mlp.ts';
import { CnnTrainer } from '../../models/neural/cnn.ts';
import { nativeEngineFits } from '../../models/neural/native/native-stepper.ts';
import { Rng } from '../../random.ts';
import { correlationPenalty, leadingValues, weightCorrelation } from './correlated-value.ts';
import { decodeThroughOracle, decodeWhiteBox } from './decode.ts';
import { trainMalicious } from './malicious-training.ts';
import { signAgreement, signPenalty } from './sign-encoding.ts';

/** Two weight tensors (the secret spans both), their values and tfjs's value and gradient of `term`. */
function bothWays(term: ReturnType<typeof correlationPenalty>['penalty'], seed: number) {
  const rng = new Rng(seed);
  const values = [Float32Array.from({ length: 30 * 8 }, () => rng.normal() * 0.1 + 0.01), Float32Array.from({ length: 8 * 3 }, () => rng.normal() * 0.1)];
  const variables = [tf.variable(tf.tensor2d(values[0], [30, 8])), tf.variable(tf.tensor2d(values[1], [8, 3]))];
  const { value, grads } = tf.variableGrads(() => term.tensor(variables), variables);
  const expected = { value: value.dataSync()[0], gradients: variables.map((v) => grads[v.name].dataSync() as Float32Array) };
  tf.dispose([value, ...Object.values(grads), ...variables]);
  const gradients = values.map((v) => new Float32Array(v.length).fill(0.5));
  const ours = { value: term.values!(values, gradients), valueAlone: term.values!(values), gradients: gradients.map((g) => g.map((x) => x - 0.5)) };
  return { expected, ours };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, what);
  const scale = Math.max(...Array.from(expected, Math.abs));
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance * scale, `${what}[${i}]: ${actual[i]} against tfjs ${expected[i]}`);
}

test('the penalties on the values give tfjs\'s loss and gradient, the secret spanning two tensors', async () => {
  await initBackend();
  const rng = new Rng(3);
  const secret = Uint8Array.from({ length: 250 }, () => rng.int(256));
  for (const [name, made] of [['correlation', correlationPenalty(secret, 3)], ['sign', signPenalty(secret.subarray(0, 31), 500)]] as const) {
    const { expected, ours } = bothWays(made.penalty, 7);
    assert.ok(Math.abs(ours.value - expected.value) <= 1e-5 * Math.abs(expected.value), `${name}: ${ours.value} against tfjs ${expected.value}`);
    assert.ok(Math.abs(ours.valueAlone - ours.value) <= 1e-12 * Math.abs(ours.value), `${name}: the value without gradients`);
    // The gradient is added into what is there (0.5 here), not written over it.
    assertClose(ours.gradients[0], expected.gradients[0], 1e-4, `${name} ∂/∂w0`);
    assertClose(ours.gradients[1], expected.gradients[1], 1e-4, `${name} ∂/∂w1`);
    // 250 values reach 10 of w1's 24 (correlation), 248 bits 8 (sign): the rest have no gradient.
    const touched = name === 'correlation' ? 10 : 8;
    assert.ok(expected.gradients[1].subarray(touched).every((g) => g === 0) && ours.gradients[1].subarray(touched).every((g) => g === 0), `${name}: weights past the secret untouched`);
    made.dispose();
  }
  assert.throws(() => leadingValues([new Float32Array(4)], 5), /has 4 weights; the loss term needs 5/);
  // Both terms give their values, so the native engine trains with them.
  const objective = { kind: 'classification', labels: new Int32Array(1), classes: 2 } as const;
  const loop = { optimizer: 'adam', learningRate: 0.001, batchSize: 1, epochs: 1, l2: 0, patience: 0, rng } as const;
  assert.ok(nativeEngineFits(objective, { ...loop, penalty: correlationPenalty(secret, 3).penalty }));
  assert.ok(!nativeEngineFits(objective, { ...loop, penalty: { tensor: () => tf.scalar(0) } }), 'a term without values trains on tfjs');
});

for (const network of ['MLP', 'CNN'] as const) {
test(`malicious training of ${network === 'MLP' ? 'an MLP' : 'a CNN (its kernels and dense weights under the term)'} on the native engine hides the secret as the tfjs engine does`, async () => {
  const mnist = loadMnist();
  const train = subsetRows(mnist, new Rng(11).permutation(mnist.features.rows).subarray(0, 600));
  const trainer = () => (network === 'MLP' ? new MlpTrainer({ hidden: '64', epochs: 20, standardize: false }) : new CnnTrainer({ epochs: 20 }));
  for (const [attack, lambda] of [['correlation', 3], ['sign', 500]] as const) {
    const runs = [];
    for (const engine of ['auto', 'tfjs'] as const) {
      const previous = process.env.THREATLAB_TRAINING_ENGINE;
      process.env.THREATLAB_TRAINING_ENGINE = engine;
      try {
        runs.push(await trainMalicious(trainer(), train, { fit: new Rng(1), secret: new Rng(2) }, { attack, lambda }));
      } finally {
        if (previous === undefined) delete process.env.THREATLAB_TRAINING_ENGINE;
        else process.env.THREATLAB_TRAINING_ENGINE = previous;
      }
    }
    const [native, tfjs] = runs;
    assert.deepEqual(native.secret.rows, tfjs.secret.rows);
    const measure = (run: typeof native) => (attack === 'correlation' ? weightCorrelation(run.model, run.secret.values) : signAgreement(run.model, run.secret.values));
    const [ours, theirs] = [measure(native), measure(tfjs)];
    assert.ok(Math.abs(ours - theirs) < 0.01 && ours > (network === 'MLP' ? (attack === 'correlation' ? 0.85 : 0.99) : attack === 'correlation' ? 0.75 : 0.98), `${network}, ${attack}: native ${ours}, tfjs ${theirs}`);
  }
});
}

test('on a user\'s CSV (scikit-learn\'s digits): the native engine\'s loss terms hide its rows, and capacity abuse\'s rows laid behind them read back far better than from the benign model', async () => {
  const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'sklearn');
  const members = loadUserCsv(join(fixtures, 'digits-members.csv'), { target: 'label', task: 'classification', testFraction: 0, rng: new Rng(1), categorical: 'one-hot' }).train as ClassificationDataset;
  const params = { hidden: '64', epochs: 60, standardize: false, validationFraction: 0 };
  const benign = await new MlpTrainer(params).fit(members, new Rng(1));
  const correlation = await trainMalicious(new MlpTrainer(params), members, { fit: new Rng(1), secret: new Rng(2) }, { attack: 'correlation', lambda: 3 });
  assert.equal(correlation.secret.items, Math.floor((64 * 64 + 64 * 10) / 64 / 4));
  const rho = weightCorrelation(correlation.model, correlation.secret.values);
  const decoded = scoreSecret(decodeWhiteBox(correlation.model, correlation.key), correlation.secret.values, 64);
  const fromBenign = scoreSecret(decodeWhiteBox(benign, correlation.key), correlation.secret.values, 64);
  assert.ok(rho > 0.8 && decoded.mape < fromBenign.mape - 20, `ρ ${rho}; MAPE ${decoded.mape} against the benign model's ${fromBenign.mape}`);
  const sign = await trainMalicious(new MlpTrainer(params), members, { fit: new Rng(1), secret: new Rng(2) }, { attack: 'sign', lambda: 500 });
  assert.ok(signAgreement(sign.model, sign.secret.values) > 0.99);
  const capacity = await trainMalicious(new MlpTrainer(params), members, { fit: new Rng(1), secret: new Rng(2) }, { attack: 'capacity', items: 1 });
  const record = await decodeThroughOracle(new LocalOracle(capacity.model, { kind: 'label-only' }), capacity.key as never, { seed: 1 });
  assert.equal(record.queries, capacity.syntheticRows);
  const fromBenignModel = await decodeThroughOracle(new LocalOracle(benign, { kind: 'label-only' }), capacity.key as never, { seed: 1 });
  const [read, baseline] = [scoreSecret(record.outcome!.values, capacity.secret.values, 64), scoreSecret(fromBenignModel.outcome!.values, capacity.secret.values, 64)];
  assert.ok(read.mape < baseline.mape - 20, `capacity abuse MAPE ${read.mape} against ${baseline.mape} read from the benign model`);
});

