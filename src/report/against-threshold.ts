/**
 * A figure printed beside the thresholds a verdict judged it by, with enough decimals that it
 * reads on the side of each threshold it lies on: an AUC of 0.598 judged against "high: AUC ≥ 0.6"
 * prints as 0.598, not as 0.60 beside a "medium" verdict; 0.613 still prints as 0.61.
 */

/** The most decimals added to tell a figure from a threshold (a figure closer than that prints as the threshold's neighbour at this precision). */
const MOST_DIGITS = 6;

/**
 * `(scale · value).toFixed(digits)`, or with more decimals where fewer would print it on the other
 * side of one of `thresholds` (compared unscaled, as the verdict compares them: ≥ is the upper side).
 */
export function fixedAgainst(value: number, thresholds: readonly number[], digits: number, scale = 1): string {
  return against(value, thresholds, digits, scale, (scaled, shown) => scaled.toFixed(shown));
}

/** `value.toExponential(digits)`, or with more digits where fewer would print it on the other side of one of `thresholds`. */
export function exponentialAgainst(value: number, thresholds: readonly number[], digits: number): string {
  return against(value, thresholds, digits, 1, (scaled, shown) => scaled.toExponential(shown));
}

function against(value: number, thresholds: readonly number[], digits: number, scale: number, write: (scaled: number, digits: number) => string): string {
  const sameSides = (printed: number) => thresholds.every((threshold) => value >= threshold === printed / scale >= threshold);
  for (let shown = digits; shown < digits + MOST_DIGITS; shown++) {
    const text = write(scale * value, shown);
    if (sameSides(Number(text))) return text;
  }
  return write(scale * value, digits + MOST_DIGITS);
}

/** A share (0–1) as a percentage with `digits` decimals, or more where fewer would cross one of `thresholds` (shares too). */
export function percentAgainst(share: number, thresholds: readonly number[], digits = 1): string {
  return `${fixedAgainst(share, thresholds, digits, 100)}%`;
}
