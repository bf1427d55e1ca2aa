/**
 * Fixes to TensorFlow.js 4.22's wasm backend for training, each measured against the `cpu`
 * backend (backend.test.ts) and timed (bench/backend.bench.ts):
 *
 * 1. BatchMatMul with a transpose flag leaves XNNPACK for a scalar loop (every gradient of a
 *    dense layer is such a product: ~13× slower for 128 × 784 × 256). We transpose explicitly
 *    with the wasm Transpose kernel and multiply on the fast path.
 * 2. Conv2DBackpropFilter has no wasm kernel, so CNN training throws. The filter gradient is a
 *    forward convolution: with the batch as channels and the output gradient as the filter,
 *    dW[kh,kw,ci,co] = Σ_{b,oh,ow} x[b, oh·s+kh, ow·s+kw, ci] · dy[b,oh,ow,co], i.e. a valid
 *    convolution of the padded input, with dilation equal to the stride.
 * 3. MaxPoolGrad loses (or misplaces) the gradient of a window whose maximum is ≤ 0. The argmax
 *    of a window is unchanged by adding a constant, so we run it on x − min(x) + 1 (all > 0).
 */

import { tf } from './tf.ts';
import { release, runKernel, type Info } from './kernels.ts';

const WASM = 'wasm';
let originals: { matMul: tf.KernelConfig; maxPoolGrad: tf.KernelConfig } | undefined;
let enabled = false;

/** Applies the fixes once; idempotent. Call before the wasm backend is first used. */
export function applyWasmFixes(): void {
  if (!originals) originals = { matMul: tf.getKernel('BatchMatMul', WASM)!, maxPoolGrad: tf.getKernel('MaxPoolGrad', WASM)! };
  setWasmFixes(true);
}

/**
 * Turns the fixes on or off (benchmarks measure before and after in one process). Off restores
 * tfjs's own kernels and removes the filter-gradient kernel, so CNN training throws again.
 */
export function setWasmFixes(on: boolean): void {
  if (!originals) throw new Error('applyWasmFixes() must run first');
  if (on === enabled) return;
  enabled = on;
  tf.unregisterKernel('BatchMatMul', WASM);
  tf.unregisterKernel('MaxPoolGrad', WASM);
  if (on) {
    tf.registerKernel({ ...originals.matMul, kernelFunc: transposeFirst(originals.matMul.kernelFunc) });
    tf.registerKernel({ ...originals.maxPoolGrad, kernelFunc: shiftPositive(originals.maxPoolGrad.kernelFunc) });
    tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: WASM, kernelFunc: conv2dBackpropFilter as tf.KernelFunc });
  } else {
    tf.registerKernel(originals.matMul);
    tf.registerKernel(originals.maxPoolGrad);
    tf.unregisterKernel('Conv2DBackpropFilter', WASM);
  }
}

function swapLastTwo(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

function transposeFirst(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as { inputs: { a: Info; b: Info }; backend: tf.KernelBackend; attrs: { transposeA: boolean; transposeB: boolean } };
    if (!attrs.transposeA && !attrs.transposeB) return original(args);
    const a = attrs.transposeA ? runKernel(WASM, 'Transpose', backend, { x: inputs.a }, { perm: swapLastTwo(inputs.a.shape.length) }) : inputs.a;
    const b = attrs.transposeB ? runKernel(WASM, 'Transpose', backend, { x: inputs.b }, { perm: swapLastTwo(inputs.b.shape.length) }) : inputs.b;
    const out = original({ inputs: { a, b }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } } as never);
    if (a !== inputs.a) release(backend, a);
    if (b !== inputs.b) release(backend, b);
    return out;
  };
}

interface FilterGradArgs {
  inputs: { x: Info; dy: Info };
  backend: tf.KernelBackend;
  attrs: { strides: [number, number] | number; pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding; dataFormat: 'NHWC' | 'NCHW'; dimRoundingMode?: 'floor' | 'round' | 'ceil'; filterShape: [number, number, number, number] };
}

function conv2dBackpropFilter({ inputs, backend, attrs }: FilterGradArgs): Info {
  const { x, dy } = inputs;
  if (attrs.dataFormat === 'NCHW') throw new Error('Conv2DBackpropFilter on wasm supports NHWC only');
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { top, bottom, left, right } = info.padInfo;
  const padded = top || bottom || left || right
    ? runKernel(WASM, 'PadV2', backend, { x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
    : x;
  const batchAsChannels = runKernel(WASM, 'Transpose', backend, { x: padded }, { perm: [3, 1, 2, 0] });
  const gradientAsFilter = runKernel(WASM, 'Transpose', backend, { x: dy }, { perm: [1, 2, 0, 3] });
  const full = runKernel(WASM, 'Conv2D', backend, { x: batchAsChannels, filter: gradientAsFilter }, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [info.strideHeight, info.strideWidth],
  });
  const [kh, kw, ci, co] = attrs.filterShape;
  const cropped = runKernel(WASM, 'Slice', backend, { x: full }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] });
  const result = runKernel(WASM, 'Transpose', backend, { x: cropped }, { perm: [1, 2, 0, 3] });
  release(backend, batchAsChannels, gradientAsFilter, full, cropped);
  if (padded !== x) release(backend, padded);
  return result;
}

function shiftPositive(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, backend, attrs } = args as unknown as { inputs: { dy: Info; input: Info; output: Info }; backend: tf.KernelBackend; attrs: Record<string, unknown> };
    const axes = inputs.input.shape.map((_, i) => i);
    const minimum = runKernel(WASM, 'Min', backend, { x: inputs.input }, { axis: axes, keepDims: false });
    const one = tf.engine().makeTensorFromTensorInfo({ dataId: backend.write(new Float32Array([1]), [], 'float32'), shape: [], dtype: 'float32' });
    const offset = runKernel(WASM, 'Sub', backend, { a: minimum, b: one });
    const input = runKernel(WASM, 'Sub', backend, { a: inputs.input, b: offset });
    const output = runKernel(WASM, 'Sub', backend, { a: inputs.output, b: offset });
    const out = original({ inputs: { dy: inputs.dy, input, output }, backend, attrs } as never);
    release(backend, minimum, offset, input, output);
    one.dispose();
    return out;
  };
}
