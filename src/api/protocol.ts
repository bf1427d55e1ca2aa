/**
 * The wire protocol of the prediction API: request bodies (validated with zod) and responses.
 * Rows travel encoded, one number per feature column, `null` for a missing feature (JSON has
 * no NaN); or as records of raw named values, which the server encodes with the model's schema.
 */

import { z } from 'zod';
import type { ErrorCode, ValidationIssue } from '../errors.ts';
import type { Answer, OracleInfo } from '../oracle/types.ts';

/** Most rows in one predict request. */
export const MAX_ROWS_PER_REQUEST = 10_000;

/** POST /v1/keys */
export const createKeyRequest = z
  .object({
    owner: z.string().min(1).max(64).optional(),
    budget: z.number().int().min(0).optional(),
    rateLimit: z.number().positive().optional(),
  })
  .strict();

/** POST /v1/models/:id/publish */
export const publishRequest = z
  .object({
    price: z.number().min(0).finite(),
    policy: z.string().min(1),
    visibility: z.enum(['private', 'public']).default('private'),
  })
  .strict();

/** POST /v1/models/train */
export const trainRequest = z
  .object({
    datasetId: z.string().min(1),
    target: z.string().min(1),
    model: z.string().min(1),
    name: z.string().min(1).max(100).optional(),
    params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    testFraction: z.number().gt(0).lt(1).default(0.3),
  })
  .strict();

/** POST /v1/models/:id/predict */
export const predictRequest = z.union([
  z.object({ rows: z.array(z.array(z.number().finite().nullable())).min(1).max(MAX_ROWS_PER_REQUEST) }).strict(),
  z.object({ records: z.array(z.record(z.string(), z.union([z.string(), z.number().finite(), z.null()]))).min(1).max(MAX_ROWS_PER_REQUEST) }).strict(),
]);

/** What GET /v1/models/:id returns: what real services reveal about a model (its oracle info). */
export interface ModelInfoResponse extends Omit<OracleInfo, 'modelId'> {
  id: string;
  name: string;
  visibility: 'private' | 'public';
  published: boolean;
  owned: boolean;
}

/** What POST /v1/models/:id/predict returns. */
export interface PredictResponse {
  modelId: string;
  /** The ledger entry of this request. */
  queryId: number;
  queries: number;
  cost: number;
  answers: Answer[];
}

/** Every error body. */
export interface ErrorResponse {
  error: { code: ErrorCode; message: string; issues?: ValidationIssue[] };
}
