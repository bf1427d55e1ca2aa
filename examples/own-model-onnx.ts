/**
 * Example: audit a PyTorch model exported to ONNX — steal it through its answers, then invert
 * the stolen copy.
 *
 *   npx tsx examples/own-model-onnx.ts
 *
 * Export yours with torch.onnx.export(model, example, "model.onnx", input_names=["input"],
 * dynamic_axes={"input": {0: "batch"}}) and describe what ONNX does not say — the features and
 * classes — in a JSON file (`npx threatlab schema --description` prints its format). Here: an
 * Iris MLP from test/fixtures/onnx/make_fixtures.py. onnxruntime answers every query, as the
 * served model would; its graph (Gemm, Relu, Tanh, Softmax) also converts to a threatlab network
 * for the white-box attacks. From the CLI:
 *
 *   npx threatlab extract --attack mlp-retraining --model test/fixtures/onnx/iris-mlp.onnx \
 *     --schema test/fixtures/onnx/iris-mlp.description.json --param hidden=16,8 --param activation=relu
 */

import { join } from 'node:path';
import { agreementOn, convertOnnx, mlpRetraining, OnnxOracle, readModelDescription, runAttack, uniformRows, Rng, type Classifier } from '../src/index.ts';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'onnx');
const description = readModelDescription(join(fixtures, 'iris-mlp.description.json'));
const oracle = await OnnxOracle.open(join(fixtures, 'iris-mlp.onnx'), description);

// Black box: the attacker knows the architecture (16 relu, 8 tanh here; our MLPs take one
// hidden activation, so the fit uses relu throughout and still matches closely).
const stolen = await runAttack(mlpRetraining, oracle, { seed: 1, params: { hidden: '16,8', activation: 'relu', budget: 2 } });
const target = convertOnnx(join(fixtures, 'iris-mlp.onnx'), description) as Classifier;
const check = agreementOn(target, stolen.outcome!.surrogate, uniformRows(description.schema, 5000, new Rng(2)));
console.log(`stolen with ${stolen.queries} queries: agrees with the ONNX model on ${(100 * check.agreement).toFixed(2)}% of 5,000 random flowers`);
console.log(`the converted network answers as onnxruntime does: ${target.kind} with ${target.inputSize} inputs and classes ${target.classes.join(', ')}`);
