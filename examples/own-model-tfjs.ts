/**
 * Example: audit a TensorFlow.js model (a LayersModel `model.json` with its weights file) —
 * does it leak its members?
 *
 *   npx tsx examples/own-model-tfjs.ts
 *
 * The model here is trained and saved in tfjs format first (a stand-in for one exported from
 * Keras with tensorflowjs_converter); the audit only reads the saved files. A tfjs file saved by
 * threatlab keeps its feature names; for one from elsewhere give a model description with
 * --schema. From the CLI:
 *
 *   npx threatlab membership --attack threshold --model DIR/model.json --schema description.json \
 *     --members members.csv --non-members non-members.csv --population population.csv
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, LocalOracle, loadUserModel, membershipSplit, Rng, runMembership, saveLayersModel, thresholdAttack, trainerParamsOf, type Classifier } from '../src/index.ts';
import { makeClassification } from '../src/data/datasets/synthetic.ts';
import { MlpTrainer } from '../src/models/neural/mlp.ts';

await initBackend();
const data = makeClassification(1600, { classes: 2, flipY: 0.15, seed: 3 });
const split = membershipSplit(data, { members: 200, population: 800 }, 4);
const folder = mkdtempSync(join(tmpdir(), 'threatlab-tfjs-'));
await saveLayersModel(await new MlpTrainer({ hidden: '64', epochs: 300, validationFraction: 0, patience: 0, learningRate: 0.01 }).fit(split.members, new Rng(5)), folder);

// The audit: read the tfjs files as any user's model.
const { model } = await loadUserModel(join(folder, 'model.json'));
const target = model as Classifier;
console.log(`read ${join(folder, 'model.json')}: a ${target.kind} of ${target.inputSize} inputs, hidden layers ${JSON.stringify(trainerParamsOf(target).hidden)}`);
const record = await runMembership(thresholdAttack, new LocalOracle(target), { candidates: split.candidates, population: split.population, trainer: { kind: 'mlp', params: { ...trainerParamsOf(target), epochs: 300, validationFraction: 0, patience: 0, learningRate: 0.01 } }, trainSize: 200 }, { seed: 6, members: split.truth });
const metrics = record.outcome!.metrics!;
console.log(`loss threshold (Yeom et al. 2018): AUC ${metrics.auc.toFixed(3)} over ${record.queries} queries — ${metrics.auc > 0.6 ? 'the noisy labels it memorised give its members away' : 'little leakage'}`);
