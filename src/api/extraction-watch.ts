/**
 * The server's extraction monitor (the countermeasures issue; PRADA, Juuti et al. 2019): one
 * detector stream per (API key, model) for models whose owner turned it on when publishing.
 * Answered rows are fed after the ledger records them, in chunks that yield to the event loop;
 * a stream that trips raises the owner's action once — log (a line on the server's stderr),
 * alert (a row in the alerts table, shown in GET /v1/usage), slow (alert, and every later
 * request of that key to the model waits), refuse (alert, and later requests get 403, charged
 * nothing). Streams live in memory, bounded by bytes (least recently used dropped), so a
 * restart or an eviction forgets a key's history — an attacker can rotate keys as well; the
 * ledger keeps every query regardless.
 */

import { ThreatlabError } from '../errors.ts';
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
      stream = new PradaStream(columnScaleOf(record.summary.schema), { threshold: record.monitor!.threshold, maxGrowingPerClass: GROWING_PER_CLASS });
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
