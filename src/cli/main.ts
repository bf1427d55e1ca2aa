/**
 * The `threatlab` command line: parses argv with commander, calls the library, prints.
 * Nothing else lives here; every command's logic is a function under `commands/`.
 */

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ThreatlabError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { DEFAULT_SEED } from '../random.ts';
import { runDatasets } from './commands/datasets.ts';
import { runDemo } from './commands/demo.ts';
import { EXIT_OK, EXIT_USAGE, processIo, reportError, type CliIo } from './io.ts';

function parseSeed(value: string): number {
  const seed = Number(value);
  if (!/^\d+$/.test(value) || seed > 0xffffffff) throw new InvalidArgumentError('must be a whole number in [0, 4294967295]');
  return seed;
}

/** Builds the command tree; actions write through `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('threatlab')
    .description('Confidentiality and privacy threats against machine-learning models: run them, measure them, audit your model.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) });

  const progressFor = (json: boolean | undefined) =>
    createProgress({ json, stream: { write: (text) => io.stderr(text), isTTY: io.stderrIsTerminal } });

  program
    .command('datasets')
    .description('list every data set: found or missing here, rows, features, classes, the paper row it reproduces')
    .option('--json', 'print one JSON document')
    .action((options: { json?: boolean }) => {
      runDatasets(io, options, progressFor(options.json));
    });

  program
    .command('demo')
    .description('run the main job on the embedded default data set (MNIST digits; no external file)')
    .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
    .option('--json', 'print one JSON document')
    .action((options: { json?: boolean; seed: number }) => {
      runDemo(io, options, progressFor(options.json));
    });

  return program;
}

/** Runs the CLI on `argv` (as process.argv) and returns the exit status. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  const json = argv.includes('--json');
  const program = buildProgram(io);
  if (json) program.configureOutput({ writeOut: (text) => io.stdout(text), writeErr: () => {} });
  try {
    await program.parseAsync(argv);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return EXIT_OK; // --help, --version
      if (json) return reportError(io, true, new ThreatlabError('usage', error.message.replace(/^error: /, '')));
      return EXIT_USAGE;
    }
    return reportError(io, json, error);
  }
}
