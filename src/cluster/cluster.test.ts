import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeClassification } from '../data/datasets/synthetic.ts';
import { concatRows, rowOrigin, subsetRows } from '../data/dataset.ts';
import { MEMBERSHIP_ATTACKS } from '../attacks/membership/index.ts';
import { membershipSplit } from '../attacks/membership/membership-split.ts';
import { runMembership } from '../attacks/membership/runner.ts';
import { LocalOracle } from '../oracle/local-oracle.ts';
import { TrainingPool } from '../parallel/training-pool.ts';
import { Rng } from '../random.ts';
import { redisServerInstalled, startTestWorker, TestRedis, type TestWorker } from '../testing/redis-server.ts';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { runCli } from '../testing/cli.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Store } from '../api/store.ts';
import { testApi } from '../testing/api.ts';
import { ClusterTaskRunner } from './cluster-tasks.ts';
import { ClusterTrainingService } from './cluster-training.ts';
import { CodedDataset, decodeDataset, encodeDataset } from './dataset-blob.ts';
import { BlobReader, BlobWriter } from './blob-store.ts';
import { decodeRows, encodeRows } from './training-jobs.ts';
import { connectRedis, redacted } from './redis.ts';

const TRAINER = { kind: 'mlp', params: { hidden: '64', epochs: 60, batchSize: 32, learningRate: 0.003, validationFraction: 0 } };

function probabilities(model: { predictProba(x: unknown): { data: Float64Array } }, data: { features: unknown }): number[] {
  return Array.from(model.predictProba(data.features).data);
}

test('a data set survives its blob bit for bit; subsets remember their rows of the first data set', () => {
  const data = makeClassification(50, { classes: 3, seed: 1 });
  data.features.data[7] = 0.1 + 0.2; // a value that is not a short decimal
  const back = decodeDataset(encodeDataset(data), 'test');
  assert.deepEqual(Array.from(back.features.data), Array.from(data.features.data));
  assert.deepEqual(Array.from(back.labels), Array.from(data.labels));
  assert.deepEqual([back.name, back.classes, back.schema, back.targetName], [data.name, data.classes, data.schema, data.targetName]);
  assert.throws(() => decodeDataset(encodeDataset(data).subarray(0, 100), 'cut'), { code: 'parse-error' });

  const first = subsetRows(data, [10, 20, 30, 40]);
  const second = subsetRows(first, [3, 1]);
  assert.equal(rowOrigin(second)!.parts.length, 1);
  assert.equal(rowOrigin(second)!.parts[0].source, data);
  assert.deepEqual(Array.from(rowOrigin(second)!.parts[0].indices), [40, 20]);
  assert.equal(rowOrigin(data), undefined);
  // A LiRA shadow: candidates then population rows; a subset of that crosses both.
  const other = makeClassification(20, { classes: 3, seed: 2 });
  const joined = concatRows(second, subsetRows(other, [5, 6]));
  const mixed = rowOrigin(subsetRows(joined, [3, 0, 2]))!.parts;
  assert.deepEqual(mixed.map((part) => [part.source === data ? 'data' : 'other', Array.from(part.indices)]), [['other', [6]], ['data', [40]], ['other', [5]]]);
  // Members and non-members cut from one data set, then shuffled (a LiRA shadow's candidates): one
  // part, not one per run of rows (thousands of parts made the worker assemble rows quadratically).
  const candidates = concatRows(subsetRows(data, [1, 2]), subsetRows(data, [3, 4]));
  const shuffled = rowOrigin(subsetRows(candidates, [3, 0, 2, 1]))!.parts;
  assert.deepEqual(shuffled.map((part) => [part.source === data, Array.from(part.indices)]), [[true, [4, 1, 3, 2]]]);
  assert.deepEqual(Array.from(decodeRows(encodeRows(Uint32Array.of(0, 7, 4_000_000_000)))!), [0, 7, 4_000_000_000]);
  assert.equal(decodeRows('AAA='), null);
});

