/**
 * onnxruntime's one-time start-up in a thread: its environment and kernel registry are made by the
 * first session (~30–65 ms here, 2,100 page faults), not when the module loads. A thread that will
 * train natively (a started training pool's workers) pays it before it takes work, so that its
 * first job does not; benchmarks pay it before their timers, as a peer imports torch before its own.
 */

import * as ort from 'onnxruntime-node';
import { createDirectSession } from './direct-session.ts';
import { GraphBuilder } from './onnx-graph.ts';

/**
 * Makes and runs a small session, then releases it; the milliseconds it took. Its graph holds what
 * every graph here is written with — float and int64 constants, attributes of each kind — so that
 * the ONNX writer's message encoders (protobufjs makes each on its first use) are made here too:
 * a first CNN training graph took 5.2–6.1 ms to write after a one-node start, 2.8–4.1 after this one.
 */
export async function startOnnxRuntime(): Promise<number> {
  const started = performance.now();
  const graph = new GraphBuilder();
  const x = graph.node('Reshape', [graph.input('x', [1]), graph.integers([1, 1])]);
  const y = graph.node('Mul', [graph.node('Transpose', [x], { perm: { ints: [1, 0] } }), graph.constant([1])]);
  const z = graph.node('Softmax', [graph.node('LeakyRelu', [y], { alpha: { float: 0.5 } })], { axis: { int: 1 } });
  graph.output(graph.node('Reshape', [z, graph.integers([1])], {}, 'y'), [1]);
  // Through the binding, as every session here is made and run (direct-session.ts).
  const session = createDirectSession(graph.serialise('start'), { intraOpNumThreads: 1, interOpNumThreads: 1, logSeverityLevel: 3 });
  await session.run({ x: new ort.Tensor('float32', Float32Array.of(0), [1]) });
  await session.release();
  return performance.now() - started;
}
