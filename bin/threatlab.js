#!/usr/bin/env node
// Entry point of the `threatlab` command: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

// A reader that stops early (`threatlab audit --help | head`) closes the pipe: stop quietly with
// the status so far, as Unix tools do on SIGPIPE, not with an unhandled 'error' event's stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
