/**
 * Progress for long work (training shadow models, loading big data sets). A reporter draws a
 * bar on an interactive terminal's stderr and is silent under `--json`, when stderr is not a
 * terminal, and inside node's test runner. Library code takes a `Progress` and never prints.
 */

/** Receives progress from long-running work. */
export interface Progress {
  /** Starts (or restarts) a task of `total` steps. */
  start(label: string, total: number): void;
  /** Advances the current task by `steps` (1 by default). */
  tick(steps?: number): void;
  /** Ends the current task. */
  done(): void;
}

/** A progress reporter that does nothing. */
export const silentProgress: Progress = {
  start() {},
  tick() {},
  done() {},
};

/** Where a bar is drawn: anything with `write` and, for terminals, `isTTY` and `columns`. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options for `createProgress`. */
export interface ProgressOptions {
  /** Output is JSON: draw nothing. */
  json?: boolean;
  /** Where to draw (stderr by default). */
  stream?: ProgressStream;
  /** Draw even when the stream is not a terminal (for tests of the bar itself). */
  force?: boolean;
}

/** True inside node's test runner, which sets NODE_TEST_CONTEXT for its child processes. */
function insideTestRunner(): boolean {
  return process.env.NODE_TEST_CONTEXT !== undefined;
}

/**
 * A progress reporter for the CLI: a bar on a terminal; under `--json`, one JSON line per
 * event on stderr (`{"progress":{"task","done","total"}}`, at most one a second plus each task's
 * start and end), so stdout keeps exactly one document; silence otherwise and in the test runner.
 */
export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.json) return options.force === true || !insideTestRunner() ? new JsonLines(stream) : silentProgress;
  const enabled = options.force === true || (stream.isTTY === true && !insideTestRunner());
  if (!enabled) return silentProgress;
  return new TerminalBar(stream);
}

/** The counting both reporters share; each says how it shows a moment (`show`) and an end. */
abstract class Counter implements Progress {
  protected label = '';
  protected total = 0;
  protected current = 0;
  protected readonly stream: ProgressStream;

  constructor(stream: ProgressStream) {
    this.stream = stream;
  }

  start(label: string, total: number): void {
    this.label = label;
    this.total = Math.max(0, total);
    this.current = 0;
    this.begin();
    this.show(true);
  }

  tick(steps = 1): void {
    this.current = Math.min(this.total, this.current + steps);
    this.show(false);
  }

  done(): void {
    this.current = this.total;
    this.show(true);
    this.end();
  }

  /** Shows the count; `always` at a task's start and end. */
  protected abstract show(always: boolean): void;

  protected begin(): void {}

  protected end(): void {}
}

/** One JSON line an event, at most one a second besides each task's start and end. */
class JsonLines extends Counter {
  private lastWritten = 0;

  protected show(always: boolean): void {
    if (!always && Date.now() - this.lastWritten < 1000) return;
    this.lastWritten = Date.now();
    this.stream.write(`${JSON.stringify({ progress: { task: this.label, done: this.current, total: this.total } })}\n`);
  }
}

/** A bar redrawn in place whenever the whole percentage changes. */
class TerminalBar extends Counter {
  private lastDrawn = -1;

  protected show(): void {
    const fraction = this.total === 0 ? 1 : this.current / this.total;
    const percent = Math.floor(fraction * 100);
    if (percent === this.lastDrawn) return;
    this.lastDrawn = percent;
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - this.label.length - 20));
    const filled = Math.round(fraction * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    this.stream.write(`\r${this.label} [${bar}] ${String(percent).padStart(3)}% ${this.current}/${this.total}`);
  }

  protected override begin(): void {
    this.lastDrawn = -1;
  }

  protected override end(): void {
    this.stream.write('\n');
  }
}
