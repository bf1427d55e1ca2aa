/**
 * zod's issues as a ValidationError lists them, with its unions made plain. zod reports a value
 * that matches no member of a union as one "Invalid input" at the union's place, its members'
 * own issues nested inside: a predict body `{"records":[{"age":1e400}]}` (Infinity once parsed)
 * read "(body): Invalid input". Here a union's issues are those of the member that got furthest
 * (`records[0].age: expected string, number or null, received Infinity`); members that fail alike
 * at the same place are named together.
 */

import type { z } from 'zod';
import type { ValidationIssue } from './errors.ts';

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** The issues of `error`, unions flattened, at most `most`; `root` names the value itself (`(body)`, `(root)`). */
export function plainIssues(error: z.ZodError, root: string, most = 10): ValidationIssue[] {
  return error.issues
    .flatMap((issue) => flatten(issue, []))
    .slice(0, most)
    .map(({ path, message }) => ({ path: path.map(String).join('.') || root, message }));
}

function flatten(issue: Issue, prefix: Path): { path: Path; message: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code !== 'invalid_union' || issue.errors.length === 0) return [{ path, message: issue.message }];
  const members = issue.errors;
  // Every member wanted another type here: one issue naming them all.
  if (members.every((issues) => issues.length === 1 && issues[0].code === 'invalid_type' && issues[0].path.length === 0)) {
    const wanted = [...new Set(members.map((issues) => (issues[0] as z.core.$ZodIssueInvalidType).expected))];
    const received = /received (.+)$/.exec(members[0][0].message)?.[1];
    return [{ path, message: `expected ${wanted.length > 1 ? `${wanted.slice(0, -1).join(', ')} or ${wanted[wanted.length - 1]}` : wanted[0]}${received ? `, received ${received}` : ''}` }];
  }
  const reach = (issues: readonly Issue[]) => (issues.some((one) => one.code === 'unrecognized_keys' && one.path.length === 0) ? -1 : Math.max(...issues.map((one) => one.path.length)));
  const furthest = Math.max(...members.map(reach));
  const best = members.filter((issues) => reach(issues) === furthest);
  if (best.length === 1) return best[0].flatMap((one) => flatten(one, path));
  // Members that failed alike (a body that is neither form): the first issue of each, as alternatives.
  const alternatives = best.map((issues) => flatten(issues.find((one) => one.code !== 'unrecognized_keys') ?? issues[0], path)[0]);
  const unknownKeys = furthest < 0 ? best[0].filter((one) => one.code === 'unrecognized_keys' && one.path.length === 0).map((one) => ({ path, message: one.message })) : [];
  return [{ path, message: alternatives.map((one) => `${one.path.slice(path.length).map(String).join('.') || 'it'}: ${one.message}`).join('; or ') }, ...unknownKeys];
}
