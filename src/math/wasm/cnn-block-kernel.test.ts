import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { convolveImages, warmUpBlocks, type ConvolutionBlock, type ImageSize } from './cnn-block-kernel.ts';
import { instantiate, isWarmedUp } from './memory.ts';
import { WASM_BASE64 as CNN_BLOCK } from './cnn-block.wasm.ts';
import { WASM_BASE64 as SPARSE_LAYER } from './sparse-layer.wasm.ts';
import { Cnn } from '../../models/neural/cnn.ts';
import { uniformNumericSchema } from '../../data/schema.ts';

/**
 * The JavaScript loop the kernel replaced (models/neural/cnn.ts before it), the reference: one block
 * on one image — each output its bias plus value · weight for (dy, dx, channel) in order, zero inputs
 * skipped, relu, then 2 × 2 max-pooling.
 */
function referenceBlock(block: ConvolutionBlock, image: Float64Array, height: number, width: number): { output: Float64Array; height: number; width: number } {
  const k = block.kernelSize;
  const ci = block.inputChannels;
  const co = block.filters;
  const convHeight = height - k + 1;
  const convWidth = width - k + 1;
  const conv = new Float64Array(convHeight * convWidth * co);
  for (let y = 0; y < convHeight; y++) {
    for (let x = 0; x < convWidth; x++) {
      const out = conv.subarray((y * convWidth + x) * co, (y * convWidth + x + 1) * co);
      out.set(block.biases);
      for (let dy = 0; dy < k; dy++) {
        for (let dx = 0; dx < k; dx++) {
          const pixel = ((y + dy) * width + (x + dx)) * ci;
          const filter = (dy * k + dx) * ci * co;
          for (let c = 0; c < ci; c++) {
            const value = image[pixel + c];
            if (value === 0) continue;
            const w = filter + c * co;
            for (let f = 0; f < co; f++) out[f] += value * block.weights[w + f];
          }
        }
      }
      for (let f = 0; f < co; f++) if (out[f] < 0) out[f] = 0;
    }
  }
  const [pooledHeight, pooledWidth] = [Math.floor(convHeight / 2), Math.floor(convWidth / 2)];
  const pooled = new Float64Array(pooledHeight * pooledWidth * co).fill(-Infinity);
  for (let y = 0; y < pooledHeight * 2; y++) {
    for (let x = 0; x < pooledWidth * 2; x++) {
      const target = (Math.floor(y / 2) * pooledWidth + Math.floor(x / 2)) * co;
      const source = (y * convWidth + x) * co;
      for (let f = 0; f < co; f++) if (conv[source + f] > pooled[target + f]) pooled[target + f] = conv[source + f];
    }
  }
  return { output: pooled, height: pooledHeight, width: pooledWidth };
}

function reference(image: ImageSize, blocks: ConvolutionBlock[], images: Float64Array, count: number): Float64Array {
  const outputs: Float64Array[] = [];
  const size = image.height * image.width * image.channels;
  for (let i = 0; i < count; i++) {
    let current: { output: Float64Array; height: number; width: number } = { output: images.slice(i * size, (i + 1) * size), height: image.height, width: image.width };
    for (const block of blocks) current = referenceBlock(block, current.output, current.height, current.width);
    outputs.push(current.output);
  }
  return Float64Array.from(outputs.flatMap((output) => Array.from(output)));
}

/** Equal bit for bit (−0 and +0 apart). */
function assertSameBits(ours: Float64Array, theirs: Float64Array, where: string): void {
  assert.equal(ours.length, theirs.length, `${where}: length`);
  for (let i = 0; i < ours.length; i++) assert.ok(Object.is(ours[i], theirs[i]), `${where}: value ${i}: ${ours[i]} vs ${theirs[i]}`);
}

const value = fc.oneof(fc.constant(0), fc.constant(-0), fc.constant(1), fc.double({ min: -5, max: 5, noNaN: true }), fc.constant(1e-310));

