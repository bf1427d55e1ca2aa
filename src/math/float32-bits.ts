/** A number's float32 bit pattern and back: what LSB encoding writes and low-bit scrubbing erases (Song et al. 2017). */

const view = new DataView(new ArrayBuffer(4));

/** The 32 bits of `value` rounded to float32. */
export function float32Bits(value: number): number {
  view.setFloat32(0, value);
  return view.getUint32(0);
}

/** The float32 whose bits are `bits`. */
export function fromFloat32Bits(bits: number): number {
  view.setUint32(0, bits >>> 0);
  return view.getFloat32(0);
}
