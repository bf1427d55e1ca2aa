/**
 * The server's extraction monitor (the countermeasures issue; PRADA, Juuti et al. 2019): one
 * detector stream per (API key, model) for models whose owner turned it on when publishing.
 * Answered rows are fed after the ledger records them, in chunks that yield to the event loop;
 * with the owner's reference rows (natural inputs) the off-manifold detector also watches and
 * PRADA's threshold is calibrated on them. A stream that trips raises the owner's action once — log (a line on the server's stderr),
 * alert (a row in the alerts table, shown in GET /v1/usage), slow (alert, and every later
 * request of that key to the model waits), refuse (alert, and later requests get 403, charged
 * nothing). Streams live in memory, bounded by bytes (those unused longest dropped), so a
 * restart or an eviction forgets a key's history — an attacker can rotate keys as well; the
 * ledger keeps every query regardless.
 */

import { encodeTableWithSchema } from '../data/encoders/schema-encoder.ts';
import type { Table } from '../data/table.ts';
import { ThreatlabError, ValidationError } from '../errors.ts';
import type { ModelSummary } from '../models/summary.ts';
import { Rng } from '../random.ts';
import type { Matrix } from '../math/matrix.ts';
import type { Answer } from '../oracle/types.ts';
import { columnScaleOf, PradaStream } from '../defenses/extraction-monitor/prada.ts';
import { LruCache } from './lru-cache.ts';
import type { KeyRecord, ModelRecord, Store } from './store.ts';

/** Points each class's growing set keeps on the server. */
const GROWING_PER_CLASS = 200;
/** Rows observed between yields to the event loop. */
const CHUNK = 64;

/** How long a slowed key waits per request. */
export const SLOWDOWN_MS = 1000;

/** Streams per (key, model), and the actions their readings trigger. */
export class ExtractionWatch {
  private readonly streams: LruCache<string, PradaStream>;
  private readonly store: Store;

  constructor(store: Store, bytes: number) {
    this.store = store;
    this.streams = new LruCache(bytes);
  }

  private stream(key: KeyRecord, record: ModelRecord): PradaStream {
    const id = `${key.id} ${record.id}`;
    let stream = this.streams.get(id);
    if (!stream) {
      stream = new PradaStream(columnScaleOf(record.summary.schema), { threshold: record.monitor!.threshold, maxGrowingPerClass: GROWING_PER_CLASS }, record.monitor!.reference);
      const classes = Math.max(1, record.summary.classes.length);
      this.streams.set(id, stream, classes * GROWING_PER_CLASS * record.summary.inputSize * 8 + 5000 * 8);
    }
    return stream;
  }

  /** Before answering: refuse or slow a key its stream has flagged, as the model's owner chose. */
  async before(key: KeyRecord, record: ModelRecord): Promise<void> {
    if (!record.monitor) return;
    const flagged = this.stream(key, record).reading.flagged;
    if (!flagged) return;
    if (record.monitor.action === 'refuse') {
      throw new ThreatlabError(
        'forbidden',
        `this key's queries to model "${record.id}" look like model extraction (${flagged.detector}, statistic ${flagged.statistic.toFixed(3)} after ${flagged.atQuery} queries); the model's owner refuses such keys — ask them to review it`,
      );
    }
    if (record.monitor.action === 'slow') await new Promise((resolve) => setTimeout(resolve, SLOWDOWN_MS));
  }

  /** After the ledger recorded the request: feed its rows; raise the action once if the stream trips. */
  async after(key: KeyRecord, record: ModelRecord, rows: Matrix, answers: Answer[]): Promise<void> {
    if (!record.monitor) return;
    const stream = this.stream(key, record);
    const wasFlagged = stream.reading.flagged !== undefined;
    for (let start = 0; start < rows.rows; start += CHUNK) {
      for (let i = start; i < Math.min(rows.rows, start + CHUNK); i++) {
        const answer = answers[i];
        stream.observe(rows.data.subarray(i * rows.cols, (i + 1) * rows.cols), answer.kind === 'value' ? 0 : answer.label);
      }
      if (start + CHUNK < rows.rows) await new Promise((resolve) => setImmediate(resolve));
    }
    const flagged = stream.reading.flagged;
    if (wasFlagged || !flagged) return;
    const alert = { detector: flagged.detector, statistic: flagged.statistic, queries: flagged.atQuery, action: record.monitor.action };
    if (record.monitor.action === 'log') process.stderr.write(`threatlab: extraction suspected: key ${key.prefix}… on model ${record.id}: ${JSON.stringify(alert)}\n`);
    else this.store.addAlert(key.id, record.id, alert);
  }
}

/** Reference rows an extraction monitor keeps (its nearest-neighbour checks grow with them). */
const MAX_REFERENCE_ROWS = 300;

/** A seeded sample of a table's rows encoded for the model (other columns, the target among them, dropped); `path` names the setting in errors. */
export function referenceRowsOf(summary: ModelSummary, table: Table, path: string): number[][] {
  const names = summary.schema.features.map((feature) => feature.name);
  const keep = names.map((name) => table.columns.indexOf(name));
  const missing = names.filter((_, j) => keep[j] < 0);
  if (missing.length > 0) throw new ValidationError('the reference rows lack columns the model needs', missing.slice(0, 5).map((name) => ({ path: `${path}.${name}`, message: 'the model needs this column' })));
  const picked = Array.from(new Rng(1).permutation(table.rows.length).subarray(0, MAX_REFERENCE_ROWS));
  const subset = { ...table, columns: names, rows: picked.map((i) => keep.map((k) => table.rows[i][k])), lines: picked.map((i) => table.lines[i]) };
  const encoded = encodeTableWithSchema(summary.schema, subset, { allowMissing: summary.kind === 'tree' });
  if (encoded.rows < 20) throw new ValidationError('too few reference rows', [{ path, message: `${encoded.rows} rows; give at least 20 natural rows` }]);
  return Array.from({ length: encoded.rows }, (_, i) => Array.from(encoded.data.subarray(i * encoded.cols, (i + 1) * encoded.cols)));
}
