// Worker-thread entry: registers the TypeScript loader (a worker does not inherit the parent's
// programmatic registration), then runs one network fit.
import { register } from 'tsx/esm/api';

register();
await import('./network-fit-worker-main.ts');
