/**
 * A newcomer's first commands, as the README writes them: a fresh clone of this repository
 * (its node_modules linked in, since `npm install` needs the registry and two minutes of native
 * build — CI has just run it), the set-up block's demo, and the curl session pasted whole into
 * bash. The session must answer, bill, and leave no server behind.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

/** The README's ```sh blocks under a heading. */
function shellBlock(readme: string, heading: string): string {
  const start = readme.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `README has "## ${heading}"`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(start));
  assert.ok(block, `a sh block under "${heading}"`);
  return block[1];
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

test("the README's set-up and curl session work when pasted into a fresh clone", async (t) => {
  if (!(await portFree(8080))) return t.skip('port 8080 is taken on this machine; the curl session uses it');
  const clone = join(mkdtempSync(join(tmpdir(), 'threatlab-newcomer-')), 'threatlab');
  execFileSync('git', ['clone', '--quiet', root, clone]);
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
  const readme = readFileSync(join(clone, 'README.md'), 'utf8');
  const env: NodeJS.ProcessEnv = { ...process.env, THREATLAB_DATA: '' };
  delete env.NODE_TEST_CONTEXT;

  const setup = shellBlock(readme, 'Set-up').split('\n').find((line) => line.includes('threatlab demo'))!;
  const demoCommand = setup.replace(/#.*$/, '').replace(/^npm install && /, '').trim();
  const demo = spawnSync('bash', ['-c', demoCommand], { cwd: clone, env, encoding: 'utf8', timeout: 300_000 });
  assert.equal(demo.status, 0, demo.stderr);
  assert.match(demo.stdout, /attacker paid: 785 queries/);
  assert.match(demo.stdout, /membership inference/);

  const session = shellBlock(readme, 'The API in a curl session');
  const run = spawnSync('bash', ['-e', '-c', session], { cwd: clone, env, encoding: 'utf8', timeout: 180_000 });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  const lines = run.stdout.split('\n').filter((line) => line.startsWith('{'));
  const predict = JSON.parse(lines.find((line) => line.includes('"answers"'))!);
  assert.equal(predict.queries, 2);
  assert.equal(predict.costMicros, 2000);
  assert.deepEqual(predict.answers.map((answer: { label: number }) => answer.label), [0, 2]);
  const usage = JSON.parse(lines.find((line) => line.includes('"account"'))!);
  assert.deepEqual(usage.totals, { requests: 1, queries: 2, costMicros: 2000, cost: 0.002 });
  assert.ok(await portFree(8080), 'the session stopped its server');
});
