import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uniformNumericSchema } from '../data/schema.ts';
import { modelFromOwnJson } from '../models/registry.ts';
import { Cnn } from '../models/neural/cnn.ts';
import { Mlp } from '../models/neural/mlp.ts';
import type { DenseLayer } from '../models/neural/dense-network.ts';
import { Rng } from '../random.ts';
import { packWeights } from './messages.ts';

const rng = new Rng(4);
const values = (length: number) => Float64Array.from({ length }, () => rng.normal(0, 0.5));
const dense = (inputs: number, outputs: number, activation: DenseLayer['activation']): DenseLayer => ({ inputs, outputs, weights: values(inputs * outputs), biases: values(outputs), activation });

test("packed weights (an MLP's layers, a CNN's blocks and head, sent as Float64Arrays) read back as the same model, whose file form has plain arrays again", () => {
  const mlp = new Mlp({ classes: ['a', 'b'], schema: uniformNumericSchema(5, 'x', 0, 1), layers: [dense(5, 4, 'relu'), dense(4, 2, 'softmax')], params: {} });
  const cnn = new Cnn({ classes: ['a', 'b', 'c'], schema: uniformNumericSchema(8 * 8, 'p', 0, 1), image: { height: 8, width: 8, channels: 1 }, convolutions: [{ kernelSize: 3, inputChannels: 1, filters: 2, weights: values(18), biases: values(2) }], dense: [dense(18, 3, 'softmax')], params: {} });
  for (const model of [mlp, cnn]) {
    const json = model.toJSON();
    const packed = structuredClone(json);
    const buffers = packWeights(packed);
    assert.equal(buffers.length, 4, 'a weights and a biases buffer per layer or block (two each here)');
    assert.ok(buffers.every((buffer) => buffer instanceof ArrayBuffer) && JSON.stringify(packed) !== JSON.stringify(json), 'packed: typed arrays in place of the plain ones');
    const read = modelFromOwnJson(structuredClone(packed, { transfer: buffers }));
    assert.deepEqual(read.toJSON(), json);
    assert.ok(JSON.stringify(read.toJSON()) === JSON.stringify(json), 'its file form is plain JSON');
  }
});
