/** Runs the CLI in-process with captured output (for tests). */

import type { CliIo } from '../cli/io.ts';
import { main } from '../cli/main.ts';

/** Exit status and everything printed. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `threatlab ...args`. */
export async function runCli(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text), stderrIsTerminal: false };
  const status = await main(['node', 'threatlab', ...args], io);
  return { status, stdout, stderr };
}
