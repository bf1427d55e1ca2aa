/**
 * Example: audit a model behind your own serving endpoint — TensorFlow Serving / KServe v1 REST
 * (`{"instances": …}` → `{"predictions": …}`) or the Open Inference Protocol (KServe v2, Triton).
 *
 *   npx tsx examples/own-endpoint.ts
 *
 * The endpoint here is a small loopback server answering with a scikit-learn softmax (a stand-in
 * for your TF-Serving container); the attacker's side is what you would run against yours:
 *
 *   npx threatlab extract --attack equation-solving --protocol kserve-v1 \
 *     --url http://127.0.0.1:PORT/v1/models/iris:predict --schema test/fixtures/sklearn/iris-softmax.json \
 *     --header 'Authorization: Bearer TOKEN' --evaluate 1000
 *
 * The model description (here the exported model file itself) says what the protocol does not:
 * the features, the classes, and whether the endpoint answers probabilities or classes.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CountingOracle, createMatrix, EndpointOracle, equationSolving, loadModelFile, oracleAgreement, readModelDescription, runAttack, uniformRows, Rng, type Classifier } from '../src/index.ts';

const file = join(import.meta.dirname, '..', 'test', 'fixtures', 'sklearn', 'iris-softmax.json');
const model = loadModelFile(file) as Classifier;
let answered = 0;
const server = createServer(async (request, response) => {
  let body = '';
  for await (const chunk of request) body += chunk;
  const instances = (JSON.parse(body) as { instances: number[][] }).instances;
  const p = model.predictProba(createMatrix(instances.length, 4, Float64Array.from(instances.flat())));
  answered += instances.length;
  response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ predictions: instances.map((_, i) => Array.from(p.data.subarray(i * 3, i * 3 + 3))) }));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/models/iris:predict`;

const endpoint = new EndpointOracle({ protocol: 'kserve-v1', url, ...readModelDescription(file) });
const stolen = await runAttack(equationSolving, endpoint, { seed: 1 });
const checks = new CountingOracle(endpoint);
const fidelity = await oracleAgreement(checks, stolen.outcome!.surrogate, uniformRows(model.schema, 1000, new Rng(2)));
server.close();
console.log(`equation solving: ${stolen.queries} queries stole the endpoint's model (${stolen.outcome!.method}); max |Δp| ${fidelity.maxProbabilityGap.toExponential(1)} on 1,000 checks`);
console.log(`the endpoint answered ${answered} rows: ${stolen.queries} for the attack and ${checks.queries} for the fidelity check — every one of them paid for on a real service`);
