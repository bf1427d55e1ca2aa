/**
 * The wire protocol of the prediction API: request bodies (validated with zod) and responses.
 * Rows travel encoded, one number per feature column, `null` for a missing feature (JSON has
 * no NaN); or as records of raw named values, which the server encodes with the model's schema.
 */

import { z } from 'zod';
import type { ErrorCode, ValidationIssue } from '../errors.ts';
import type { Answer, OracleInfo } from '../oracle/types.ts';
import { MAX_PRICE } from './money.ts';

const budget = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const rateLimit = z.number().min(0.01).max(1e6);

/** POST /v1/owners (operator, with the admin token): a new owner, its account limits and first key. */
export const createOwnerRequest = z
  .object({
    name: z.string().min(1).max(64).regex(/^[\w.@ -]+$/, 'letters, digits, spaces and . @ _ - only'),
    budget: budget.optional(),
    rateLimit: rateLimit.optional(),
  })
  .strict();

/** POST /v1/keys (an owner's key): a further key of the same account, within its limits. */
export const createKeyRequest = z
  .object({
    budget: budget.optional(),
    rateLimit: rateLimit.optional(),
  })
  .strict();

/** POST /v1/models/:id/publish */
export const publishRequest = z
  .object({
    price: z.number().min(0).max(MAX_PRICE),
    policy: z.string().min(1),
    visibility: z.enum(['private', 'public']).default('private'),
    /** Watch each key's queries for extraction (PRADA) and act: log, alert, slow or refuse. */
    monitor: z
      .object({ action: z.enum(['log', 'alert', 'slow', 'refuse']), threshold: z.number().gt(0).lt(1).default(0.9), referenceDatasetId: z.string().min(1).optional() })
      .strict()
      .optional(),
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

/** POST /v1/models/:id/audit: an audit job of an owned model (threats and policies as the CLI's). */
export const auditRequest = z
  .object({
    policies: z.array(z.string().min(1).max(20)).min(1).max(6).default(['full', 'rounded:2', 'label-only']),
    threats: z.array(z.enum(['extraction', 'inversion', 'membership', 'exfiltration'])).min(1).default(['extraction', 'inversion', 'membership', 'exfiltration']),
    sensitive: z.array(z.string().min(1).max(200)).max(10).default([]),
    quick: z.boolean().default(true),
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    price: z.number().min(0).max(1000).optional(),
  })
  .strict();

/** A parsed audit request. */
export type AuditRequest = z.infer<typeof auditRequest>;

/**
 * Rows of finite numbers or null, checked in one loop: a schema per value (z.array(z.number()…))
 * cost a 1-row, 108-value predict more than the prediction and its ledger row together.
 */
const numberRows = z
  .array(z.unknown())
  .min(1)
  .superRefine((rows, context) => {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      if (!Array.isArray(row)) {
        context.addIssue({ code: 'custom', path: [i], message: 'expected an array of numbers (null for a missing value)' });
        return;
      }
      for (let j = 0; j < row.length; j++) {
        const value: unknown = row[j];
        if (value !== null && !(typeof value === 'number' && Number.isFinite(value))) {
          context.addIssue({ code: 'custom', path: [i, j], message: `expected a finite number or null, got ${value === undefined ? 'nothing' : JSON.stringify(value).slice(0, 40)}` });
          return;
        }
      }
    }
  }) as unknown as z.ZodType<(number | null)[][]>;

/**
 * The media type of predict rows sent as bytes instead of JSON: each row the model's input width of
 * little-endian IEEE float64 values one after another (8 bytes a value), NaN for a missing feature
 * (tree models only), nothing else in the body. A 784-pixel row is 6,272 bytes against ~15,000 as
 * JSON text, and neither side writes or parses a number as text: the decision-based attacks' bulk
 * queries spent most of their time there.
 */
export const ROWS_F64 = 'application/vnd.threatlab.rows+f64';

/** POST /v1/models/:id/predict */
export const predictRequest = z.union([
  z.object({ rows: numberRows }).strict(),
  z.object({ records: z.array(z.record(z.string(), z.union([z.string(), z.number().finite(), z.null()]))).min(1) }).strict(),
]);

/** What GET /v1/models/:id returns: what real services reveal about a model (its oracle info). */
export interface ModelInfoResponse extends Omit<OracleInfo, 'modelId'> {
  id: string;
  name: string;
  visibility: 'private' | 'public';
  published: boolean;
  owned: boolean;
  /** The bodies POST /v1/models/:id/predict reads: JSON (`application/json`) and float64 bytes (`ROWS_F64`). */
  rowFormats: string[];
}

/** What POST /v1/models/:id/predict returns. */
export interface PredictResponse {
  modelId: string;
  /** The ledger entry of this request. */
  queryId: number;
  queries: number;
  /** Price units (exact to 6 decimals), and the same in integer micro-units. */
  cost: number;
  costMicros: number;
  answers: Answer[];
}

/** What POST /v1/models/train (202) and GET /v1/jobs/:id return. */
export interface JobResponse {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** 0–1 (epochs done for networks; 0 then 1 for the others). */
  progress: number;
  modelId: string | null;
  /** Rows and accuracies of a finished job. */
  result: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** Every error body. */
export interface ErrorResponse {
  error: { code: ErrorCode; message: string; issues?: ValidationIssue[] };
}
