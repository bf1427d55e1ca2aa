/**
 * Property test (fast-check): a sound model file of any served kind, broken in any one of the
 * ways a corrupted or hostile upload can be, is refused with a validation error — by the
 * loader and, through the API, with a 400 — and never built into a model.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hasCode } from '../errors.ts';
import { cnnFile, mlpFile, treeFile } from '../testing/model-files.ts';
import { testApi } from '../testing/api.ts';
import { modelFromJson } from './registry.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- files are mutated field by field
type File = any;

/** Each breaks one invariant of a file; `pick` chooses where (a layer, a node, a weight). */
const BREAKS: Record<string, ((file: File, pick: number) => void)[]> = {
  mlp: [
    (f, p) => f.layers[p % f.layers.length].weights.pop(),
    (f, p) => f.layers[p % f.layers.length].biases.push(0),
    (f, p) => (f.layers[f.layers.length - 1].activation = ['relu', 'tanh', 'sigmoid', 'linear'][p % 4]),
    (f, p) => (f.layers[p % f.layers.length].inputs += 1 + (p % 3)),
    (f) => (f.layers[0].activation = 'softmax'),
    (f, p) => f.classes.push(`extra${p}`),
    (f) => f.schema.features.pop(),
    (f, p) => (f.layers[p % f.layers.length].weights[0] = null),
  ],
  tree: [
    (f, p) => (f.nodes[0].left = p % 2 === 0 ? 0 : 2),
    (f, p) => (f.nodes[p % f.nodes.length].counts = f.nodes[p % f.nodes.length].counts.map(() => 0)),
    (f, p) => (f.nodes[0].split.feature = 2 + (p % 5)),
    (f) => delete f.nodes[0].right,
    (f, p) => f.nodes.push({ id: f.nodes.length, depth: 1, counts: [1 + (p % 3), 1] }),
    (f, p) => (f.nodes[1 + (p % 2)].left = 0),
    (f) => (f.nodes[2].id = 5),
    (f, p) => f.nodes[p % f.nodes.length].counts.push(1),
  ],
  cnn: [
    (f, p) => (f.convolutions[0].kernelSize = 7 + (p % 4)),
    (f) => (f.convolutions[0].inputChannels = 2),
    (f, p) => (f.dense[0].inputs += 1 + (p % 4)),
    (f) => f.convolutions[0].weights.pop(),
    (f) => (f.dense[0].activation = 'linear'),
    (f) => (f.image.width = 7),
  ],
};

const kinds = fc.constantFrom('mlp', 'tree', 'cnn');
const broken = kinds.chain((kind) =>
  fc.record({ kind: fc.constant(kind), which: fc.nat({ max: BREAKS[kind].length - 1 }), pick: fc.nat({ max: 1000 }), widths: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 3, maxLength: 5 }), seed: fc.nat() }),
);

function brokenFile(sample: { kind: string; which: number; pick: number; widths: number[]; seed: number }): File {
  const widths = [...sample.widths.slice(0, -1), Math.max(2, sample.widths[sample.widths.length - 1])];
  const file = structuredClone(sample.kind === 'mlp' ? mlpFile(widths, sample.seed) : sample.kind === 'tree' ? treeFile() : cnnFile());
  BREAKS[sample.kind][sample.which](file, sample.pick);
  return file;
}

test('every sound file loads; every broken one is a validation error', () => {
  for (const file of [mlpFile([3, 4, 2]), treeFile(), cnnFile()]) assert.doesNotThrow(() => modelFromJson(file));
  fc.assert(
    fc.property(broken, (sample) => {
      assert.throws(() => modelFromJson(brokenFile(sample)), (error) => hasCode(error, 'validation'), JSON.stringify(sample));
    }),
    { seed: 42, numRuns: 500 },
  );
});

test('the API answers 400 to every broken upload and stores none', async () => {
  const api = testApi();
  const key = await api.owner('owner');
  await fc.assert(
    fc.asyncProperty(broken, async (sample) => {
      const response = await api.call('POST', '/v1/models', { key, body: brokenFile(sample) });
      assert.equal(response.status, 400, JSON.stringify(sample));
      assert.equal(response.body.error.code, 'validation');
    }),
    { seed: 7, numRuns: 200 },
  );
  assert.deepEqual((await api.call('GET', '/v1/models', { key })).body.models, []);
});
