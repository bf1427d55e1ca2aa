/**
 * A CNN's convolution blocks (valid convolution, relu, 2 × 2 max-pooling; models/neural/cnn.ts)
 * over float64 images in WebAssembly (`cnn-block.wat`, eight filters at a time in registers): the
 * same bits as the JavaScript loop they replace (cnn-block-kernel.test.ts holds that loop and
 * compares), a 200-row MNIST forward pass of the 8-16 CNN in 10–15.5 ms against 80–85 ms (PyTorch's
 * float64 forward pass of the same network, 1 thread: 11.5 ms warm, 175 ms its first;
 * bench/inference.bench.ts measures both sides on 1,000 rows).
 *
 * The images go through in chunks of about a megabyte, each block reading one half of the kernel's
 * memory and writing the other. The memory is this thread's and is kept for the next call: fresh
 * memory costs ~12 µs a page to touch on this machine, more than the arithmetic of a small batch.
 */

import { compileSoon, byteLayout, ensureBytes, instantiate, warmUpSoon } from './memory.ts';
import { WASM_BASE64 } from './cnn-block.wasm.ts';

compileSoon(WASM_BASE64);

interface Exports {
  memory: WebAssembly.Memory;
  block(images: number, count: number, height: number, width: number, channels: number, weights: number, biases: number, k: number, filters: number, conv: number, pooled: number): void;
}

/** A block's parameters: a k × k kernel over `inputChannels`, `filters` out; weights [kh, kw, in, out]. */
export interface ConvolutionBlock {
  kernelSize: number;
  inputChannels: number;
  filters: number;
  weights: Float64Array;
  biases: Float64Array;
}

/** An image's height, width and channels. */
export interface ImageSize {
  height: number;
  width: number;
  channels: number;
}

/** The bytes of the images' halves a call lays out at most (a chunk holds at least one image). */
const CHUNK_BYTES = 1 << 20;

let kernel: Exports | undefined;

/** Turns of `warmUpBlocks` (one tiers `block` up already, traced with --trace-wasm-compilation-times; 0.4–0.8 ms). */
const WARM_UP_TURNS = 2;

/**
 * The kernel's one call, `block`, small and many times over — eight 12 × 12 single-channel images
 * through a 5 × 5 convolution of eight filters, then their 4 × 4 × 8 pooled planes through a 3 × 3
 * one of eight — in `exports`' memory: enough for V8 to compile it with TurboFan (memory.ts
 * `warmUpSoon`), which a process's first large call would otherwise run its first chunks without.
 */
export function warmUpBlocks(exports: Exports): void {
  const { take, end } = byteLayout();
  const [images, weights, biases, conv, pooled, second] = [take(8 * 8 * 144), take(8 * 25 * 8 * 8), take(8 * 8), take(8 * 64 * 8), take(8 * 8 * 128), take(8 * 8 * 8)];
  ensureBytes(exports.memory, end());
  new Float64Array(exports.memory.buffer, images, 8 * 144).fill(0.5);
  new Float64Array(exports.memory.buffer, weights, 25 * 8 * 8).fill(0.01);
  for (let turn = 0; turn < WARM_UP_TURNS; turn++) {
    exports.block(images, 8, 12, 12, 1, weights, biases, 5, 8, conv, pooled);
    exports.block(pooled, 8, 4, 4, 8, weights, biases, 3, 8, conv, second);
  }
}

/** Asks for the kernel to be warmed up once in this thread: a CNN made or trained will run it. */
export function warmUpCnnKernelSoon(): void {
  warmUpSoon(WASM_BASE64, warmUpBlocks);
}

/** The image size after each block (the first: the input's). */
function blockSizes(image: ImageSize, blocks: readonly ConvolutionBlock[]): ImageSize[] {
  const sizes = [image];
  for (const block of blocks) {
    const { height, width } = sizes[sizes.length - 1];
    sizes.push({ height: Math.floor((height - block.kernelSize + 1) / 2), width: Math.floor((width - block.kernelSize + 1) / 2), channels: block.filters });
  }
  return sizes;
}

const valuesOf = (size: ImageSize) => size.height * size.width * size.channels;

/**
 * Runs `count` images (`images`, each height × width × channels, channels last) through `blocks`
 * and writes each image's last pooled output, flattened, to `out` (count × its size).
 */
export function convolveImages(image: ImageSize, blocks: readonly ConvolutionBlock[], images: Float64Array, count: number, out: Float64Array): void {
  const sizes = blockSizes(image, blocks);
  const last = valuesOf(sizes[sizes.length - 1]);
  const largest = Math.max(...sizes.map(valuesOf));
  const chunk = Math.max(1, Math.min(count, Math.floor(CHUNK_BYTES / (16 * largest))));
  const layout = byteLayout();
  const weights = blocks.map((block) => layout.take(8 * block.weights.length));
  const biases = blocks.map((block) => layout.take(8 * block.biases.length));
  const conv = layout.take(8 * Math.max(0, ...blocks.map((block, b) => (sizes[b].height - block.kernelSize + 1) * (sizes[b].width - block.kernelSize + 1) * block.filters)));
  const halves = [layout.take(8 * chunk * largest), layout.take(8 * chunk * largest)];
  kernel ??= instantiate<Exports>(WASM_BASE64);
  ensureBytes(kernel.memory, layout.end());
  const memory = new Float64Array(kernel.memory.buffer);
  blocks.forEach((block, b) => {
    memory.set(block.weights, weights[b] / 8);
    memory.set(block.biases, biases[b] / 8);
  });
  const first = valuesOf(image);
  for (let start = 0; start < count; start += chunk) {
    const n = Math.min(chunk, count - start);
    memory.set(images.subarray(start * first, (start + n) * first), halves[0] / 8);
    blocks.forEach((block, b) => {
      const { height, width, channels } = sizes[b];
      kernel!.block(halves[b % 2], n, height, width, channels, weights[b], biases[b], block.kernelSize, block.filters, conv, halves[(b + 1) % 2]);
    });
    const result = halves[blocks.length % 2] / 8;
    out.set(memory.subarray(result, result + n * last), start * last);
  }
}