test('pixel-like data travel as a palette and a byte per value, bit for bit; other data as float64', () => {
  const pixels = makeClassification(401, { classes: 2, seed: 3 }); // 401 rows: the sections end off a multiple of 8
  const cols = pixels.features.cols;
  pixels.features.data.forEach((_, i, values) => (values[i] = ((i * 7919) % 200) / 255));
  const bytes = encodeDataset(pixels);
  assert.ok(bytes.length < (401 * cols * 8) / 4, `${bytes.length} bytes for ${401 * cols} pixels`);
  const back = decodeDataset(bytes, 'pixels');
  assert.deepEqual(Array.from(back.features.data), Array.from(pixels.features.data));
  assert.deepEqual(Array.from(back.labels), Array.from(pixels.labels));
  // A damaged code is an error, not a wrong value.
  const damaged = Buffer.from(bytes);
  const header = damaged.readUInt32LE(0);
  const palette = (JSON.parse(bytes.subarray(4, 4 + header).toString()) as { palette: number }).palette;
  assert.equal(palette, 200);
  damaged[Math.ceil((4 + header) / 8) * 8 + palette * 8] = 255;
  assert.throws(() => decodeDataset(damaged, 'damaged'), { code: 'parse-error' });
  // 4 × 80 distinct values in all, 4 in each column: a palette per column.
  const spread = makeClassification(400, { classes: 2, seed: 4, features: 80 });
  spread.features.data.forEach((_, i, values) => (values[i] = (Math.floor(i / 80) % 4) * 100 + (i % 80)));
  const perColumn = encodeDataset(spread);
  assert.ok(perColumn.length < (400 * 80 * 8) / 5, `${perColumn.length} bytes`);
  assert.deepEqual(Array.from(decodeDataset(perColumn, 'spread').features.data), Array.from(spread.features.data));
});

test('tabular data travel column by column: one-hot and small-code columns as palettes, a column of many values, a -0 or a NaN as float64, bit for bit', () => {
  const rows = 300;
  const data = makeClassification(rows, { classes: 2, seed: 5 });
  const cols = data.features.cols;
  assert.ok(cols >= 5);
  const values = data.features.data;
  for (let i = 0; i < rows; i++) {
    values[i * cols] = (i * 7919) % 1000 / 7; // 300 distinct: float64
    values[i * cols + 1] = i % 3 === 0 ? 1 : 0; // one-hot: coded
    values[i * cols + 2] = i === 9 ? -0 : 0.5 * (i % 4); // a -0 (after a 0): float64
    values[i * cols + 3] = i === 17 ? Number.NaN : i % 5; // a NaN: float64
  }
  const bytes = encodeDataset(data);
  const header = JSON.parse(bytes.subarray(4, 4 + bytes.readUInt32LE(0)).toString()) as { palette?: number; columns: number[] };
  assert.equal(header.palette, undefined);
  assert.deepEqual(header.columns.slice(0, 4), [0, 2, 0, 0]);
  assert.ok(header.columns.slice(4).every((size) => size === 0), 'makeClassification’s continuous columns: float64');
  const back = decodeDataset(bytes, 'tabular').features.data;
  assert.equal(back.length, values.length);
  values.forEach((value, i) => assert.ok(Object.is(back[i], value), `value ${i}: ${back[i]} for ${value}`));
  // Adult-like: every column one-hot but one: an eighth of the float64 bytes, about.
  const oneHot = makeClassification(rows, { classes: 2, seed: 6 });
  oneHot.features.data.forEach((_, i, all) => (all[i] = i % cols === 0 ? i / 3 : Number((i * 31) % 7 === 0)));
  const small = encodeDataset(oneHot);
  assert.ok(small.length < (rows * cols * 8) / 8 + rows * 8 * 2 + 4096, `${small.length} bytes for ${rows} × ${cols}`);
  assert.deepEqual(Array.from(decodeDataset(small, 'one-hot').features.data), Array.from(oneHot.features.data));
  // A damaged code is an error naming its column, not a wrong value.
  const damaged = Buffer.from(small);
  const smallHeader = damaged.readUInt32LE(0);
  const sizes = (JSON.parse(damaged.subarray(4, 4 + smallHeader).toString()) as { columns: number[] }).columns;
  const paletteValues = sizes.reduce((sum, size) => sum + size, 0);
  const floatColumns = sizes.filter((size) => size === 0).length;
  damaged[Math.ceil((4 + smallHeader) / 8) * 8 + paletteValues * 8 + rows * floatColumns * 8] = 200; // row 0's first code
  assert.throws(() => decodeDataset(damaged, 'damaged'), (error: Error & { code?: string }) => error.code === 'parse-error' && /outside its 2-value palette \(column \d+\)/.test(error.message));
});

