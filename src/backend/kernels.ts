/**
 * Helpers for writing a wasm kernel out of other registered kernels (as the backends do
 * internally): run a kernel function directly on TensorInfos and free the intermediates.
 */

import { tf } from './tf.ts';

/** A tensor as kernels see it. */
export type Info = tf.TensorInfo;

/** What a kernel function receives. */
export interface KernelArgs {
  inputs: Record<string, Info>;
  backend: tf.KernelBackend;
  attrs?: Record<string, unknown>;
}

/** Runs the registered kernel `name` of `backendName` on TensorInfos. */
export function runKernel(backendName: string, name: string, backend: tf.KernelBackend, inputs: Record<string, Info>, attrs: Record<string, unknown> = {}): Info {
  const config = tf.getKernel(name, backendName);
  if (!config) throw new Error(`kernel ${name} is not registered for ${backendName}`);
  return config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as Info;
}

/** Frees intermediate results. */
export function release(backend: tf.KernelBackend, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}
