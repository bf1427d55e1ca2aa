/**
 * Example: how much does it cost to steal a decision tree from a BigML-style API?
 *
 *   npx tsx examples/steal-a-tree.ts
 *
 * A service owner trains a tree on a survey and sells predictions at 0.1 cent a query, answering
 * like BigML: the prediction, the confidence and how many training rows reached that node —
 * also for rows with blanks. An attacker who pays for queries walks the tree with partial rows
 * (Tramèr et al. 2016, §4.2) and ends up with a copy that answers every row the same way.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecisionTree} from '../src/index.ts';
import { agreementOn, HttpOracle, pathFinding, runAttack, startServer, uniformRows, Rng } from '../src/index.ts';
import { loadIrisEmbedded } from '../src/data/datasets/iris.ts';
import { DecisionTreeTrainer } from '../src/models/tree/cart.ts';

// The owner's side: train and publish (Iris ships with the package, so this runs anywhere).
const data = loadIrisEmbedded();
const tree = new DecisionTreeTrainer({ maxDepth: 5 }).fitSync(data);
const server = await startServer({ db: join(mkdtempSync(join(tmpdir(), 'threatlab-example-')), 'service.sqlite'), port: 0 });
const owner = server.store.createOwner({ name: 'owner' });
const modelId = server.store.addModel(owner.record.ownerId, 'iris tree', tree);
server.store.publish(modelId, { price: 0.001, policy: { kind: 'full' }, visibility: 'public' });
console.log(`the service sells a ${tree.leafCount}-leaf tree at ${server.url}, 0.001 a query`);

// The attacker's side: a key of their own, the model's public info, and queries.
const attacker = server.store.createOwner({ name: 'attacker' });
const oracle = await HttpOracle.connect(server.url, modelId, attacker.key);
const record = await runAttack(pathFinding, oracle, { seed: 1 });
const stolen = record.outcome!.surrogate as DecisionTree;
console.log(`the attacker paid ${record.queries} queries in ${record.requests} requests: ${record.cost.toFixed(3)}`);

// What they got: a tree that agrees with the original everywhere we look.
const agreement = agreementOn(tree, stolen, uniformRows(tree.schema, 10_000, new Rng(2)));
console.log(`the stolen tree agrees on ${(100 * agreement.agreement).toFixed(2)}% of 10,000 random flowers`);
await server.close();
