/**
 * PyTorch models exported to ONNX (fixtures from test/fixtures/onnx/make_fixtures.py): answered
 * by onnxruntime as oracles, and converted to threatlab networks for the white-box attacks — both
 * equal to PyTorch's outputs to 1e-6 — an MLP with a softmax, the same MLP answering logits, and
 * a CNN (Conv → Relu → MaxPool → Flatten → Gemm) on 8×8 digits, and a 3-channel CNN (channel order).
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasCode } from '../../errors.ts';
import { createMatrix } from '../../math/matrix.ts';
import { readModelDescription } from '../../oracle/model-description.ts';
import type { Classifier } from '../types.ts';
import { convertOnnx } from './onnx-convert.ts';
import { OnnxOracle } from './onnx-oracle.ts';

const fixtures = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'onnx');
const expected = JSON.parse(readFileSync(join(fixtures, 'expected.json'), 'utf8')) as Record<string, { rows: number[][]; outputs: number[][] }>;

function maxGap(actual: ArrayLike<number>, want: number[][]): number {
  const flat = want.flat();
  let gap = 0;
  flat.forEach((value, k) => (gap = Math.max(gap, Math.abs(actual[k] - value))));
  return gap;
}

for (const name of ['iris-mlp', 'iris-logits', 'digits-cnn', 'colour-cnn']) {
  test(`${name}: onnxruntime as an oracle and the converted network both answer as PyTorch does`, async () => {
    const description = readModelDescription(join(fixtures, `${name}.description.json`));
    const { rows, outputs } = expected[name];
    const x = createMatrix(rows.length, rows[0].length, Float64Array.from(rows.flat()));
    const oracle = await OnnxOracle.open(join(fixtures, `${name}.onnx`), description);
    const answers = await oracle.query(x);
    assert.ok(maxGap(answers.flatMap((a) => (a.kind === 'scores' ? a.probabilities : [])), outputs) < 1e-6, `${name} oracle`);
    const model = convertOnnx(join(fixtures, `${name}.onnx`), description) as Classifier;
    assert.equal(model.kind, name.endsWith('-cnn') ? 'cnn' : 'mlp');
    assert.ok(maxGap(model.predictProba(x).data, outputs) < 1e-6, `${name} converted: max |Δp| ${maxGap(model.predictProba(x).data, outputs)}`);
  });
}

test('an ONNX output that is not probabilities is refused unless declared as logits', async () => {
  const description = { ...readModelDescription(join(fixtures, 'iris-logits.description.json')), output: 'probabilities' as const };
  const oracle = await OnnxOracle.open(join(fixtures, 'iris-logits.onnx'), description);
  await assert.rejects(oracle.query(createMatrix(1, 4, Float64Array.of(5.1, 3.5, 1.4, 0.2))), (e) => hasCode(e, 'validation') && /"output": "logits"/.test(e.message));
  assert.throws(() => convertOnnx(join(fixtures, 'iris-logits.onnx'), description), (e) => hasCode(e, 'validation') && /logits/.test(e.message));
});
