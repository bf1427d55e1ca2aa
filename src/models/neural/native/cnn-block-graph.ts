/**
 * A CNN block's way back in an ONNX graph — valid convolution, relu, 2 × 2 max-pooling (cnn.ts) —
 * shared by the attacks' input gradients (attacks/evasion/gradient-graphs.ts) and the native
 * engine's training step (cnn-step-graph.ts): where each pooled gradient goes in its window, the
 * relu's cut, and the gradient at the block's input by one transposed convolution.
 */

import { FLOAT, type GraphBuilder } from './onnx-graph.ts';

/** What the way back through a block needs of its way forward, made in the forward's graph. */
export interface BlockTrace {
  /** The block's output: the 2 × 2 max-pooling (rows × filters × pooled). */
  pooledValues: string;
  /** Each window's pooled place as masks (rows × 4 × filters·pooled: 1 at the window's first largest value where it passed the relu, else 0). */
  placeMasks: string;
  /** The convolution's output size and the pooling's. */
  convolved: [number, number];
  pooled: [number, number];
  filters: number;
  /** The block's kernel shifted to each window place, for the stride-2 transposed convolution (4·filters × input channels × (k+1) × (k+1)). */
  shiftedKernel: string;
}

/**
 * A block's convolution of `input` (rows × in × H × W) by `kernel` (filters × in × k × k, bias
 * `bias`), relu and 2 × 2 max-pooling, in `g`, with what the way back needs: the pooled places and
 * the shifted kernel of `backThroughBlock`.
 *
 * The convolution comes out in the pooling's four planes, window place (dy, dx) = (0, 0), (0, 1),
 * (1, 0), (1, 1) after one another (rows × 4·filters × pooled): one stride-2 convolution with the
 * kernel shifted to each place in a (k+1) × (k+1) kernel, out[p·filters + f, i, j] = conv[f, 2i +
 * dy, 2j + dx] — the outputs a floor pooling leaves out (an odd size's last row or column) never
 * computed. Its largest is a reduction over the planes' axis; a window's pooled place is its first
 * value equal to that largest, where the largest passed the relu: place k takes what the earlier
 * places left (`left`, at first where the largest is positive) where its value is the largest, as
 * booleans, and the four masks go out as one float tensor for `windowPlanes`' one product. The
 * full-size convolution, SpaceToDepth into the planes (282 µs), a Split of the float planes and
 * Max (209 µs) and float masks (Equal, Cast, Mul, Sub: 304 µs) were 3.39–3.55 ms a step of a
 * 64-image Fashion-MNIST training of CNN 8-16; this graph 2.88–2.98 ms (the two graphs' steps in
 * alternating processes, 250 steps each; the first block's convolution 255 → 292 µs, the second's
 * 469 → 437 µs). (MaxPool with its indices, and the places from them by Mod and Gather on int64,
 * took 1.6 ms.)
 */
export function blockTrace(g: GraphBuilder, input: string, kernel: string, bias: string, convolved: [number, number], pooled: [number, number], filters: number): BlockTrace {
  const [h, w] = pooled;
  const plane = filters * h * w;
  const shiftedKernel = g.node(
    'Concat',
    [0, 1, 2, 3].map((p) => {
      const [dy, dx] = [p >> 1, p & 1];
      return g.node('Pad', [kernel, g.integers([0, 0, dy, dx, 0, 0, 1 - dy, 1 - dx])]);
    }),
    { axis: { int: 0 } },
  );
  const planes = g.node('Relu', [g.node('Conv', [input, shiftedKernel, g.node('Concat', [bias, bias, bias, bias], { axis: { int: 0 } })], { strides: { ints: [2, 2] } })]);
  const windows = g.node('Reshape', [planes, g.integers([-1, 4, plane])]);
  const largest = g.node('ReduceMax', [windows], { axes: { ints: [1] }, keepdims: { int: 1 } });
  const equal = g.nodeWithOutputs('Split', [g.node('Equal', [windows, largest]), g.integers([1, 1, 1, 1])], 4, { axis: { int: 1 } });
  let left = g.node('Greater', [largest, g.constant([0])]);
  const places: string[] = [];
  for (let k = 0; k < 3; k++) {
    const here = g.node('And', [equal[k], left]);
    places.push(here);
    left = g.node('Xor', [left, here]);
  }
  places.push(left);
  const placeMasks = g.node('Cast', [g.node('Concat', places, { axis: { int: 1 } })], { to: { int: FLOAT } });
  return { pooledValues: g.node('Reshape', [largest, g.integers([-1, filters, h, w])]), placeMasks, convolved, pooled, filters, shiftedKernel };
}

