/**
 * The `threatlab` command line: parses argv with commander, calls the library, prints.
 * Nothing else lives here; every command's logic is a function under `commands/`, imported when
 * its command runs (so `--help` or `datasets` does not load tfjs, onnxruntime and the server).
 */

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ThreatlabError } from '../errors.ts';
import { createProgress } from '../progress.ts';
import { DEFAULT_SEED } from '../random.ts';
import { DEFAULT_DB, parseLimit } from './commands/service-options.ts';
import { MODEL_KINDS } from '../models/kinds.ts';
import { EXIT_OK, EXIT_USAGE, processIo, reportError, type CliIo } from './io.ts';

function parseCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return count;
}

function parsePositive(value: string): number {
  const number = Number(value);
  if (!(number > 0) || !Number.isFinite(number)) throw new InvalidArgumentError('must be a positive number');
  return number;
}

function parsePrice(value: string): number {
  const price = Number(value);
  if (!(price >= 0) || !Number.isFinite(price)) throw new InvalidArgumentError('must be a number ≥ 0');
  return price;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError('must be a port number in [0, 65535] (0 picks a free one)');
  return port;
}

function parseVisibility(value: string): 'private' | 'public' {
  if (value !== 'private' && value !== 'public') throw new InvalidArgumentError('must be private or public');
  return value;
}

function parseNorm(value: string): '2' | 'inf' {
  if (value === '2' || value === 'inf') return value;
  throw new ThreatlabError('usage', `--norm ${value}: give 2 or inf`);
}

