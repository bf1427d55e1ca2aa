/**
 * The Open Inference Protocol (KServe v2, Triton) on threatlab serve, beside its own API: the
 * same keys, budgets, billing and output policies, in the tensors other serving stacks speak.
 *
 *   GET  /v2/health/live, /v2/health/ready
 *   GET  /v2/models/:id                 metadata: input [-1, columns] FP64; outputs by policy
 *   POST /v2/models/:id/infer           {"inputs":[{"name","shape":[n, columns],"datatype","data"}]}
 *
 * A scores or leaf policy answers `probabilities` [n, classes] and `label` [n]; label-only just
 * `label`; top-k `label`, `top_k_labels` and `top_k_probabilities` [n, k]; a regressor `value`.
 */

import type { Hono } from 'hono';
import { z } from 'zod';
import { ThreatlabError } from '../errors.ts';
import type { Answer } from '../oracle/types.ts';
import type { PredictionService } from './service.ts';
import type { KeyRecord } from './store.ts';
import { plainIssues } from '../zod-issues.ts';

const tensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)).min(1).max(2),
  datatype: z.enum(['FP64', 'FP32', 'INT64', 'INT32']),
  data: z.array(z.union([z.number().finite(), z.array(z.number().finite())])),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

/** POST /v2/models/:id/infer */
export const inferRequest = z.object({ id: z.string().optional(), inputs: z.array(tensor).length(1), outputs: z.array(z.object({ name: z.string() }).passthrough()).optional(), parameters: z.record(z.string(), z.unknown()).optional() });

interface Output {
  name: string;
  shape: number[];
  datatype: 'FP64' | 'INT64';
  data: number[];
}

function outputsOf(answers: Answer[]): Output[] {
  const n = answers.length;
  const first = answers[0];
  switch (first.kind) {
    case 'scores':
    case 'leaf': {
      const k = first.probabilities.length;
      return [
        { name: 'probabilities', shape: [n, k], datatype: 'FP64', data: answers.flatMap((a) => (a as { probabilities: number[] }).probabilities) },
        { name: 'label', shape: [n], datatype: 'INT64', data: answers.map((a) => (a as { label: number }).label) },
      ];
    }
    case 'label':
      return [{ name: 'label', shape: [n], datatype: 'INT64', data: answers.map((a) => (a as { label: number }).label) }];
    case 'top-k': {
      const k = first.top.length;
      return [
        { name: 'label', shape: [n], datatype: 'INT64', data: answers.map((a) => (a as { label: number }).label) },
        { name: 'top_k_labels', shape: [n, k], datatype: 'INT64', data: answers.flatMap((a) => (a as { top: { label: number }[] }).top.map((t) => t.label)) },
        { name: 'top_k_probabilities', shape: [n, k], datatype: 'FP64', data: answers.flatMap((a) => (a as { top: { probability: number }[] }).top.map((t) => t.probability)) },
      ];
    }
    case 'value':
      return [{ name: 'value', shape: [n], datatype: 'FP64', data: answers.map((a) => (a as { value: number }).value) }];
  }
}

/** Adds the Open Inference Protocol routes. */
export function addOpenInferenceRoutes(app: Hono, service: PredictionService, auth: (header: string | undefined) => KeyRecord, readJson: (request: Request) => Promise<unknown>): void {
  app.get('/v2/health/live', (c) => c.json({ live: true }));
  app.get('/v2/health/ready', (c) => c.json({ ready: true }));

  app.get('/v2/models/:id', (c) => {
    const info = service.info(auth(c.req.header('authorization')), c.req.param('id'));
    return c.json({
      name: info.id,
      versions: ['1'],
      platform: `threatlab-${info.kind}`,
      inputs: [{ name: 'input', datatype: 'FP64', shape: [-1, info.inputSize] }],
      outputs: info.reveals === 'label' ? [{ name: 'label', datatype: 'INT64', shape: [-1] }] : [{ name: 'probabilities', datatype: 'FP64', shape: [-1, info.classes.length] }, { name: 'label', datatype: 'INT64', shape: [-1] }],
      parameters: { classes: info.classes, policy: info.policy, price: info.price },
    });
  });

  app.post('/v2/models/:id/infer', async (c) => {
    const key = auth(c.req.header('authorization'));
    const parsed = inferRequest.safeParse(await readJson(c.req.raw));
    if (!parsed.success) {
      throw new ThreatlabError('validation', `not an Open Inference Protocol request: ${plainIssues(parsed.error, '(body)', 3).map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    }
    const input = parsed.data.inputs[0];
    const data = input.data.flat();
    const [n, d = 1] = input.shape;
    if (n * d !== data.length) throw new ThreatlabError('validation', `input "${input.name}" has shape [${input.shape.join(', ')}] but ${data.length} values`);
    if (n === 0) throw new ThreatlabError('validation', 'the input tensor has no rows');
    const rows: number[][] = [];
    for (let i = 0; i < n; i++) rows.push(data.slice(i * d, (i + 1) * d));
    const answer = await service.predict(key, c.req.param('id'), { rows });
    return c.json({
      model_name: answer.modelId,
      id: parsed.data.id ?? String(answer.queryId),
      parameters: { queries: answer.queries, cost: answer.cost, cost_micros: answer.costMicros, query_id: answer.queryId },
      outputs: outputsOf(answer.answers),
    });
  });
}