/**
 * The gradient at a block's input from the gradient at its pooled output, in `g`: back through the
 * 2 × 2 max-pooling (each pooled gradient to its window's first largest value, row by row, as
 * max-pooling's recorded indices send it in PyTorch and onnxruntime; none to the last row or
 * column an odd size leaves out), the relu (none where it was off) and the convolution.
 *
 * The forward pass lays each window's four values in four planes ([rows, 4·filters, h, w]); the
 * first largest is marked in them (`blockTrace`), and the gradient stays in those planes. The
 * transposed convolution of the unpooled gradient U (zero but at one place a window) with kernel
 * K is then one transposed convolution of stride 2 of the four planes, plane (dy, dx) with K
 * shifted by (dy, dx) in a (k+1) × (k+1) kernel: out[2i + dy + ky] += U[2i + dy] · K[ky].
 * onnxruntime's MaxPool with
 * indices, ScatterElements by them, the relu's Where and the stride-1 transposed convolution took
 * 8 of 12.2 ms of a CNN gradient call for 200 MNIST rows.
 */
export function backThroughBlock(g: GraphBuilder, block: BlockTrace, delta: string): string {
  return throughConvolution(g, block, windowPlanes(g, block, delta));
}

/**
 * The gradient at a block's pooled output (`delta`, rows × filters × pooled) sent to each
 * window's pooled place: rows × 4·filters × pooled, in the planes' layout (plane (dy, dx) of
 * filter f at channel (2·dy + dx)·filters + f), zero where the relu was off: one product with the
 * place masks.
 */
export function windowPlanes(g: GraphBuilder, block: BlockTrace, delta: string): string {
  const [h, w] = block.pooled;
  const plane = block.filters * h * w;
  const spread = g.node('Reshape', [delta, g.integers([-1, 1, plane])]);
  return g.node('Reshape', [g.node('Mul', [block.placeMasks, spread]), g.integers([-1, 4 * block.filters, h, w])]);
}

/** The gradient at a block's input from its window planes (`windowPlanes`): one stride-2 transposed convolution with the shifted kernel. */
export function throughConvolution(g: GraphBuilder, block: BlockTrace, planes: string): string {
  const [height, width] = block.convolved;
  const [h, w] = block.pooled;
  return g.node('ConvTranspose', [planes, block.shiftedKernel], { strides: { ints: [2, 2] }, output_padding: { ints: [height - 2 * h, width - 2 * w] } });
}

/**
 * A block's kernel gradient (filters × in × k × k, onnxruntime's layout) and bias gradient from
 * its input `input` (rows × in × H × W) and its window planes (`windowPlanes`), without the
 * gradient at full size: with U the gradient at the convolution's output, dK[f, c, i, j] =
 * Σ_{n,y,x} U[n, f, y, x] · X[n, c, y + i, x + j], and U is zero but at one place (dy, dx) a
 * window, so dK[f, c, i, j] = Σ_{dy,dx} Σ_{n,y,x} P_{dy,dx}[n, f, y, x] · X[n, c, 2y + dy + i,
 * 2x + dx + j] — for all four places at once one convolution of dilation 2, the rows as channels
 * (X as in × rows × H × W, the planes as 4·filters × rows × h × w), whose (k+1) × (k+1) corner
 * holds each place's sums shifted by (dy, dx). Undoing the layout with DepthToSpace, padding an
 * odd size and convolving with the full-size gradient took 1.7 of 6.1 ms of a 64-image
 * Fashion-MNIST training step (CNN 8-16).
 */
export function parameterGradients(g: GraphBuilder, block: BlockTrace, input: string, planes: string, kernelSize: number): { kernel: string; bias: string } {
  const { filters } = block;
  const [h, w] = block.pooled;
  const byRowsAsChannels = { perm: { ints: [1, 0, 2, 3] } };
  // An odd size's last row or column of the input meets only the convolution's row or column the pooling left out.
  const [height, width] = block.convolved;
  const used = height === 2 * h && width === 2 * w ? input : g.node('Slice', [input, g.integers([0, 0]), g.integers([2 * h + kernelSize - 1, 2 * w + kernelSize - 1]), g.integers([2, 3])]);
  const sums = g.node('Conv', [g.node('Transpose', [used], byRowsAsChannels), g.node('Transpose', [planes], byRowsAsChannels)], { dilations: { ints: [2, 2] } });
  const places = [0, 1, 2, 3].map((p) => {
    const [dy, dx] = [p >> 1, p & 1];
    return g.node('Slice', [sums, g.integers([p * filters, dy, dx]), g.integers([(p + 1) * filters, dy + kernelSize, dx + kernelSize]), g.integers([1, 2, 3])]);
  });
  const kernel = g.node('Transpose', [g.node('Sum', places)], byRowsAsChannels);
  const bias = g.node('ReduceSum', [g.node('Reshape', [planes, g.integers([-1, 4, filters, h * w])]), g.integers([0, 1, 3])], { keepdims: { int: 0 } });
  return { kernel, bias };
}
