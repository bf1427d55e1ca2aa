// Worker-thread entry: registers the TypeScript loader (a worker does not inherit the parent's
// programmatic registration), then runs the compute worker.
import { register } from 'tsx/esm/api';

register();
await import('./compute-worker-main.ts');
