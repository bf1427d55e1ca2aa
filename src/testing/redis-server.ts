/**
 * A private Redis for tests (Debian's redis-server): on a free loopback port, in its own folder,
 * with the append-only file synced on every write, so a test can kill it and start it again on the
 * same data. And `threatlab worker` processes to go with it.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../bin/threatlab.js', import.meta.url));

/** Whether `redis-server` is on the PATH. */
export function redisServerInstalled(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until `child` prints a line matching `pattern` (on stdout or stderr). */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => finish(new Error(`no output matching ${pattern} within ${timeoutMs} ms; got: ${seen.slice(-500)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) finish(undefined, match[0]);
    };
    const onExit = (code: number | null) => finish(new Error(`exited (${code}) before printing ${pattern}: ${seen.slice(-500)}`));
    const finish = (error?: Error, line?: string) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(line!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

/**
 * Children still running when this process exits are killed: a test or probe that throws before
 * its `stop` left its Redis servers and workers running for an hour, idle, holding 270 MB each.
 */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function killedAtExit(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** A running test Redis. */
export class TestRedis {
  readonly port: number;
  readonly dir: string;
  private child?: ChildProcess;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.dir = dir;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts one on a free port. */
  static async start(): Promise<TestRedis> {
    const redis = new TestRedis(await freePort(), mkdtempSync(join(tmpdir(), 'threatlab-redis-')));
    await redis.launch();
    return redis;
  }

  /** Kills it without warning (`SIGKILL`: no save, no clean shutdown). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts it again on the same port and folder. */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  /** Stops it and deletes its folder. */
  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--protected-mode', 'yes'];
    this.child = killedAtExit(spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    await waitForOutput(this.child, /Ready to accept connections/);
  }
}

/** A `threatlab worker` process. */
export interface TestWorker {
  child: ChildProcess;
  /** Everything it has logged. */
  log(): string;
  /** Stops it: SIGTERM waits for its jobs, SIGKILL does not. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `threatlab worker --redis url` and waits until it takes jobs. */
export async function startTestWorker(url: string, args: string[] = []): Promise<TestWorker> {
  const child = killedAtExit(spawn(process.execPath, [CLI, 'worker', '--redis', url, '--concurrency', '1', ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput(child, /takes jobs from/);
  return {
    child,
    log: () => output,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}
