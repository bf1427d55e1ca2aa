/**
 * DP-SGD's clipped gradient sums for a CNN (Abadi et al., CCS 2016, Algorithm 1) as one ONNX graph,
 * for the native engine: the network of cnn-step-graph.ts on the sampled rows `indices`, each
 * row's whole gradient clipped to norm `clip`, the clipped gradients summed — what
 * defenses/dp-sgd/clipped-gradients.ts computes on tfjs, whose operations this follows.
 *
 * - Dense layers: row i's weight gradient is aᵢ ⊗ δᵢ, of squared norm ‖aᵢ‖²‖δᵢ‖² (Goodfellow 2015),
 *   its bias's δᵢ; the clipped sum is Aᵀ(c ⊙ Δ), as in dense-step-graph.ts.
 * - Convolutions: row i's kernel gradient is Uᵢᵀ Δᵢ, with Uᵢ its input patches (im2col: nine
 *   slices of the block's input, one a kernel place, side by side) and Δᵢ the gradient at the
 *   convolution's output — the window planes of cnn-block-graph.ts laid back out at full size
 *   (DepthToSpace: zero but at each window's pooled place). One batched matrix product makes every
 *   row's kernel gradient ([rows, 9·in, filters], the kernel's tfjs layout 3 × 3 × in × filters);
 *   only the convolution's rows and columns the pooling kept enter (the rest have no gradient).
 *
 * Each row's factor cᵢ = min(1, clip / max(‖gᵢ‖, 10⁻¹²)) scales its share of every sum. Inputs:
 * data (float32 rows, float32-rows.ts), targets, indices, clip and the parameters; outputs `loss`
 * (the batch's summed cross-entropy), `clipped` (rows whose factor is below 1) and `grad_<name>`
 * in the parameters' order. Noise, the division by the expected batch and the L2 term come after
 * (native-stepper.ts `privateStep`).
 */

import { FLOAT, GraphBuilder } from './onnx-graph.ts';
import { windowPlanes, throughConvolution } from './cnn-block-graph.ts';
import { backThroughHead, cnnParameterShapes, cnnStepGraphs, forwardPass, KERNEL, type CnnGraphSpec } from './cnn-step-graph.ts';
import type { StepGraphs } from './native-stepper.ts';

/** The 3 × 3 patches of `input` (rows × channels × H × W) at the first `height` × `width` output places, as rows × 9·channels × (height·width), patch entry (ky·3 + kx)·channels + c. */
function patches(g: GraphBuilder, input: string, channels: number, height: number, width: number): string {
  const shifted: string[] = [];
  for (let ky = 0; ky < KERNEL; ky++) {
    for (let kx = 0; kx < KERNEL; kx++) shifted.push(g.node('Slice', [input, g.integers([ky, kx]), g.integers([ky + height, kx + width]), g.integers([2, 3])]));
  }
  return g.node('Reshape', [g.node('Concat', shifted, { axis: { int: 1 } }), g.integers([-1, KERNEL * KERNEL * channels, height * width])]);
}

