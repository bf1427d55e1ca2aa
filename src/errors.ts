/**
 * The one error type of threatlab. Every failure that a user can cause or fix carries a
 * machine-readable `code` (a closed union) and a message that names the thing and the fix.
 * The HTTP API maps codes to statuses; the CLI prints `{ "error": { code, message } }`.
 */

/** Every error code threatlab raises. Closed: add a code here before raising it. */
export const ERROR_CODES = [
  'validation',
  'usage',
  'not-found',
  'file-not-found',
  'empty-file',
  'parse-error',
  'ragged-row',
  'unknown-category',
  'missing-value',
  'not-fitted',
  'dataset-missing',
  'budget-exceeded',
  'capability',
  'unauthorized',
  'forbidden',
  'rate-limited',
  'payload-too-large',
  'limit-exceeded',
  'conflict',
  'cancelled',
  'overloaded',
  'unavailable',
  'internal',
] as const;

/** One of `ERROR_CODES`. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Whether a string (from another process, or a server) is one of our error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && (ERROR_CODES as readonly string[]).includes(code);
}

/** One problem found while validating an input: where it is and what is wrong. */
export interface ValidationIssue {
  /** Where: a parameter name, a row/column, a JSON path. */
  path: string;
  message: string;
}

/** Base error: a code, a message naming the thing and the fix, optional details. */
export class ThreatlabError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ThreatlabError';
    this.code = code;
  }

  /** The JSON body the CLI and the API print: `{ error: { code, message } }`. */
  toJSON(): { error: { code: ErrorCode; message: string; issues?: ValidationIssue[] } } {
    return { error: { code: this.code, message: this.message } };
  }
}

/** Bad input that failed validation; lists every issue found, not just the first. */
export class ValidationError extends ThreatlabError {
  readonly issues: ValidationIssue[];

  /** `message` is followed by the issues unless `formatted` says it already lists them (an error read back from the API). */
  constructor(message: string, issues: ValidationIssue[] = [], formatted = false) {
    super('validation', issues.length > 0 && !formatted ? `${message}: ${formatIssues(issues)}` : message);
    this.name = 'ValidationError';
    this.issues = issues;
  }

  override toJSON(): { error: { code: ErrorCode; message: string; issues?: ValidationIssue[] } } {
    return { error: { code: this.code, message: this.message, issues: this.issues } };
  }
}

/** A model (or encoder) used before `fit`. */
export class NotFittedError extends ThreatlabError {
  constructor(what: string) {
    super('not-fitted', `${what} is not fitted: call fit(...) on training data first`);
    this.name = 'NotFittedError';
  }
}

/** An oracle's query budget is spent; attacks turn this into a status. */
export class BudgetExceededError extends ThreatlabError {
  readonly budget: number;
  readonly used: number;

  constructor(budget: number, used: number, requested: number) {
    super(
      'budget-exceeded',
      `query budget exhausted: ${used} of ${budget} queries used, ${requested} more requested; raise the budget or query fewer rows`,
    );
    this.name = 'BudgetExceededError';
    this.budget = budget;
    this.used = used;
  }
}

/** An attack needs something the oracle does not reveal (e.g. scores from a label-only API). */
export class CapabilityError extends ThreatlabError {
  constructor(message: string) {
    super('capability', message);
    this.name = 'CapabilityError';
  }
}

function formatIssues(issues: ValidationIssue[]): string {
  const shown = issues.slice(0, 5).map((issue) => `${issue.path}: ${issue.message}`);
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : '';
  return shown.join('; ') + more;
}

/** True when `value` is a ThreatlabError with the given code. */
export function hasCode(value: unknown, code: ErrorCode): value is ThreatlabError {
  return value instanceof ThreatlabError && value.code === code;
}
