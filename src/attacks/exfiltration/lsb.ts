/**
 * LSB encoding (Song, Ristenpart and Shmatikov, CCS 2017, §4.1): train normally, then overwrite
 * the lowest `bits` mantissa bits of every float32 parameter with the secret — optionally
 * deflate-compressed (zlib's default level; level 9 took 15× as long on Fashion-MNIST for 0.8%
 * fewer bytes) and AES-256-CTR-encrypted under the attacker's passphrase, behind a 4-byte length
 * header. White-box: the decoder reads the bits back from the published parameters.
 * With ≤ 20 of float32's 23 mantissa bits rewritten, no exponent or sign changes, so a parameter
 * moves by less than 2^(bits−23) of its value.
 */

import { createCipheriv, createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { ThreatlabError, ValidationError } from '../../errors.ts';
import { float32Bits, fromFloat32Bits } from '../../math/float32-bits.ts';
import { parameterArrays, withParameters } from '../../models/parameter-arrays.ts';
import type { Model } from '../../models/types.ts';
import type { LsbKey } from './key.ts';
import type { Secret } from './secret.ts';

/** Options of the LSB encoder. */
export interface LsbOptions {
  bits: number;
  compress: boolean;
  passphrase?: string;
}

/** AES-256-CTR with a key and counter derived from the passphrase (encrypting and decrypting are the same). */
function crypt(bytes: Uint8Array, passphrase: string): Uint8Array {
  const key = createHash('sha256').update(passphrase).digest();
  const iv = createHash('sha256').update(`iv:${passphrase}`).digest().subarray(0, 16);
  const cipher = createCipheriv('aes-256-ctr', key, iv);
  return new Uint8Array(Buffer.concat([cipher.update(bytes), cipher.final()]));
}

function payloadOf(values: Uint8Array, options: LsbOptions): Uint8Array {
  const body = options.compress ? new Uint8Array(deflateRawSync(values)) : values;
  const framed = new Uint8Array(4 + body.length);
  new DataView(framed.buffer).setUint32(0, body.length);
  framed.set(body, 4);
  return options.passphrase ? crypt(framed, options.passphrase) : framed;
}

function allParameters(arrays: { weights: number[][]; biases: number[][] }): number[][] {
  return [...arrays.weights, ...arrays.biases];
}

/** Parameters that can hold bits. */
export function lsbCapacityBits(model: Model, bits: number): number {
  return allParameters(parameterArrays(model.toJSON())).reduce((sum, array) => sum + array.length, 0) * bits;
}

/**
 * The largest k in 0…`most` whose payload of `bytesFor(k)` bytes fits in `room`, for payloads that
 * grow with k — bisection's answer in fewer calls. One item first; then, while no k is known not to
 * fit, the fitting payload's bytes per item scaled to the room; then the line between the two
 * nearest payloads either side of the room (the middle instead when one side moved three times running).
 * 3,000 Fashion-MNIST images into a 256-unit MLP: 5 deflates of about the room's size instead of
 * 12 of up to all 2.35 MB.
 */
export function largestFitting(most: number, room: number, bytesFor: (k: number) => number): number {
  // `low` fits (0 holds nothing); `high` does not (most + 1 is past the end, its size unknown).
  let [low, lowBytes, high, highBytes] = [0, 0, most + 1, Infinity];
  let [k, lastSide, run] = [1, '', 0];
  while (high - low > 1) {
    k = Math.min(high - 1, Math.max(low + 1, k));
    const bytes = bytesFor(k);
    const side = bytes <= room ? 'low' : 'high';
    if (side === 'low') [low, lowBytes] = [k, bytes];
    else [high, highBytes] = [k, bytes];
    run = side === lastSide ? run + 1 : 1;
    lastSide = side;
    if (highBytes === Infinity) k = Math.floor((low * room) / Math.max(1, lowBytes));
    else if (run >= 3) k = Math.floor((low + high) / 2);
    else k = low + Math.floor(((room - lowBytes) * (high - low)) / Math.max(1, highBytes - lowBytes));
  }
  return low;
}

/** Hides as many whole items of `secret` as fit in the low bits of `model`'s parameters. */
export function encodeLsb(model: Model, secret: Secret, options: LsbOptions): { model: Model; key: LsbKey; items: number; payloadBytes: number } {
  if (!Number.isInteger(options.bits) || options.bits < 1 || options.bits > 20) {
    throw new ValidationError('cannot encode by LSB', [{ path: 'bits', message: `${options.bits}: give 1…20 (float32 has 23 mantissa bits)` }]);
  }
  const capacity = lsbCapacityBits(model, options.bits);
  const payloadFor = (k: number) => payloadOf(secret.values.subarray(0, k * secret.valuesPerItem), options);
  const items = largestFitting(secret.items, Math.floor(capacity / 8), (k) => payloadFor(k).length);
  const payload = items > 0 ? payloadFor(items) : undefined;
  if (!payload) {
    throw new ThreatlabError('capability', `the ${model.kind} model's ${capacity} low bits cannot hold one ${secret.valuesPerItem}-value item; use more bits, compression, or a bigger model`);
  }
  const stream = payload;
  const mask = (1 << options.bits) - 1;
  let bit = 0;
  const encoded = withParameters(model, (arrays) => {
    for (const array of allParameters(arrays)) {
      for (let i = 0; i < array.length && bit < stream.length * 8; i++) {
        let chunk = 0;
        for (let b = 0; b < options.bits; b++, bit++) chunk = (chunk << 1) | (bit < stream.length * 8 ? (stream[bit >> 3] >> (7 - (bit & 7))) & 1 : 0);
        array[i] = fromFloat32Bits((float32Bits(array[i]) & ~mask) | chunk);
      }
    }
  });
  const key: LsbKey = { format: 1, attack: 'lsb', items, valuesPerItem: secret.valuesPerItem, image: secret.image, bits: options.bits, compress: options.compress, passphrase: options.passphrase };
  return { model: encoded, key, items, payloadBytes: payload.length };
}

/** Reads the secret back out of the low bits (white-box). */
export function decodeLsb(model: Model, key: LsbKey): Uint8Array {
  const mask = (1 << key.bits) - 1;
  const parameters = allParameters(parameterArrays(model.toJSON()));
  const totalBytes = Math.floor((parameters.reduce((sum, array) => sum + array.length, 0) * key.bits) / 8);
  const raw = new Uint8Array(totalBytes);
  let bit = 0;
  for (const array of parameters) {
    for (let i = 0; i < array.length && bit < totalBytes * 8; i++) {
      const chunk = float32Bits(array[i]) & mask;
      for (let b = key.bits - 1; b >= 0 && bit < totalBytes * 8; b--, bit++) raw[bit >> 3] |= ((chunk >> b) & 1) << (7 - (bit & 7));
    }
  }
  const framed = key.passphrase ? crypt(raw, key.passphrase) : raw;
  const length = new DataView(framed.buffer, framed.byteOffset).getUint32(0);
  const wanted = key.items * key.valuesPerItem;
  if (length > framed.length - 4) throw new ThreatlabError('validation', `the low ${key.bits} bits hold no payload of this key (length header ${length} > ${framed.length - 4} bytes): not an LSB-encoded model, or the wrong key`);
  const body = framed.subarray(4, 4 + length);
  let values: Uint8Array;
  try {
    values = key.compress ? new Uint8Array(inflateRawSync(body)) : body;
  } catch {
    throw new ThreatlabError('validation', `the low ${key.bits} bits do not inflate: the parameters were changed after encoding (a defence?), or the wrong key`);
  }
  const out = new Uint8Array(wanted);
  out.set(values.subarray(0, wanted));
  return out;
}