/** Inputs data, targets, indices, clip and the parameters; outputs `loss`, `clipped` and the clipped sums `grad_<parameter>`. */
export function cnnPrivateGradientGraph(spec: CnnGraphSpec): Uint8Array {
  const g = new GraphBuilder();
  const { height, width, channels } = spec.image;
  const inputWidth = height * width * channels;
  const indices = g.input('indices', ['batch'], 'int32');
  const x = g.node('Gather', [g.input('data', ['rows', inputWidth], 'float'), indices], { axis: { int: 0 } });
  const y = g.node('Gather', [g.input('targets', ['rows', spec.classes]), indices], { axis: { int: 0 } });
  const clip = g.input('clip', []);
  for (const { name, dims } of cnnParameterShapes(spec)) g.input(name, dims);
  const kernels = spec.filters.map((_, b) => g.node('Transpose', [`k${b}`], { perm: { ints: [3, 2, 0, 1] } }));
  const pass = forwardPass(g, spec, x, kernels);
  const logProbabilities = g.node('LogSoftmax', [pass.logits], { axis: { int: 1 } });
  g.node('Neg', [g.node('ReduceSum', [g.node('Mul', [y, logProbabilities])], { keepdims: { int: 0 } })], {}, 'loss');
  g.output('loss', []);

  const zero = g.constant([0]);
  const squares = (value: string, axes: number[]) => g.node('ReduceSum', [g.node('Mul', [value, value]), g.integers(axes)], { keepdims: { int: 0 } });
  const denseNorms = (input: string, delta: string) => {
    const deltaNorms = squares(delta, [1]);
    return g.node('Add', [g.node('Mul', [squares(input, [1]), deltaNorms]), deltaNorms]);
  };
  // Per row: the error at the logits, then at the hidden layer.
  const delta = g.node('Sub', [g.node('Exp', [logProbabilities]), y]);
  const head = backThroughHead(g, pass, delta, zero);
  const blocks = spec.filters.length;
  const inputChannels = [channels, ...spec.filters];
  const perRow: { kernel: string; bias: string }[] = [];
  let pooled = head.pooled;
  for (let b = blocks - 1; b >= 0; b--) {
    const trace = pass.traces[b];
    const [h, w] = trace.pooled;
    const planes = windowPlanes(g, trace, pooled);
    // The gradient at the convolution's output where the pooling kept it (2h × 2w), rows × filters × places, then rows × places × filters.
    const atOutput = g.node('Reshape', [g.node('DepthToSpace', [planes], { blocksize: { int: 2 } }), g.integers([-1, trace.filters, 4 * h * w])]);
    const kernel = g.node('MatMul', [patches(g, pass.blockInputs[b], inputChannels[b], 2 * h, 2 * w), g.node('Transpose', [atOutput], { perm: { ints: [0, 2, 1] } })]);
    perRow[b] = { kernel, bias: g.node('ReduceSum', [atOutput, g.integers([2])], { keepdims: { int: 0 } }) };
    if (b > 0) pooled = throughConvolution(g, trace, planes);
  }
  // Squared norms summed in the tfjs network's op order: the blocks, then the dense layers.
  const norms = [
    ...perRow.map(({ kernel, bias }) => g.node('Add', [squares(kernel, [1, 2]), squares(bias, [1])])),
    denseNorms(pass.flat, head.atHidden),
    denseNorms(pass.hidden, delta),
  ];
  const squared = g.node('Reshape', [g.node('Sum', norms), g.integers([-1, 1])]);
  const factors = g.node('Min', [g.constant([1]), g.node('Div', [clip, g.node('Max', [g.node('Sqrt', [squared]), g.constant([1e-12])])])]);
  const byRow = g.node('Reshape', [factors, g.integers([-1, 1, 1])]);
  const sumOverRows = (value: string) => g.node('ReduceSum', [value, g.integers([0])], { keepdims: { int: 0 } });
  perRow.forEach(({ kernel, bias }, b) => {
    g.node('Reshape', [sumOverRows(g.node('Mul', [kernel, byRow])), g.integers([KERNEL, KERNEL, inputChannels[b], spec.filters[b]])], {}, `grad_k${b}`);
    g.node('Identity', [sumOverRows(g.node('Mul', [bias, factors]))], {}, `grad_c${b}`);
  });
  const dense = [
    { input: pass.flat, delta: head.atHidden },
    { input: pass.hidden, delta },
  ];
  dense.forEach(({ input, delta: error }, l) => {
    const scaled = g.node('Mul', [error, factors]);
    g.node('Gemm', [input, scaled], { transA: { int: 1 } }, `grad_w${l}`);
    g.node('Identity', [sumOverRows(scaled)], {}, `grad_b${l}`);
  });
  g.node('ReduceSum', [g.node('Cast', [g.node('Less', [factors, g.constant([1])])], { to: { int: FLOAT } })], { keepdims: { int: 0 } }, 'clipped');
  g.output('clipped', []);
  for (const { name, dims } of cnnParameterShapes(spec)) g.output(`grad_${name}`, dims);
  return g.serialise('cnn-private-gradients');
}

/** The native engine's graphs for DP-SGD on a CNN of `spec` (native-private.ts trains with them): the private gradient graph on float32 rows. */
export function cnnPrivateStepGraphs(spec: Omit<CnnGraphSpec, 'rows'>): StepGraphs {
  const graph = { ...spec, rows: 'float' as const };
  return { ...cnnStepGraphs(graph), key: JSON.stringify(['cnn-private', spec.image, spec.filters, spec.hidden, spec.classes]), gradient: () => cnnPrivateGradientGraph(graph), batchesVary: true };
}
