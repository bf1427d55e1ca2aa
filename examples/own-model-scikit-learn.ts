/**
 * Example: audit a model trained with scikit-learn — who was in its training set, and can it be
 * stolen through its answers?
 *
 *   npx tsx examples/own-model-scikit-learn.ts
 *
 * Export your own pipeline with tools/sklearn_to_threatlab.py (Debian's python3-sklearn):
 *
 *   from sklearn_to_threatlab import export
 *   export(pipeline, X_train, "model.json")     # LogisticRegression, MLPClassifier or a tree,
 *                                                # behind a StandardScaler or one-hot ColumnTransformer
 *
 * This walk-through uses the fixtures test/fixtures/sklearn/make_fixtures.py made that way: an
 * MLPClassifier that memorised 1,000 Adult rows (the members; another 1,000 it never saw, and
 * 3,000 of the attacker's own), and a multinomial logistic regression of race. The same runs
 * from the CLI:
 *
 *   npx threatlab membership --attack lira --model test/fixtures/sklearn/adult-mlp.json \
 *     --members test/fixtures/sklearn/adult-members.csv --non-members test/fixtures/sklearn/adult-non-members.csv \
 *     --population test/fixtures/sklearn/adult-population.csv --shadows 8 \
 *     --shadow-param epochs=150 --shadow-param validationFraction=0 --shadow-param patience=0
 *   npx threatlab extract --attack equation-solving --model test/fixtures/sklearn/adult-race-softmax.json \
 *     --holdout test/fixtures/sklearn/adult-non-members.csv
 */

import { join } from 'node:path';
import { concatRows, encodeForModel, equationSolving, lira, loadCsv, loadModelFile, LocalOracle, runAttack, runMembership, trainerParamsOf, type Classifier } from '../src/index.ts';

const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures', 'sklearn');
// "?" is one of Adult's categories for scikit-learn, not a missing value: only empty cells are missing.
const rows = (name: string, model: Classifier, label: string) => encodeForModel(loadCsv(join(fixtures, name), { missing: [''] }), { schema: model.schema, classes: model.classes }, label);

const mlp = loadModelFile(join(fixtures, 'adult-mlp.json')) as Classifier;
const [members, nonMembers, population] = ['adult-members.csv', 'adult-non-members.csv', 'adult-population.csv'].map((name) => rows(name, mlp, 'income'));
// Shadow models copy the target: its architecture is read from the exported layers; the attacker
// assumes it was trained to convergence without early stopping, as scikit-learn does.
const recipe = { kind: 'mlp', params: { ...trainerParamsOf(mlp), epochs: 150, validationFraction: 0, patience: 0 } };
const record = await runMembership(lira, new LocalOracle(mlp), { candidates: concatRows(members, nonMembers), population, trainer: recipe, trainSize: 1000 }, {
  params: { shadows: 8 },
  seed: 42,
  members: [...new Array<boolean>(1000).fill(true), ...new Array<boolean>(1000).fill(false)],
});
const metrics = record.outcome!.metrics!;
console.log(`LiRA against the scikit-learn MLP (${record.queries} queries, ${record.outcome!.models} shadow models): AUC ${metrics.auc.toFixed(3)}, ${(100 * metrics.tprAtFpr[0].tpr).toFixed(1)}% of members found at 1% false positives`);
console.log(metrics.auc > 0.6 ? 'it leaks: an attacker tells members from non-members better than chance (AUC 0.5); regularise, stop early or train with DP-SGD' : 'little leakage measured at this budget');

const softmax = loadModelFile(join(fixtures, 'adult-race-softmax.json')) as Classifier;
const stolen = await runAttack(equationSolving, new LocalOracle(softmax), { seed: 1 });
const real = rows('adult-non-members.csv', softmax, 'race');
const ours = stolen.outcome!.surrogate.predict(real.features);
const theirs = softmax.predict(real.features);
const agreement = ours.filter((label, i) => label === theirs[i]).length / ours.length;
console.log(`equation solving stole the race model with ${stolen.queries} queries (${stolen.outcome!.method}): it agrees on ${(100 * agreement).toFixed(2)}% of 1,000 real rows`);