test('CNN blocks in WebAssembly: the JavaScript loop bit for bit — filter counts below, at and past multiples of eight (odd ones too), odd sizes that pooling cuts, one to three blocks, zeros and −0 among the inputs, negative biases', () => {
  fc.assert(
    fc.property(
      fc.record({
        height: fc.integer({ min: 3, max: 14 }),
        width: fc.integer({ min: 3, max: 14 }),
        channels: fc.integer({ min: 1, max: 3 }),
        count: fc.integer({ min: 1, max: 4 }),
        blocks: fc.array(fc.record({ kernelSize: fc.integer({ min: 1, max: 3 }), filters: fc.integer({ min: 1, max: 19 }) }), { minLength: 1, maxLength: 3 }),
        seed: fc.array(value, { minLength: 64, maxLength: 64 }),
      }),
      ({ height, width, channels, count, blocks: shapes, seed }) => {
        const image = { height, width, channels };
        // Keep the blocks that fit (each needs a convolution of at least 2 × 2 to pool).
        const blocks: ConvolutionBlock[] = [];
        let [h, w, c] = [height, width, channels];
        let draw = 0;
        const next = () => seed[draw++ % seed.length] * (1 + (draw % 7) / 10);
        for (const { kernelSize, filters } of shapes) {
          if (h - kernelSize + 1 < 2 || w - kernelSize + 1 < 2) break;
          blocks.push({ kernelSize, inputChannels: c, filters, weights: Float64Array.from({ length: kernelSize * kernelSize * c * filters }, next), biases: Float64Array.from({ length: filters }, next) });
          [h, w, c] = [Math.floor((h - kernelSize + 1) / 2), Math.floor((w - kernelSize + 1) / 2), filters];
        }
        fc.pre(blocks.length > 0);
        const images = Float64Array.from({ length: count * height * width * channels }, next);
        const out = new Float64Array(count * h * w * c);
        convolveImages(image, blocks, images, count, out);
        assertSameBits(out, reference(image, blocks, images, count), JSON.stringify({ image, shapes, count }));
      },
    ),
    { numRuns: 200, seed: 4242 },
  );
});

test('CNN blocks in WebAssembly: a batch larger than one chunk gives each image what it gives alone (MNIST-sized 8-16 blocks, 300 images)', () => {
  const image = { height: 28, width: 28, channels: 1 };
  let state = 7;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  const blocks: ConvolutionBlock[] = [
    { kernelSize: 3, inputChannels: 1, filters: 8, weights: Float64Array.from({ length: 72 }, next), biases: Float64Array.from({ length: 8 }, next) },
    { kernelSize: 3, inputChannels: 8, filters: 16, weights: Float64Array.from({ length: 1152 }, next), biases: Float64Array.from({ length: 16 }, next) },
  ];
  const count = 300;
  // Digits-like images: mostly blank (zeros the loops skip), a block of ink in each.
  const images = new Float64Array(count * 784);
  for (let i = 0; i < count; i++) for (let r = 6 + (i % 5); r < 20; r++) for (let c = 8; c < 18 + (i % 7); c++) images[i * 784 + r * 28 + c] = Math.abs(next());
  const out = new Float64Array(count * 400);
  convolveImages(image, blocks, images, count, out);
  assertSameBits(out, reference(image, blocks, images, count), 'batch');
  const alone = new Float64Array(400);
  convolveImages(image, blocks, images.subarray(299 * 784), 1, alone);
  assertSameBits(alone, out.subarray(299 * 400), 'the last image alone');
});

test("the CNN kernel's warm-up runs its calls in bounds of a fresh instance, and a CNN made asks for it and for the dense kernel's", async () => {
  const exports = instantiate<{ memory: WebAssembly.Memory; block: (...args: number[]) => void }>(CNN_BLOCK);
  let calls = 0;
  warmUpBlocks({ memory: exports.memory, block: (...args: number[]) => (calls++, exports.block(...args)) } as never);
  assert.ok(calls >= 2, `block called ${calls} times`);
  const values = (n: number) => Float64Array.from({ length: n }, (_, i) => ((i % 5) - 2) / 10);
  new Cnn({ classes: ['a', 'b'], schema: uniformNumericSchema(8 * 8, 'p', 0, 1), image: { height: 8, width: 8, channels: 1 }, convolutions: [{ kernelSize: 3, inputChannels: 1, filters: 2, weights: values(18), biases: values(2) }], dense: [{ inputs: 18, outputs: 2, weights: values(36), biases: values(2), activation: 'softmax' }], params: {} });
  for (let turns = 0; turns < 400 && !(isWarmedUp(CNN_BLOCK) && isWarmedUp(SPARSE_LAYER)); turns++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.ok(isWarmedUp(CNN_BLOCK));
  assert.ok(isWarmedUp(SPARSE_LAYER));
});
