/**
 * Hyper-parameters declared as data (as scikit-learn's parameter constraints): each trainer
 * lists its parameters with type, bounds, default and a doc line; `resolveParams` validates
 * what a user gave (from code or `--param k=v`) and names every bad or unknown parameter.
 */

import { ValidationError, type ValidationIssue } from '../errors.ts';

/** A number, optionally an integer, with inclusive bounds or an exclusive lower bound. */
export interface NumberParam {
  type: 'number';
  default: number;
  min?: number;
  max?: number;
  /** Strict lower bound (value must be greater). */
  above?: number;
  integer?: boolean;
  doc: string;
}

/** One of a closed set of strings. */
export interface ChoiceParam<T extends string = string> {
  type: 'choice';
  values: readonly T[];
  default: T;
  doc: string;
}

/** A list of positive integers (e.g. hidden layer sizes "64,32"). */
export interface IntegerListParam {
  type: 'integer-list';
  default: readonly number[];
  doc: string;
}

/** true or false. */
export interface BooleanParam {
  type: 'boolean';
  default: boolean;
  doc: string;
}

/** Any parameter declaration. */
export type ParamSpec = NumberParam | ChoiceParam | IntegerListParam | BooleanParam;

/** A trainer's parameter declarations. */
export type ParamSpecs = Record<string, ParamSpec>;

/** The validated values of declared parameters. */
export type ParamValues<S extends ParamSpecs> = {
  readonly [K in keyof S]: S[K] extends NumberParam
    ? number
    : S[K] extends { type: 'choice'; values: readonly (infer T)[] }
      ? T
      : S[K] extends IntegerListParam
        ? readonly number[]
        : boolean;
};

/** Validates `given` against `specs`, filling defaults; every problem is listed in one error. */
export function resolveParams<S extends ParamSpecs>(kind: string, specs: S, given: Record<string, unknown> = {}, noun: 'model' | 'attack' = 'model'): ParamValues<S> {
  const issues: ValidationIssue[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in specs)) issues.push({ path: name, message: `unknown parameter of "${kind}"; known: ${Object.keys(specs).join(', ')}` });
  }
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const raw = given[name];
    if (raw === undefined) {
      values[name] = spec.default;
      continue;
    }
    const value = coerce(spec, raw);
    const problem = value === undefined ? `"${String(raw)}" is not a ${describeType(spec)}` : checkBounds(spec, value);
    if (problem) issues.push({ path: name, message: problem });
    else values[name] = value;
  }
  if (issues.length > 0) throw new ValidationError(`invalid parameters for ${noun} "${kind}"`, issues);
  return Object.freeze(values) as ParamValues<S>;
}

function coerce(spec: ParamSpec, raw: unknown): unknown {
  switch (spec.type) {
    case 'number': {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
    }
    case 'choice':
      return typeof raw === 'string' ? raw : undefined;
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'integer-list': {
      const list = typeof raw === 'string' ? (raw.trim() === '' ? [] : raw.split(',').map((part) => Number(part.trim()))) : raw;
      return Array.isArray(list) && list.every((item) => Number.isInteger(item) && item > 0) ? Object.freeze(list.slice()) : undefined;
    }
  }
}

function checkBounds(spec: ParamSpec, value: unknown): string | undefined {
  if (spec.type === 'number') {
    const number = value as number;
    if (spec.integer && !Number.isInteger(number)) return `${number} must be an integer`;
    if (spec.min !== undefined && number < spec.min) return `${number} must be ≥ ${spec.min}`;
    if (spec.max !== undefined && number > spec.max) return `${number} must be ≤ ${spec.max}`;
    if (spec.above !== undefined && !(number > spec.above)) return `${number} must be > ${spec.above}`;
  }
  if (spec.type === 'choice' && !spec.values.includes(value as string)) {
    return `"${String(value)}" must be one of ${spec.values.join(', ')}`;
  }
  return undefined;
}

function describeType(spec: ParamSpec): string {
  switch (spec.type) {
    case 'number':
      return spec.integer ? 'whole number' : 'finite number';
    case 'choice':
      return `choice (${spec.values.join(', ')})`;
    case 'boolean':
      return 'boolean (true or false)';
    case 'integer-list':
      return 'comma-separated list of positive integers';
  }
}

/** Parses `k=v` command-line pairs into a record of strings. */
export function parseParamPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const issues: ValidationIssue[] = [];
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) issues.push({ path: pair, message: 'write parameters as name=value, e.g. l2=0.5' });
    else out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  if (issues.length > 0) throw new ValidationError('invalid --param', issues);
  return out;
}