function parseFraction(value: string): number {
  const fraction = Number(value);
  if (!(fraction > 0 && fraction < 1)) throw new InvalidArgumentError('must be a number strictly between 0 and 1');
  return fraction;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function parseProtocol(value: string): 'threatlab' | 'kserve-v1' | 'oip-v2' {
  if (value !== 'threatlab' && value !== 'kserve-v1' && value !== 'oip-v2') throw new InvalidArgumentError('must be threatlab, kserve-v1 or oip-v2');
  return value;
}

/** Resolves at the first SIGINT or SIGTERM (a server or a worker runs until then). */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

/** The options every attack command takes to name its target: a model file, or a served model in one of three protocols. */
function withTarget(command: Command): Command {
  return command
    .option('--model <file>', 'target model file: threatlab JSON, tfjs model.json or ONNX (white-box attacks need a file)')
    .option('--url <url>', 'a served model: threatlab serve base URL, a KServe v1 :predict URL, or an Open Inference Protocol base URL')
    .option('--model-id <id>', 'model id on that API (the model name for oip-v2)')
    .option('--key <key>', 'API key (sent as a Bearer token)')
    .option('--protocol <p>', 'threatlab (default), kserve-v1 or oip-v2', parseProtocol)
    .option('--schema <file>', 'the model description (features, classes, answers) of an endpoint, ONNX or tfjs model (JSON; or a threatlab model file)')
    .option('--header <h>', "request header for the endpoint, repeatable (e.g. 'Authorization: Bearer T')", collect, []);
}

/** The options that say who the members are (membership and audit). */
function withMembers(command: Command): Command {
  return command
    .option('--members <file>', "CSV of training rows (the model's raw features and the label column)")
    .option('--non-members <file>', 'CSV of rows the model did not train on')
    .option('--candidates <file>', 'one CSV of rows to judge, with a member column (see --member-column)')
    .option('--member-column <name>', 'the column of --candidates saying 1 (member) or 0')
    .option('--population <file>', "CSV of the attacker's own rows (same distribution, not candidates) for shadow models")
    .option('--target <column>', 'the label column of the CSVs (default: the one column that is not a feature)')
    .option('--train-size <rows>', 'rows the target trained on (shadow models train on as many; default: the members given)', parseCount)
    .option('--dataset <name|file>', 'the data set a model file made by threatlab train was trained on: its recorded split gives the members');
}

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
    .configureOutput({ writeOut: (text) => io.stdout(text), writeErr: (text) => io.stderr(text) })
    // Required options say so in --help (subcommands inherit this).
    .configureHelp({ optionDescription: (option) => (option.mandatory ? `${option.description} (required)` : option.description) + (option.defaultValue !== undefined && typeof option.defaultValue !== 'object' ? ` (default: ${option.defaultValue})` : '') });

  const progressFor = (json: boolean | undefined) =>
    createProgress({ json, stream: { write: (text) => io.stderr(text), isTTY: io.stderrIsTerminal } });

  program
    .command('datasets')
    .description('list every data set: found or missing here, rows, features, classes, the paper row it reproduces')
    .option('--verify', 'load every data set present and count it (about 15 s) instead of reading the registry\'s counts')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean; verify?: boolean }) => {
      (await import('./commands/datasets.ts')).runDatasets(io, options, progressFor(options.json));
    });

  program
    .command('demo')
    .description('run the main job on the embedded default data set (MNIST digits; no external file)')
    .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
    .option('--out <dir>', 'where to write the MI-Face images', '.threatlab/demo')
    .option('--json', 'print one JSON document')
    .action(async (options: { json?: boolean; seed: number; out: string }) => {
      await (await import('./commands/demo.ts')).runDemo(io, options, progressFor(options.json));
    });

  program
    .command('train')
    .description('train a model on a data set (a name from `threatlab datasets`, or a CSV file) and save it')
    .requiredOption('--dataset <name>', 'data set name or CSV path')
    .option('--target <column>', 'target column (required for a CSV; selects e.g. adult income/race)')
    .requiredOption('--model <kind>', `model kind: ${Object.keys(MODEL_KINDS).join(', ')}`)
    .option('--param <k=v>', 'model parameter, repeatable (e.g. --param l2=0.5)', collect, [])
    .requiredOption('--out <file>', 'where to write the model JSON')
    .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
    .option('--test-fraction <f>', 'held-out share when the data set has no fixed split', parseFraction, 0.3)
    .option('--tfjs-out <dir>', 'also save an MLP in the tfjs LayersModel format (model.json + weights.bin)')
    .option('--malicious <attack>', 'train with a malicious algorithm that hides training rows in the model (Song et al. 2017): lsb, correlation, sign or capacity')
    .option('--malicious-param <k=v>', 'its setting, repeatable: items, downscale, lambda, bits, compress, levelBits, syntheticSeed', collect, [])
    .option('--secret-out <file>', "where to write the attacker's key (and FILE.truth.json, the stolen rows for scoring)")
    .option('--passphrase <text>', 'encrypt the LSB payload with AES-256 under this passphrase (kept in the key)')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/train.ts')).runTrain(io, options, progressFor(options.json));
    });

  program
    .command('predict')
    .description("print a saved model's labels and probabilities for the rows of a CSV (columns named as the model's features)")
    .requiredOption('--model <file>', 'model file: threatlab JSON, tfjs model.json or ONNX')
    .requiredOption('--input <file>', 'CSV of rows to predict')
    .option('--schema <file>', 'the model description (features, classes) of a tfjs or ONNX model')
    .option('--target <column>', 'the label column of the CSV, if it has one (default: the one column that is not a feature); accuracy is reported')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/predict.ts')).runPredict(io, options, progressFor(options.json));
    });

  withTarget(program.command('extract'))
    .description('extract (steal) a model through its answers: a model file, or a model served by threatlab serve')
    .option('--attack <name>', 'equation-solving, chosen-queries, mlp-retraining, retraining, path-finding, lowd-meek, kernel-equation-solving, or auto: the one threatlab audit tries first for what the target is and answers', 'auto')
    .option('--param <k=v>', 'attack parameter, repeatable (e.g. --param strategy=adaptive)', collect, [])
    .option('--budget <rows>', 'rows the attack may query at most', parseCount)
    .option('--policy <policy>', 'output policy of a local target: full, rounded:K, label-only, top-k:K')
    .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
    .option('--evaluate <n>', 'uniform points to measure fidelity on (default 10000 for a model file; 0 for a served target, whose answers are paid for)', parseCount)
    .option('--holdout <file>', 'your own held-out rows (CSV in raw features) to measure fidelity on')
    .option('--pool <file>', "the attacker's own unlabelled rows (CSV in raw features) to query first (mlp-retraining)")
    .option('--out <file>', 'where to save the surrogate model (written as the fit goes, so a stopped run leaves the best so far)')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/extract.ts')).runExtract(io, options, progressFor(options.json));
    });

  withTarget(program.command('invert'))
    .description('model inversion: recover a sensitive feature of the people in a data set, or an image per class (MI-Face)')
    .requiredOption('--attack <name>', 'map (black-box MAP estimator), tree-white-box (tree with training counts) or mi-face')
    .option('--dataset <name|file>', 'map, tree-white-box: the people to invert; mi-face: real images to recognise the reconstructions by (a registry data set, or a CSV in the model\'s raw features and the label)')
    .option('--target <column>', 'the label column of a --dataset CSV (default: the one column that is not a feature)')
    .option('--sensitive <feature>', 'the categorical feature to recover (map, tree-white-box)')
    .option('--labels <list>', 'classes to invert, e.g. 0,3,7 (mi-face; default all)')
    .option('--image <WxH>', 'image size of the input (mi-face; default 92x112 for AT&T faces or a square)')
    .option('--param <k=v>', 'attack parameter, repeatable (e.g. --param maxIterations=1000)', collect, [])
    .option('--out <dir>', 'where to write the reconstructed images (mi-face)')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/invert.ts')).runInvert(io, options, progressFor(options.json));
    });

  withTarget(program.command('exfiltrate'))
    .description("read back training rows a malicious training algorithm hid in a model (Song et al. 2017), with the attacker's key")
    .requiredOption('--secret <file>', 'the key written by threatlab train --malicious … --secret-out FILE')
    .option('--attack <name>', 'lsb, correlation, sign or capacity (checked against the key)')
    .option('--policy <p>', "a local model's output policy: full, rounded:K, label-only, top-k:K (capacity abuse needs only labels)")
    .option('--truth <file>', 'the stolen rows to score against (default: the key\'s FILE.truth.json, when present)')
    .option('--budget <rows>', 'rows the decoder may query at most (capacity abuse)', parseCount)
    .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
    .option('--out <dir>', 'write decoded.json, record.json and grid.png (truth beside decoded)')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/exfiltrate.ts')).runExfiltrate(io, options, progressFor(options.json));
    });

  withTarget(program.command('evade'))
    .description('evasion: perturb rows just enough to be misclassified — white-box (fgsm, pgd, cw, deepfool, lbfgs) on a model file, hop-skip-jump or boundary through any target (label-only answers suffice), or --transfer-from a stolen copy')
    .requiredOption('--attack <name>', 'fgsm, pgd, cw, deepfool, lbfgs, hop-skip-jump or boundary')
    .option('--input <file>', "CSV of rows to perturb (the model's raw features and the label)")
    .option('--dataset <name>', 'or rows of a registry data set')
    .option('--target <column>', 'the label column of --input')
    .option('--rows <n>', 'rows to attack (a seeded sample when there are more)', parseCount, 20)
    .option('--target-label <class>', 'targeted: the class every row should get (default: any wrong class)')
    .option('--eps <e>', 'perturbation budget of fgsm and pgd, in the features\' own units (e.g. 0.3 for L∞ on pixels in [0, 1]; on tabular rows an age moves by at most eps years)', parsePositive)
    .option('--norm <n>', 'pgd and hop-skip-jump: 2 or inf', parseNorm)
    .option('--steps <n>', 'pgd steps (default 40)', parseCount)
    .option('--max-queries <n>', 'hop-skip-jump and boundary: queries per row at most (default 5000)', parseCount)
    .option('--budget <rows>', 'rows the attack may query at most, in all', parseCount)
    .option('--transfer-from <file>', 'craft on this surrogate (e.g. from threatlab extract) and judge by the target\'s answers')
    .option('--policy <p>', "a local model's output policy: full, rounded:K, label-only, top-k:K")
    .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
    .option('--out <dir>', 'write record.json, adversarial.json and, for images, examples.png (x, |Δ| amplified, x\')')
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/evade.ts')).runEvade(io, options, progressFor(options.json));
    });

  program
    .command('scrub')
    .description("rewrite the low bits of a network's parameters (and optionally add weight noise) before publishing a model whose training code was not yours")
    .requiredOption('--model <file>', 'threatlab model file (mlp, cnn, linear)')
    .requiredOption('--out <file>', 'where to write the scrubbed model')
    .option('--bits <n>', 'low mantissa bits to rewrite, 1–23', parseCount, 16)
    .option('--random', 'fill them with random bits instead of zeros')
    .option('--noise <share>', "Gaussian noise on the weights, as a share of each layer's weight spread (e.g. 0.05)", parseFraction)
    .option('--dataset <name|file>', 'rows to measure the change on (a registry data set, or a CSV in the features and label)')
    .option('--target <column>', 'the label column of a --dataset CSV')
    .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/scrub.ts')).runScrub(io, options, progressFor(options.json));
    });

  withTarget(program.command('property'))
    .description('property inference: was the training data drawn with one share of a property or another (e.g. 20% or 50% women)?')
    .requiredOption('--attack <name>', 'parameters (white-box, a model file), outputs or loss-test (black-box)')
    .requiredOption('--property <spec>', 'FEATURE=LEVEL:SHARE0,SHARE1, e.g. sex=Female:0.2,0.5')
    .option('--population <file>', "the attacker's own rows for shadow models (CSV in the model's raw features and the label)")
    .option('--dataset <name>', "or a registry data set as the attacker's rows")
    .option('--target <column>', 'the label column of --population')
    .option('--train-size <rows>', 'rows each shadow trains on (the target\'s training-set size, if known)', parseCount, 2000)
    .option('--shadows <n>', 'shadow models per share', parseCount, 25)
    .option('--probes <n>', 'probe rows the black-box attacks query (per share for loss-test)', parseCount, 500)
    .option('--shadow-param <k=v>', "shadow models' training parameter, repeatable (default: the target's)", collect, [])
    .option('--seed <n>', 'random seed', parseSeed, DEFAULT_SEED)
    .option('--redis <url>', "train shadow and reference models on threatlab worker processes through this Redis (BullMQ), not this machine's threads")
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/property.ts')).runProperty(io, options, progressFor(options.json));
    });

  withMembers(withTarget(program.command('membership')))
    .description('membership inference: was this row in the training set? Members you name (CSV files), or the training split threatlab train recorded in a model file')
    .requiredOption('--attack <name>', 'threshold, shadow-models, lira, rmia or label-only')
    .option('--seed <n>', 'seed of the attack', parseSeed, DEFAULT_SEED)
    .option('--shadows <n>', 'shadow (or reference) models of shadow-models, lira and rmia', parseCount)
    .option('--scores-out <file>', 'write every judged row (source, member, score) as CSV')
    .option('--param <k=v>', 'attack parameter, repeatable (e.g. --param mode=offline)', collect, [])
    .option('--shadow-param <k=v>', "shadow models' training parameter, repeatable (default: the target's)", collect, [])
    .option('--budget <rows>', 'rows the attack may query at most', parseCount)
    .option('--redis <url>', "train shadow and reference models on threatlab worker processes through this Redis (BullMQ), not this machine's threads")
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/membership.ts')).runMembershipCommand(io, options, progressFor(options.json));
    });

  withMembers(withTarget(program.command('audit')))
    .description('audit a model for every threat that applies, under each candidate output policy: a verdict per threat in plain words, report.html and report.json')
    .requiredOption('--out <dir>', 'where report.html and report.json are written')
    .option('--test <file>', 'CSV of rows to judge extracted copies on (default: the non-members, else uniform random inputs)')
    .option('--sensitive <column>', 'a categorical column to recover by inversion, repeatable', collect, [])
    .option('--price <p>', 'price per query the attacker pays (default: the served price, else 0.0001, Amazon ML\'s)', parsePrice)
    .option('--policies <list>', 'candidate output policies, the first the published one (default: full,rounded:2,label-only)')
    .option('--threats <list>', 'which threats: extraction, inversion, membership (default: all)')
    .option('--quick', 'cheaper attacks (no LiRA, fewer label-only queries)')
    .option('--redis <url>', "train shadow and reference models on threatlab worker processes through this Redis (BullMQ), not this machine's threads")
    .option('--seed <n>', 'seed of the attacks', parseSeed, DEFAULT_SEED)
    .option('--json', 'print one JSON document')
    .action(async (options) => {
      await (await import('./commands/audit.ts')).runAuditCommand(io, options, progressFor(options.json));
    });

  program
    .command('reproduce')
    .description("reproduce a paper's results on its data, ours beside the paper's (extraction, inversion, membership, exfiltration, property, evasion, defenses)")
    .argument('<name>', 'which reproduction: extraction, inversion, membership, exfiltration, property, evasion or defenses')
    .option('--quick', 'the test-size variant')
    .option('--out <dir>', 'where figures (face grids) are written', '.threatlab/figures')
    .option('--redis <url>', "train shadow and reference models on threatlab worker processes through this Redis (BullMQ), not this machine's threads")
    .option('--json', 'print one JSON document')
    .action(async (name: string, options) => {
      await (await import('./commands/reproduce.ts')).runReproduce(io, name, options, progressFor(options.json));
    });

  program
    .command('describe')
    .description('show a data set or a model before attacking it: features (names, kinds, ranges or levels), classes, and what a model\'s API would reveal')
    .option('--dataset <name|file>', 'a registry data set or a CSV (with --target)')
    .option('--target <column>', 'the label column of a CSV')
    .option('--model <file>', 'a model file: threatlab JSON, tfjs model.json or ONNX')
    .option('--schema <file>', 'the model description of a tfjs or ONNX model')
    .option('--json', 'print one JSON document')
    .action(async (options) => (await import('./commands/describe.ts')).runDescribe(io, options));

  program
    .command('schema')
    .description("print the JSON Schema of threatlab's model file, or of a model description (--description)")
    .option('--description', 'the model description format (features and classes of an endpoint, ONNX or tfjs model)')
    .option('--json', 'accepted for consistency: the schema is always JSON')
    .action(async (options) => (await import('./commands/schema.ts')).runSchema(io, options));

  program
    .command('convert')
    .description('convert a model file (threatlab JSON, tfjs model.json, ONNX) to a checked threatlab model file')
    .argument('<model>', 'the model file')
    .option('--schema <file>', 'the model description (features, classes) of a tfjs or ONNX model')
    .requiredOption('--out <file>', 'where to write the threatlab model file')
    .option('--json', 'print one JSON document')
    .action(async (model: string, options) => (await import('./commands/schema.ts')).runConvert(io, model, options));

  program
    .command('serve')
    .description('run the prediction API (ML-as-a-service) on a SQLite database, created on first start')
    .option('--db <file>', 'SQLite database file', DEFAULT_DB)
    .option('--port <n>', 'TCP port (0 picks a free one)', parsePort, 8080)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--admin-token <token>', 'open POST /v1/owners to this operator token (or set THREATLAB_ADMIN_TOKEN)')
    .option('--limit <name=value>', 'a server limit, repeatable (e.g. maxEpochs=100, jobSeconds=60; see the README)', (value: string, previous?: object) => {
      try {
        return parseLimit(value, previous);
      } catch (error) {
        throw new InvalidArgumentError((error as Error).message);
      }
    })
    .option('--redis <url>', 'run training and audit jobs on threatlab worker processes through this Redis (BullMQ), not a thread of this server')
    .option('--json', 'print one JSON line when listening')
    .action(async (options) => {
      const server = await (await import('./commands/service.ts')).runServe(io, options);
      await untilStopped();
      await server.close();
    });

  program
    .command('worker')
    .description('take training jobs (shadow, reference and target models) from a BullMQ queue on Redis; run one per machine')
    .requiredOption('--redis <url>', 'the queue\'s Redis, e.g. redis://10.0.0.5:6379 (give clients the same URL)')
    .option('--concurrency <n>', 'jobs at once, each on its own thread (default: this machine\'s cores)', parseCount)
    .option('--lock-ms <ms>', 'how long after this process dies its jobs go to another worker', parseCount, 30000)
    .option('--cache-mb <n>', 'memory for fetched data sets, MiB', parseCount, 2048)
    .option('--job-memory-mb <n>', "heap of each thread running a server's job (train on an upload, audit), MiB", parseCount, 2048)
    .action(async (options) => {
      const worker = await (await import('./commands/worker.ts')).runWorker(io, options);
      await untilStopped();
      // Jobs in hand finish first; a Redis that has gone away must not hold the process: after
      // the lock time (when the jobs would go to another worker anyway) it exits regardless.
      const deadline = setTimeout(() => process.exit(1), options.lockMs + 5000);
      await worker.close();
      clearTimeout(deadline);
    });

  const owners = program.command('owners').description('owners (accounts) of the service');
  owners
    .command('create')
    .description('create an owner (a unique name) and its first API key; the key is printed once')
    .argument('<name>', 'owner name, unique in the database')
    .option('--db <file>', 'SQLite database file', DEFAULT_DB)
    .option('--budget <rows>', "rows all the owner's keys may query together", parseCount)
    .option('--rate <n>', "requests per second of all the owner's keys together (at least 0.01)", parsePositive)
    .option('--json', 'print one JSON document')
    .action(async (name: string, options) => (await import('./commands/service.ts')).runOwnersCreate(io, name, options));

  const keys = program.command('keys').description('API keys of the service');
  keys
    .command('create')
    .description("create a further API key of an existing owner, within the owner's budget and rate; the key is printed once")
    .option('--db <file>', 'SQLite database file', DEFAULT_DB)
    .requiredOption('--owner <name>', 'an existing owner (create one with threatlab owners create NAME)')
    .option('--budget <rows>', 'rows this key may query in total', parseCount)
    .option('--rate <n>', 'requests per second (at least 0.01)', parsePositive)
    .option('--json', 'print one JSON document')
    .action(async (options) => (await import('./commands/service.ts')).runKeysCreate(io, options));

  program
    .command('publish')
    .description("store a model file for a key's owner and publish it with a price and an output policy")
    .argument('<model>', 'model file: threatlab JSON, tfjs model.json or ONNX (converted)')
    .option('--schema <file>', 'the model description (features, classes) of a tfjs or ONNX model')
    .requiredOption('--key <key>', "the owner's API key")
    .option('--db <file>', 'SQLite database file', DEFAULT_DB)
    .option('--price <p>', 'price per queried row', parsePrice, 0)
    .option('--policy <policy>', 'full, rounded:K, label-only or top-k:K', 'full')
    .option('--visibility <v>', 'private (owner only) or public (any key)', parseVisibility, 'private')
    .option('--name <name>', 'model name')
    .option('--monitor <action>', "watch each key's queries for extraction (PRADA) and log, alert, slow or refuse a flagged key")
    .option('--monitor-threshold <w>', "PRADA's Shapiro–Wilk threshold (default 0.9)", Number)
    .option('--monitor-reference <file.csv>', 'natural rows (raw features; other columns ignored): flags queries far from all of them and calibrates PRADA on them')
    .option('--json', 'print one JSON document')
    .action(async (model: string, options) => (await import('./commands/service.ts')).runPublish(io, model, options));

  addExamples(program);
  return program;
}

