/** Error codes to HTTP statuses and back, so a local and a remote failure look the same to an attack. */

import { ThreatlabError, ValidationError, type ErrorCode } from '../errors.ts';
import type { ErrorResponse } from './protocol.ts';

/** The HTTP status of an error code. */
export function statusOf(code: ErrorCode): 400 | 401 | 402 | 403 | 404 | 409 | 413 | 422 | 429 | 500 | 503 {
  switch (code) {
    case 'validation':
    case 'usage':
    case 'parse-error':
    case 'ragged-row':
    case 'unknown-category':
    case 'missing-value':
    case 'empty-file':
    case 'capability':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not-found':
    case 'file-not-found':
    case 'dataset-missing':
      return 404;
    case 'conflict':
    case 'cancelled':
      return 409;
    case 'payload-too-large':
      return 413;
    case 'limit-exceeded':
      return 422;
    case 'budget-exceeded':
      return 402;
    case 'rate-limited':
      return 429;
    case 'overloaded':
    case 'unavailable':
      return 503;
    case 'not-fitted':
    case 'internal':
      return 500;
  }
}

/** The JSON body of an error. */
export function errorBody(error: ThreatlabError): ErrorResponse {
  return error.toJSON();
}

/** Rebuilds the error a server reported (client side). */
export function errorFromBody(body: unknown, status: number): ThreatlabError {
  const error = (body as Partial<ErrorResponse> | undefined)?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string') {
    return new ThreatlabError('internal', `the server answered ${status} without a threatlab error body`);
  }
  if (error.code === 'validation') return new ValidationError(error.message, error.issues ?? [], true);
  return new ThreatlabError(error.code, error.message);
}
