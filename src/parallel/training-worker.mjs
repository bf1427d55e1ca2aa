// Worker-thread entry: registers the TypeScript loader (a worker does not inherit the parent's
// programmatic registration), then runs the training worker.
import { register } from 'tsx/esm/api';

register();
await import('./training-worker-main.ts');