/** One example per subcommand, at the end of its --help. */
const EXAMPLES: Record<string, string> = {
  datasets: 'npx threatlab datasets',
  demo: 'npx threatlab demo',
  train: 'npx threatlab train --dataset adult-income --model mlp --out /tmp/adult.json',
  predict: 'npx threatlab predict --model /tmp/adult.json --input rows.csv',
  extract: 'npx threatlab extract --model /tmp/adult.json --attack mlp-retraining --pool my-rows.csv --out /tmp/stolen.json',
  invert: 'npx threatlab invert --attack map --model tree.json --dataset steak-eaters --sensitive "Do you ever gamble?"',
  membership: 'npx threatlab membership --attack lira --model m.json --members in.csv --non-members out.csv --population mine.csv',
  scrub: 'npx threatlab scrub --model /tmp/mnist-mlp.json --bits 16 --dataset mnist --out /tmp/scrubbed.json',
  property: 'npx threatlab property --attack parameters --property sex=Female:0.2,0.5 --model /tmp/adult.json --dataset adult-income',
  evade: 'npx threatlab evade --model /tmp/mnist-mlp.json --dataset mnist --attack cw --rows 20 --out /tmp/evade',
  exfiltrate: 'npx threatlab exfiltrate --model /tmp/mnist-mlp.json --secret /tmp/key.json --out /tmp/decoded',
  audit: 'npx threatlab audit --model m.json --members in.csv --non-members out.csv --population mine.csv --sensitive sex --out /tmp/audit',
  reproduce: 'npx threatlab reproduce extraction --quick',
  describe: 'npx threatlab describe --model /tmp/adult.json',
  schema: 'npx threatlab schema --description',
  convert: 'npx threatlab convert model.onnx --schema description.json --out model.json',
  serve: 'npx threatlab serve --db /tmp/api/db.sqlite --port 8080 --limit jobSeconds=120',
  'owners create': 'npx threatlab owners create alice --budget 10000 --rate 20',
  'keys create': 'npx threatlab keys create --owner alice --budget 1000',
  publish: 'npx threatlab publish /tmp/adult.json --key tl_… --price 0.001 --policy rounded:4 --visibility public',
};

function addExamples(program: Command): void {
  const visit = (command: Command, prefix: string) => {
    for (const sub of command.commands) {
      const name = prefix ? `${prefix} ${sub.name()}` : sub.name();
      const example = EXAMPLES[name];
      if (example) sub.addHelpText('after', `\nExample:\n  ${example}`);
      visit(sub, name);
    }
  };
  visit(program, '');
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
