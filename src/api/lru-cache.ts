/**
 * A cache bounded by the total size of its entries (bytes, or any unit) that evicts the least
 * recently used first, approximately: CLOCK's second chance (Corbató 1968). A hit only marks its
 * entry (one Map lookup: the request thread reads a key, a model record and a model on every
 * request, and moving each to the end of the Map was a delete and a set); eviction walks from the
 * oldest, moving a marked entry to the end with its mark cleared and evicting the first unmarked.
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, { value: V; size: number; used: boolean }>();
  private total = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** The value, marked as used since the last eviction pass. */
  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    entry.used = true;
    return entry.value;
  }

  /** Stores a value of `size`, evicting until the total fits (an entry used since it was last passed gets a second chance); one larger than the capacity is not kept. */
  set(key: K, value: V, size: number): void {
    this.delete(key);
    if (size > this.capacity) return;
    this.total += size;
    // Evict before inserting: the new entry is never the one evicted.
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.capacity) break;
      this.entries.delete(oldest);
      if (entry.used) {
        entry.used = false;
        this.entries.set(oldest, entry);
      } else {
        this.total -= entry.size;
      }
    }
    this.entries.set(key, { value, size, used: false });
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.total -= entry.size;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  /** Total size of the entries kept. */
  get size(): number {
    return this.total;
  }

  get count(): number {
    return this.entries.size;
  }
}
