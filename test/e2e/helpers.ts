/** Shared set-up of the end-to-end tests: a database with an owner, a key and a published model. */

import { loadIrisEmbedded } from '../../src/data/datasets/iris.ts';
import { LinearClassifierTrainer } from '../../src/models/linear/trainers.ts';
import { Store } from '../../src/api/store.ts';

/** Creates the database file with one key and one published logistic model. */
export function seedDatabase(path: string): { key: string; modelId: string } {
  const store = Store.open(path);
  try {
    const { key, record } = store.createOwner({ name: 'load' });
    const model = new LinearClassifierTrainer('softmax').fitSync(loadIrisEmbedded());
    const modelId = store.addModel(record.ownerId, 'iris', model);
    store.publish(modelId, { price: 0.001, policy: { kind: 'full' }, visibility: 'private' });
    return { key, modelId };
  } finally {
    store.close();
  }
}

/** One predict request; resolves to the ledger id, or undefined when no answer came. */
export async function predictOnce(url: string, key: string, modelId: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${url}/v1/models/${modelId}/predict`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: '{"rows":[[5.1,3.5,1.4,0.2]]}',
    });
    if (response.status !== 200) throw new Error(`status ${response.status}: ${await response.text()}`);
    return ((await response.json()) as { queryId: number }).queryId;
  } catch (error) {
    if ((error as Error).message.startsWith('status')) throw error;
    return undefined;
  }
}
