/**
 * A third extraction signal beside PRADA and the probe detector, for the attacks PRADA misses:
 * equation solving and uniform or adaptive retraining query random points of the input box
 * (Tramèr et al. 2016 §4–5), which lie far from any natural input. Given reference rows the
 * owner knows to be natural (held-out data), a query is "off the manifold" when its distance to
 * the nearest reference row exceeds the 99th percentile of the reference rows' own
 * nearest-neighbour distances; a client whose last 100 queries are at least half off is flagged.
 * A benign client sending natural rows is off about 1% of the time. In the spirit of the
 * feature-space coverage monitors of Kesarwani et al. ("Model extraction warning in MLaaS
 * paradigm", ACSAC 2018), simplified to a nearest-neighbour test.
 */

/** How far natural rows are from one another, and the reference rows to measure against. */
export class ReferenceRows {
  readonly points: Float64Array[];
  /** The 99th percentile of the reference rows' nearest-neighbour distances. */
  readonly radius: number;
  /** The reference rows' nearest-neighbour distances (PRADA's threshold is calibrated on their W). */
  readonly distances: number[];

  /** `points`: reference rows already normalised as the stream normalises queries (at least 20). */
  constructor(points: Float64Array[]) {
    this.points = points;
    const nearest = points.map((point, i) => {
      let best = Infinity;
      points.forEach((other, k) => {
        if (k !== i) best = Math.min(best, squaredDistance(point, other));
      });
      return Math.sqrt(best);
    });
    this.distances = [...nearest];
    nearest.sort((a, b) => a - b);
    this.radius = nearest[Math.min(nearest.length - 1, Math.floor(0.99 * nearest.length))];
  }

  /** Whether a normalised query is farther from every reference row than the radius. */
  isFar(point: Float64Array): boolean {
    const limit = this.radius * this.radius;
    for (const other of this.points) if (squaredDistance(point, other) <= limit) return false;
    return true;
  }
}

/** Squared L2 distance. */
export function squaredDistance(a: Float64Array, b: Float64Array): number {
  let total = 0;
  for (let j = 0; j < a.length; j++) total += (a[j] - b[j]) ** 2;
  return total;
}