test('a wrong --redis fails at once with the fix', async () => {
  await assert.rejects(connectRedis('redis://127.0.0.1:1', 2000), (error: Error & { code?: string }) => error.code === 'unavailable' && /redis-server/.test(error.message));
  await assert.rejects(ClusterTrainingService.connect('http://127.0.0.1:6379'), { code: 'usage' });
  assert.equal(redacted('redis://:s3cret@10.0.0.5:6379'), 'redis://:***@10.0.0.5:6379');
});

const haveRedis = redisServerInstalled();
if (!haveRedis && process.env.CI) throw new Error('CI must run the cluster tests: install Debian\'s redis-server (.ci/run does)');

describe('BullMQ workers over Redis', { skip: haveRedis ? false : 'redis-server is not installed (apt-get install redis-server)' }, () => {
  let redis: TestRedis;
  let workers: TestWorker[] = [];
  const local = new TrainingPool(0);

  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    await redis?.stop();
  });

  test('a test process that fails before stopping its Redis and worker takes both down with it', async () => {
    const helper = fileURLToPath(new URL('../testing/redis-server.ts', import.meta.url));
    const script = `const { TestRedis, startTestWorker } = await import(${JSON.stringify(helper)});
const redis = await TestRedis.start();
const worker = await startTestWorker(redis.url);
console.log(JSON.stringify([redis.child.pid, worker.child.pid]));
throw new Error('failed before stop');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 1);
    const pids = JSON.parse(output.trim()) as number[];
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let waited = 0; pids.some(alive) && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(pids.filter(alive), [], 'redis-server and the worker were killed when their parent exited');
  });

  test('a data set goes to Redis as the bytes its hash names; a worker keeps it coded within --cache-mb and reads any rows of it bit for bit', async () => {
    const data = makeClassification(400, { classes: 2, seed: 8 });
    data.features.data.forEach((_, i, values) => (values[i] = i % 20 === 0 ? i / 7 : (i % 3) + (Math.floor(i / 20) % 2))); // column 0 float64, the others coded
    const client = await connectRedis(redis.url);
    try {
      const writer = new BlobWriter(client);
      const hash = await writer.put(data);
      assert.equal(await writer.put(data), hash);
      const bytes = encodeDataset(data);
      assert.equal(writer.uploadedBytes, bytes.length, 'uploaded once, the bytes encodeDataset makes');
      assert.ok(bytes.length < data.features.data.byteLength / 4);
      const held = new CodedDataset(bytes, 'held').bytes;
      for (const [cacheBytes, fetches] of [[held, 1], [held - 1, 2]] as const) {
        const reader = new BlobReader(client, cacheBytes);
        const coded = await reader.get(hash);
        await reader.get(hash);
        assert.equal(reader.fetches, fetches, `a cache of ${cacheBytes} bytes for ${held} held`);
        // Rows 7, 0 and 399 written from the codes at value 3 of a buffer: the client's rows.
        const rows = [7, 0, 399];
        const into = new Float64Array(3 + rows.length * 20).fill(-1);
        coded.readRows(rows, into, 3);
        assert.deepEqual(Array.from(into.subarray(0, 3)), [-1, -1, -1]);
        rows.forEach((row, k) => assert.deepEqual(Array.from(into.subarray(3 + k * 20, 3 + (k + 1) * 20)), Array.from(data.features.data.subarray(row * 20, (row + 1) * 20))));
        assert.deepEqual([coded.rows, coded.cols, Array.from(coded.labels)], [400, 20, Array.from(data.labels)]);
      }
    } finally {
      client.disconnect();
    }
  });

  test('LiRA with 16 shadows on two worker processes equals the local run', async () => {
    workers = await Promise.all([startTestWorker(redis.url, ['--lock-ms', '2000']), startTestWorker(redis.url, ['--lock-ms', '2000'])]);
    const data = makeClassification(1200, { classes: 3, flipY: 0.1, seed: 5 });
    const split = membershipSplit(data, { members: 150, population: 600 }, 7);
    const target = await local.train(TRAINER, split.members, 11);
    const problem = { candidates: split.candidates, population: split.population, trainer: TRAINER, trainSize: 150 };
    const options = { params: { shadows: 16 }, seed: 3, members: split.truth };
    const cluster = await ClusterTrainingService.connect(redis.url);
    try {
      const there = await runMembership(MEMBERSHIP_ATTACKS.lira, new LocalOracle(target), problem, { ...options, pool: cluster });
      const here = await runMembership(MEMBERSHIP_ATTACKS.lira, new LocalOracle(target), problem, { ...options, pool: new TrainingPool(2) });
      assert.equal(there.status, 'completed');
      assert.deepEqual(there.outcome!.scores, here.outcome!.scores);
      assert.equal(there.outcome!.metrics!.auc, here.outcome!.metrics!.auc);
      assert.ok(there.outcome!.metrics!.auc > 0.6, `AUC ${there.outcome!.metrics!.auc}`);
      const stats = cluster.statistics();
      assert.equal(stats.completed, 16);
      assert.equal(Object.keys(stats.workers).length, 2, `both workers trained shadows: ${JSON.stringify(stats.workers)}`);
      // Candidates and population are rows of one 1,200-row data set: it went to Redis once (16
      // shadows of 150 rows would have been 16 × 150 rows); each job named its rows.
      assert.ok(stats.uploadedBytes <= 1200 * (20 * 8 + 4) + 4096, `${stats.uploadedBytes} bytes uploaded`);
      // The answers went as bytes under keys of their own, each taken (and deleted) by the client,
      // not as JSON in the jobs' records and the queue's event stream (a model goes the same way).
      const check = await connectRedis(redis.url);
      try {
        assert.deepEqual(await check.keys('threatlab:result:*'), [], 'every job\'s answers deleted once read');
        const jobKeys = (await check.keys('threatlab:training:*')).filter((key) => /^threatlab:training:[0-9a-f-]+-\d+$/.test(key));
        const recorded = await Promise.all(jobKeys.map((key) => check.hget(key, 'returnvalue')));
        const returned = recorded.filter((value): value is string => value !== null);
        assert.equal(returned.length, 16, 'the 16 jobs\' records are kept');
        for (const value of returned) assert.ok(value.length < 500 && /"answers":\{"key":"threatlab:result:/.test(value), `a job's return value names its answers: ${value.slice(0, 120)}`);
      } finally {
        check.disconnect();
      }
    } finally {
      await cluster.close();
    }
  });

  test('threatlab membership --redis on a scikit-learn MLP with the user\'s members: the same scores as on this machine', async () => {
    const fixtures = fileURLToPath(new URL('../../test/fixtures/sklearn/', import.meta.url));
    const args = ['membership', '--attack', 'lira', '--shadows', '4', '--model', join(fixtures, 'adult-mlp.json'), '--members', join(fixtures, 'adult-members.csv'), '--non-members', join(fixtures, 'adult-non-members.csv'), '--population', join(fixtures, 'adult-population.csv'), '--shadow-param', 'epochs=20', '--shadow-param', 'validationFraction=0', '--json'];
    const there = await runCli(...args, '--redis', redis.url);
    const here = await runCli(...args);
    assert.equal(there.status, 0, there.stdout);
    const [remote, local] = [JSON.parse(there.stdout), JSON.parse(here.stdout)];
    assert.deepEqual(remote.judged, local.judged);
    assert.equal(remote.queries, local.queries);
    assert.match(remote.trainedOn, /^models trained on 2 worker processes through Redis: 4 jobs, 0 restarted/);
    assert.equal(local.trainedOn, 'worker threads of this process');
    const refused = await runCli('reproduce', 'extraction', '--quick', '--redis', redis.url, '--json');
    assert.match(JSON.parse(refused.stdout).error.message, /--redis sends shadow and reference models to workers; "extraction" trains none/);
  });

  test('threatlab serve --redis: training and audit jobs run on the workers, and the job routes show them as local ones', async () => {
    const fixtures = fileURLToPath(new URL('../../test/fixtures/sklearn/', import.meta.url));
    const csv = readFileSync(join(fixtures, 'adult-population.csv'), 'utf8').split('\n').filter((line) => !line.split(',').includes('?')).join('\n');
    const runner = await ClusterTaskRunner.connect(redis.url);
    const remote = testApi({ jobs: runner });
    const local = testApi();
    try {
      const models: string[] = [];
      for (const api of [remote, local]) {
        const key = await api.owner('alice');
        const dataset = await api.call('POST', '/v1/datasets?name=adult.csv', { key, raw: csv, contentType: 'text/csv' });
        const queued = await api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset.body.id, target: 'income', model: 'softmax', testFraction: 0.3, seed: 7 } });
        assert.equal(queued.status, 202, JSON.stringify(queued.body));
        const job = await api.waitForJob(key, queued.body.id, 120_000);
        assert.equal(job.status, 'succeeded', JSON.stringify(job.error));
        assert.ok(job.startedAt, 'the start was recorded');
        models.push(api.store.modelJson(job.modelId)!);
        if (api === remote) {
          const audit = await api.call('POST', `/v1/models/${job.modelId}/audit`, { key, body: { threats: ['extraction'], policies: ['full'], quick: true } });
          const audited = await api.waitForJob(key, audit.body.id, 180_000);
          assert.equal(audited.status, 'succeeded', JSON.stringify(audited.error));
          assert.equal(audited.progress, 1, 'progress came back through the queue');
          assert.deepEqual(audited.result.verdicts.map((v: { threat: string }) => v.threat), ['extraction']);
          const listed = await api.call('GET', '/v1/jobs', { key });
          assert.deepEqual(listed.body.jobs.map((j: { status: string }) => j.status), ['succeeded', 'succeeded']);
          const sent = runner.statistics().uploadedBytes;
          const tree = await api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset.body.id, target: 'income', model: 'tree', params: { maxDepth: 1 }, testFraction: 0.3, seed: 7 } });
          assert.equal((await api.waitForJob(key, tree.body.id, 60_000)).result.trainRows, job.result.trainRows);
          assert.equal(runner.statistics().uploadedBytes, sent, 'a second job on the same CSV does not send it again');
        }
      }
      assert.equal(models[0], models[1], 'the model trained on a worker process is the one a thread here trains, byte for byte');
      const stats = runner.statistics();
      assert.equal(stats.completed, 3);
      assert.ok(stats.uploadedBytes >= csv.length, 'the CSV went to Redis by hash, not in the job');
    } finally {
      await remote.close();
      await local.close();
    }
  });

  test('a worker killed mid-job: the job is retried on the other and the models are the same', async () => {
    const data = makeClassification(3000, { classes: 3, seed: 9 });
    const sets = [0, 1, 2, 3].map((i) => subsetRows(data, Array.from({ length: 1500 }, (_, k) => (k * 2 + i) % 3000)));
    const slow = { ...TRAINER, params: { ...TRAINER.params, epochs: 40 } };
    const cluster = await ClusterTrainingService.connect(redis.url);
    try {
      const jobs = sets.map((set, i) => cluster.train(slow, set, 50 + i));
      const victim = workers[0];
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (/started \(attempt 1\): mlp on 1500 rows/.test(victim.log())) {
            clearInterval(check);
            resolve();
          }
        }, 20);
      });
      await victim.stop('SIGKILL');
      const models = await Promise.all(jobs);
      const stats = cluster.statistics();
      assert.ok(stats.restarted >= 1, `a job started twice: ${JSON.stringify(stats)}`);
      assert.deepEqual(Object.keys(stats.workers), [workers[1].log().match(/worker (\S+) takes jobs/)![1]]);
      for (let i = 0; i < sets.length; i++) {
        const reference = await local.train(slow, sets[i], 50 + i);
        assert.deepEqual(probabilities(models[i], sets[i]), probabilities(reference, sets[i]), `model ${i}`);
      }
      // Each model came as JSON text under a key of its own, taken (and deleted) by the client.
      const check = await connectRedis(redis.url);
      try {
        assert.deepEqual(await check.keys('threatlab:result:*'), [], 'every model deleted once read');
        const jobKeys = (await check.keys('threatlab:training:*')).filter((key) => /^threatlab:training:[0-9a-f-]+-\d+$/.test(key));
        const returned = (await Promise.all(jobKeys.map((key) => check.hget(key, 'returnvalue')))).filter((value): value is string => value !== null);
        const models = returned.filter((value) => value.includes('"modelKey"'));
        assert.equal(models.length, 4, `the four jobs' records name their models' keys: ${returned.map((value) => value.slice(0, 80)).join(' | ')}`);
        for (const value of models) assert.ok(value.length < 500 && /"modelKey":"threatlab:result:/.test(value), `a job's return value names its model's key: ${value.slice(0, 120)}`);
      } finally {
        check.disconnect();
      }
    } finally {
      await cluster.close();
    }
  });

  test('a job its trainer rejects fails once, with the trainer\'s error', async () => {
    const cluster = await ClusterTrainingService.connect(redis.url);
    try {
      const data = makeClassification(100, { classes: 2, seed: 3 });
      await assert.rejects(cluster.train({ kind: 'mlp', params: { epochs: -3 } }, data, 1), (error: Error & { code?: string }) => error.code === 'validation' && /epochs/.test(error.message));
      assert.equal(cluster.statistics().failed, 1);
      assert.equal(cluster.statistics().restarted, 0);
      assert.equal(workers[1].log().match(/mlp on 100 rows/g)?.length, 1, 'started once');
    } finally {
      await cluster.close();
    }
  });

  test('cancel: a running job stops on its worker, a waiting one never runs; a client that closes cancels its jobs; the API cancels a server job', async () => {
    const worker = workers[1];
    const data = makeClassification(3000, { classes: 3, seed: 6 });
    const slow = { ...TRAINER, params: { ...TRAINER.params, epochs: 2000 } };
    const started = () => worker.log().match(/started \(attempt \d\): mlp on 3000 rows/g)?.length ?? 0;
    const stopped = () => worker.log().match(/failed: cancelled/g)?.length ?? 0;
    const until = async (condition: () => boolean, what: string) => {
      for (const deadline = Date.now() + 20_000; !condition(); await new Promise((resolve) => setTimeout(resolve, 20))) if (Date.now() > deadline) assert.fail(`${what}; worker log:\n${worker.log()}`);
    };
    const cluster = await ClusterTrainingService.connect(redis.url);
    const jobs = [1, 2, 3].map((seed) => cluster.train(slow, data, seed).then(() => 'trained', (error: { code?: string }) => error.code));
    await until(() => started() === 1, 'the worker starts the first job');
    await cluster.close();
    assert.deepEqual(await Promise.all(jobs), ['cancelled', 'cancelled', 'cancelled']);
    await until(() => stopped() === 1, 'the running job stops on the worker');
    // The worker is free at once: a new client's model comes back, and the withdrawn jobs never started.
    const next = await ClusterTrainingService.connect(redis.url);
    try {
      await next.train({ ...TRAINER, params: { ...TRAINER.params, epochs: 2 } }, subsetRows(data, [1, 2, 3, 4, 5, 6, 7, 8]), 4);
      // A job taken as it was withdrawn is skipped before it starts (and logs no "started").
      assert.equal(started(), 1, `only the first job ran:\n${worker.log()}`);
      assert.equal(stopped(), 1, worker.log());
    } finally {
      await next.close();
    }
    // A server job cancelled through the API stops on the worker too.
    const runner = await ClusterTaskRunner.connect(redis.url);
    const api = testApi({ jobs: runner });
    try {
      const key = await api.owner('alice');
      const csv = ['a,b,label', ...Array.from({ length: 2000 }, (_, i) => `${i % 17},${(i * 7) % 13},${i % 2 ? 'y' : 'n'}`)].join('\n');
      const dataset = (await api.call('POST', '/v1/datasets?name=d.csv', { key, raw: csv, contentType: 'text/csv' })).body.id;
      const job = (await api.call('POST', '/v1/models/train', { key, body: { datasetId: dataset, target: 'label', model: 'mlp', params: { hidden: '8', epochs: 500, patience: 0, batchSize: 1 } } })).body.id;
      // The server records the job's queue id: the worker's log names it.
      await until(() => api.store.getJob(job)?.remoteId !== undefined, 'the server records the queue id');
      const remote = api.store.getJob(job)!.remoteId!;
      await until(() => worker.log().includes(`job ${remote} started`), 'the worker starts the server job');
      const cancelled = await api.call('POST', `/v1/jobs/${job}/cancel`, { key });
      assert.equal(cancelled.body.status, 'cancelled', JSON.stringify(cancelled.body));
      await until(() => worker.log().includes(`job ${remote} failed: cancelled`), 'the server job stops on the worker');
      assert.equal((await api.call('GET', `/v1/jobs/${job}`, { key })).body.status, 'cancelled');
    } finally {
      await api.close();
    }
  });

  test('Ctrl-C of threatlab membership --redis cancels its shadow jobs on the workers', async () => {
    const worker = workers[1];
    const fixtures = fileURLToPath(new URL('../../test/fixtures/sklearn/', import.meta.url));
    const before = worker.log().match(/failed: cancelled/g)?.length ?? 0;
    const logged = worker.log().length;
    const cli = spawn(process.execPath, [fileURLToPath(new URL('../../bin/threatlab.js', import.meta.url)), 'membership', '--attack', 'lira', '--shadows', '4', '--model', join(fixtures, 'adult-mlp.json'), '--members', join(fixtures, 'adult-members.csv'), '--non-members', join(fixtures, 'adult-non-members.csv'), '--population', join(fixtures, 'adult-population.csv'), '--shadow-param', 'epochs=3000', '--shadow-param', 'patience=0', '--shadow-param', 'validationFraction=0', '--redis', redis.url], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)));
    for (const deadline = Date.now() + 60_000; !/started \(attempt 1\): mlp on \d+ rows/.test(worker.log().slice(logged)); await new Promise((resolve) => setTimeout(resolve, 50))) {
      if (Date.now() > deadline) assert.fail(`no shadow started:\n${worker.log()}`);
    }
    cli.kill('SIGINT');
    assert.equal(await exited, 130, `the command's exit status; worker log:\n${worker.log().slice(logged)}`);
    for (const deadline = Date.now() + 20_000; (worker.log().match(/failed: cancelled/g)?.length ?? 0) === before; await new Promise((resolve) => setTimeout(resolve, 50))) {
      if (Date.now() > deadline) assert.fail(`the running shadow was not stopped:\n${worker.log().slice(logged)}`);
    }
  });

  test('serve --redis stopped mid-job: the job runs on, and the server restarted on its database records the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threatlab-resume-'));
    const path = join(dir, 'server.db');
    const first = testApi({ jobs: await ClusterTaskRunner.connect(redis.url), store: Store.open(path) });
    const key = await first.owner('alice');
    const csv = ['a,b,label', ...Array.from({ length: 2000 }, (_, i) => `${i % 17},${(i * 7) % 13},${i % 2 ? 'y' : 'n'}`)].join('\n');
    const dataset = (await first.call('POST', '/v1/datasets?name=d.csv', { key, raw: csv, contentType: 'text/csv' })).body.id;
    const job = (await first.call('POST', '/v1/models/train', { key, body: { datasetId: dataset, target: 'label', model: 'mlp', params: { hidden: '8', epochs: 60, patience: 0, batchSize: 8 } } })).body.id;
    for (let i = 0; i < 800 && (await first.call('GET', `/v1/jobs/${job}`, { key })).body.status !== 'running'; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    const before = (await first.call('GET', `/v1/jobs/${job}`, { key })).body;
    assert.equal(before.status, 'running', JSON.stringify(before));
    await first.close();
    first.store.close();
    const second = testApi({ jobs: await ClusterTaskRunner.connect(redis.url), store: Store.open(path) });
    try {
      assert.equal(second.api.service.resumeInterrupted(), 1, 'the running cluster job is followed again');
      const done = await second.waitForJob(key, job, 120_000);
      assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
      assert.ok(done.modelId && second.store.modelJson(done.modelId), 'its model is stored');
      assert.equal(second.api.service.resumeInterrupted(), 0);
    } finally {
      await second.close();
      second.store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('Redis killed and restarted with jobs queued: none is lost', async () => {
    await Promise.all(workers.map((worker) => worker.stop('SIGKILL')));
    const cluster = await ClusterTrainingService.connect(redis.url);
    try {
      const data = makeClassification(400, { classes: 2, seed: 4 });
      const sets = [0, 1, 2].map((i) => subsetRows(data, new Rng(i).permutation(400).slice(0, 200)));
      const quick = { ...TRAINER, params: { ...TRAINER.params, epochs: 5 } };
      const jobs = sets.map((set, i) => cluster.train(quick, set, 70 + i));
      while (cluster.statistics().submitted < sets.length) await new Promise((resolve) => setTimeout(resolve, 20));
      await redis.restart();
      workers = [await startTestWorker(redis.url, ['--lock-ms', '2000'])];
      const models = await Promise.all(jobs);
      for (let i = 0; i < sets.length; i++) {
        const reference = await local.train(quick, sets[i], 70 + i);
        assert.deepEqual(probabilities(models[i], sets[i]), probabilities(reference, sets[i]), `model ${i}`);
      }
    } finally {
      await cluster.close();
    }
  });
});
