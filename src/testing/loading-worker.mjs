// A worker for native-guard's test. It holds its start until told to go on, then loads
// onnxruntime-node's binding (native work a terminate must not land in) and says it has started,
// as the pools' workers do at the end of their entry modules.
import { setInterval } from 'node:timers';
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { workerStarted } = await import('../parallel/native-guard.ts');
parentPort.postMessage('starting');
await new Promise((resolve) => parentPort.once('message', resolve));
await import('onnxruntime-node');
workerStarted();
// Runs until stopped.
setInterval(() => {}, 60_000);
