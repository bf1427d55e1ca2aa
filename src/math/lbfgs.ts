/**
 * Limited-memory BFGS (Nocedal 1980; Liu and Nocedal 1989) in float64, with a backtracking
 * line search on the Armijo condition and curvature-checked updates. Deterministic: the same
 * objective and start give the same iterates, so two fits with one seed give the same weights.
 */

/** An objective: writes the gradient into `gradient` and returns the value. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

/** Options for `minimizeLbfgs`. */
export interface LbfgsOptions {
  /** Stop when the largest gradient entry is below this (default 1e-6). */
  gradientTolerance?: number;
  /** Stop when the relative decrease of the value falls below this (default 1e-14). */
  valueTolerance?: number;
  maxIterations?: number;
  /** Pairs of history kept (default 10). */
  memory?: number;
}

/** Why and where the optimizer stopped. */
export interface LbfgsResult {
  x: Float64Array;
  value: number;
  iterations: number;
  evaluations: number;
  gradientNorm: number;
  converged: boolean;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function maxAbs(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  return max;
}

/** Minimises `objective` from `start` (not modified). */
export function minimizeLbfgs(objective: Objective, start: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const n = start.length;
  const gradientTolerance = options.gradientTolerance ?? 1e-6;
  const valueTolerance = options.valueTolerance ?? 1e-14;
  const maxIterations = options.maxIterations ?? 1000;
  const memory = options.memory ?? 10;
  const x = Float64Array.from(start);
  const gradient = new Float64Array(n);
  let value = objective(x, gradient);
  let evaluations = 1;
  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  const direction = new Float64Array(n);
  const alpha = new Float64Array(memory);
  const nextX = new Float64Array(n);
  const nextGradient = new Float64Array(n);
  let iterations = 0;
  let converged = maxAbs(gradient) <= gradientTolerance;
  while (!converged && iterations < maxIterations) {
    // Two-loop recursion: direction = -H * gradient.
    for (let i = 0; i < n; i++) direction[i] = -gradient[i];
    for (let k = sHistory.length - 1; k >= 0; k--) {
      alpha[k] = rhoHistory[k] * dot(sHistory[k], direction);
      const y = yHistory[k];
      for (let i = 0; i < n; i++) direction[i] -= alpha[k] * y[i];
    }
    if (sHistory.length > 0) {
      const last = sHistory.length - 1;
      const gamma = dot(sHistory[last], yHistory[last]) / dot(yHistory[last], yHistory[last]);
      for (let i = 0; i < n; i++) direction[i] *= gamma;
    }
    for (let k = 0; k < sHistory.length; k++) {
      const beta = rhoHistory[k] * dot(yHistory[k], direction);
      const s = sHistory[k];
      for (let i = 0; i < n; i++) direction[i] += s[i] * (alpha[k] - beta);
    }
    let slope = dot(direction, gradient);
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      sHistory.length = 0;
      yHistory.length = 0;
      rhoHistory.length = 0;
      for (let i = 0; i < n; i++) direction[i] = -gradient[i];
      slope = dot(direction, gradient);
    }
    let step = sHistory.length === 0 ? Math.min(1, 1 / Math.max(1e-12, maxAbs(gradient))) : 1;
    let nextValue = Infinity;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) nextX[i] = x[i] + step * direction[i];
      nextValue = objective(nextX, nextGradient);
      evaluations++;
      if (Number.isFinite(nextValue) && nextValue <= value + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(nextValue <= value)) break; // line search failed: no further progress possible
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = nextX[i] - x[i];
      y[i] = nextGradient[i] - gradient[i];
    }
    const curvature = dot(s, y);
    if (curvature > 1e-12 * dot(y, y)) {
      if (sHistory.length === memory) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
      sHistory.push(s);
      yHistory.push(y);
      rhoHistory.push(1 / curvature);
    }
    const decrease = value - nextValue;
    x.set(nextX);
    gradient.set(nextGradient);
    value = nextValue;
    iterations++;
    converged = maxAbs(gradient) <= gradientTolerance || decrease <= valueTolerance * Math.max(1, Math.abs(value));
  }
  return { x, value, iterations, evaluations, gradientNorm: maxAbs(gradient), converged };
}
