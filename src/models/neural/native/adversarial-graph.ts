/**
 * Adversarial training's PGD examples inside a training graph (Madry et al., "Towards deep
 * learning models resistant to adversarial attacks", ICLR 2018), as the tfjs engine's adversary
 * makes them (defenses/adversarial-training.ts): with the per-column inputs `radius`, `lower`,
 * `upper` and `step` (2.5 · radius / steps) and `noise` (batch × columns, uniform in [−1, 1),
 * drawn by the trainer's rng), low = max(x − r, lower), high = min(x + r, upper), the start
 * clip(x + noise · r) and `steps` steps clip(x + step · sign(∇ₓ CE)), each clip to [low, high] —
 * every one in float32, as tfjs's tensors. The network's graph (dense-step-graph.ts,
 * cnn-step-graph.ts) gives the gradient; its loss and its weights' gradients are then taken at
 * these rows, in the same onnxruntime call.
 */

import type { GraphBuilder } from './onnx-graph.ts';

/**
 * The PGD examples of the batch `clean` (batch × `columns`); `inputGradient(x)` is the batch's
 * cross-entropy gradient at rows x (up to a positive factor: only its sign is read).
 */
export function adversarialRows(g: GraphBuilder, columns: number, steps: number, clean: string, inputGradient: (x: string) => string): string {
  const [noise, radius, lower, upper, step] = [g.input('noise', ['batch', columns]), g.input('radius', [columns]), g.input('lower', [columns]), g.input('upper', [columns]), g.input('step', [columns])];
  const low = g.node('Max', [g.node('Sub', [clean, radius]), lower]);
  const high = g.node('Min', [g.node('Add', [clean, radius]), upper]);
  const clip = (value: string) => g.node('Min', [g.node('Max', [value, low]), high]);
  let x = clip(g.node('Add', [clean, g.node('Mul', [noise, radius])]));
  for (let s = 0; s < steps; s++) x = clip(g.node('Add', [x, g.node('Mul', [step, g.node('Sign', [inputGradient(x)])])]));
  return x;
}
