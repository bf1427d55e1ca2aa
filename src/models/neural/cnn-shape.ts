/** The sizes of cnn.ts's network: each block a valid k × k convolution, then 2 × 2 max-pooling (floor). */

/** Shape after a block: valid convolution then 2×2 pooling. */
export function blockOutput(height: number, width: number, kernelSize: number): [number, number] {
  return [Math.floor((height - kernelSize + 1) / 2), Math.floor((width - kernelSize + 1) / 2)];
}

/** The flattened width of the last block's output (its pooled height × width × filters), for 3 × 3 kernels. */
export function flatWidth(spec: { image: { height: number; width: number }; filters: readonly number[] }): number {
  let [h, w] = [spec.image.height, spec.image.width];
  for (const _ of spec.filters) [h, w] = blockOutput(h, w, 3);
  return h * w * spec.filters[spec.filters.length - 1];
}
