import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createMatrix } from '../../math/matrix.ts';
import { Rng } from '../../random.ts';
import { fitNetworkToProbabilities } from './network-fit.ts';

/** PyTorch's L-BFGS (strong Wolfe) on a small network fit: test/fixtures/torch/make_lbfgs_trace.py. */
interface TorchTrace {
  sizes: number[];
  l2: number;
  x: number[];
  p: number[];
  theta0: number[];
  losses: number[];
}

const trace = JSON.parse(readFileSync(new URL('../../../test/fixtures/torch/lbfgs-trace.json', import.meta.url), 'utf8')) as TorchTrace;

test('the network fit takes the steps of PyTorch L-BFGS with its strong-Wolfe line search, from the same start', () => {
  const [inputs, , classes] = trace.sizes;
  const rows = trace.x.length / inputs;
  const losses: number[] = [];
  const result = fitNetworkToProbabilities(createMatrix(rows, inputs, Float64Array.from(trace.x)), createMatrix(rows, classes, Float64Array.from(trace.p)), {
    sizes: trace.sizes, hiddenActivation: 'tanh', loss: 'logit', l2: trace.l2, maxIterations: trace.losses.length, restarts: 1,
    rng: new Rng(1), start: Float64Array.from(trace.theta0), onIteration: (loss) => losses.push(loss),
  });
  assert.equal(result.iterations, trace.losses.length);
  // The same line search picks the same step each iteration: the losses agree to rounding (sums in
  // another order), where a different first step or interpolation differs in the first digits.
  for (let i = 0; i < trace.losses.length; i++) {
    const relative = Math.abs(losses[i] - trace.losses[i]) / trace.losses[i];
    assert.ok(relative < 1e-8, `iteration ${i + 1}: ours ${losses[i]}, PyTorch ${trace.losses[i]} (relative ${relative.toExponential(2)})`);
  }
  assert.ok(trace.losses[trace.losses.length - 1] < 0.5 * trace.losses[0], 'the trace makes progress (not a flat fixture)');
});
