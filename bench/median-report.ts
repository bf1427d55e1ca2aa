/**
 * One report from the same benchmark run in several processes: every number the median of the
 * numbers the runs have at its place (the runs' structures are the same: the same rows in the same
 * order), everything else the first run's. On this machine a process runs in one of two states for
 * its whole life (the same float64 forward pass 75 ms in one process and 115 ms in the next; the
 * PyTorch peer's 1,000-row MNIST forward pass 2.3 ms in one and 6.0 ms in another), so a sub-millisecond
 * row measured in one process a side reads the two processes' states as much as the code; the median
 * of three processes a side reads the code.
 */

const median = (values: number[]): number => {
  const sorted = values.slice().sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The reports' numbers at each place replaced by their median (places where some report has no number: the median of those that do). */
export function medianReport(reports: readonly unknown[]): unknown {
  const present = reports.filter((report) => report !== undefined && report !== null);
  const [first] = present;
  if (first === undefined) return reports[0];
  if (typeof first === 'number') {
    const numbers = present.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
    return numbers.length > 0 ? median(numbers) : first;
  }
  if (Array.isArray(first)) return first.map((_, index) => medianReport(present.map((report) => (Array.isArray(report) ? report[index] : undefined))));
  if (typeof first === 'object') {
    const record = first as Record<string, unknown>;
    return Object.fromEntries(Object.keys(record).map((key) => [key, medianReport(present.map((report) => (typeof report === 'object' ? (report as Record<string, unknown>)[key] : undefined)))]));
  }
  return first;
}
