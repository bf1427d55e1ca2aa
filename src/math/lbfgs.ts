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
  /**
   * `backtracking` (default): halve the step until the Armijo condition holds. `strong-wolfe`:
   * also require |slope| ≤ 0.9 |initial slope| (Nocedal and Wright 2006, Algorithms 3.5–3.6), so
   * every curvature pair is informative — fewer iterations on non-convex fits (network extraction).
   */
  lineSearch?: 'backtracking' | 'strong-wolfe';
  /** Called after every accepted step with the current point (not to be kept: it changes) and value. */
  onIteration?: (x: Float64Array, value: number, iteration: number) => void;
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
    let nextValue: number;
    if (options.lineSearch === 'strong-wolfe') {
      const found = strongWolfe(objective, x, value, slope, direction, step, nextX, nextGradient);
      evaluations += found.evaluations;
      nextValue = found.value;
    } else {
      nextValue = Infinity;
      for (let tries = 0; tries < 60; tries++) {
        for (let i = 0; i < n; i++) nextX[i] = x[i] + step * direction[i];
        nextValue = objective(nextX, nextGradient);
        evaluations++;
        if (Number.isFinite(nextValue) && nextValue <= value + 1e-4 * step * slope) break;
        step *= 0.5;
      }
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
    options.onIteration?.(x, value, iterations);
    converged = maxAbs(gradient) <= gradientTolerance || decrease <= valueTolerance * Math.max(1, Math.abs(value));
  }
  return { x, value, iterations, evaluations, gradientNorm: maxAbs(gradient), converged };
}

/**
 * A step along `direction` meeting the strong Wolfe conditions (sufficient decrease, c1 = 1e-4;
 * curvature, c2 = 0.9): bracketing, then zoom by safeguarded quadratic interpolation (Nocedal and
 * Wright 2006, Algorithms 3.5 and 3.6). Leaves the point in `nextX`, its gradient in
 * `nextGradient`; returns its value (the best point seen when the search gives up).
 */
function strongWolfe(
  objective: Objective,
  x: Float64Array,
  value: number,
  slope: number,
  direction: Float64Array,
  firstStep: number,
  nextX: Float64Array,
  nextGradient: Float64Array,
): { value: number; evaluations: number } {
  const c1 = 1e-4;
  const c2 = 0.9;
  let evaluations = 0;
  const best = { step: 0, value, x: Float64Array.from(x), gradient: new Float64Array(x.length), found: false };
  const at = (step: number): { value: number; slope: number } => {
    for (let i = 0; i < x.length; i++) nextX[i] = x[i] + step * direction[i];
    const v = objective(nextX, nextGradient);
    evaluations++;
    if (Number.isFinite(v) && v < best.value) {
      best.step = step;
      best.value = v;
      best.x.set(nextX);
      best.gradient.set(nextGradient);
      best.found = true;
    }
    return { value: Number.isFinite(v) ? v : Infinity, slope: dot(nextGradient, direction) };
  };
  const accept = (v: number) => ({ value: v, evaluations });
  const zoom = (lo: number, loValue: number, loSlope: number, hi: number, hiValue: number): { value: number; evaluations: number } => {
    for (let k = 0; k < 30; k++) {
      // Minimiser of the quadratic through (lo, loValue, loSlope) and (hi, hiValue), kept inside.
      const width = hi - lo;
      const denominator = 2 * (hiValue - loValue - loSlope * width);
      let trial = denominator > 0 ? lo - (loSlope * width * width) / denominator : lo + width / 2;
      const low = Math.min(lo, hi);
      const high = Math.max(lo, hi);
      if (!(trial > low + 0.1 * (high - low) && trial < high - 0.1 * (high - low))) trial = (lo + hi) / 2;
      const { value: v, slope: s } = at(trial);
      if (v > value + c1 * trial * slope || v >= loValue) {
        hi = trial;
        hiValue = v;
      } else {
        if (Math.abs(s) <= -c2 * slope) return accept(v);
        if (s * (hi - lo) >= 0) {
          hi = lo;
          hiValue = loValue;
        }
        lo = trial;
        loValue = v;
        loSlope = s;
      }
    }
    return restoreBest();
  };
  const restoreBest = () => {
    if (!best.found) return { value: Infinity, evaluations };
    nextX.set(best.x);
    nextGradient.set(best.gradient);
    return { value: best.value, evaluations };
  };
  let previous = 0;
  let previousValue = value;
  let previousSlope = slope;
  let step = firstStep;
  for (let k = 0; k < 30; k++) {
    const { value: v, slope: s } = at(step);
    if (v > value + c1 * step * slope || (k > 0 && v >= previousValue)) return zoom(previous, previousValue, previousSlope, step, v);
    if (Math.abs(s) <= -c2 * slope) return accept(v);
    if (s >= 0) return zoom(step, v, s, previous, previousValue);
    previous = step;
    previousValue = v;
    previousSlope = s;
    step *= 2;
  }
  return restoreBest();
}
