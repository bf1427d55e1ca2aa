/**
 * The output buffers of onnxruntime runs that nobody reads, handed back at once instead of left to
 * the garbage collector. onnxruntime-node returns every output of a run in a fresh ArrayBuffer,
 * even an output it has just written into a tensor it was given (406 KB a Fashion-MNIST training
 * step). V8 counts each as external memory until a collection finds it dead, and past ~64 MB of it
 * starts a full mark of the heap: every 50–70 ms of training, on helper threads that two training
 * workers then share. Detaching a buffer — transferring it into a message that is dropped unread —
 * frees its memory at once and takes it off V8's count (a loop allocating 400 KB buffers: 49
 * collections without, 3 with), and the allocator reuses it instead of fresh pages.
 */

import { MessageChannel, type MessagePort } from 'node:worker_threads';

/**
 * Buffers are released together once they hold this many bytes or number this many. Promptly: the
 * allocator then hands the freed memory to the next run's outputs of the same size. Released 32 at
 * a time whatever their size, an AT&T-faces MLP's 10.5 MB gradients (336 MB freed at once) went
 * back to the system and every step wrote its gradient into fresh pages: 400,000 page faults and
 * 3.4× the time over 180 steps.
 */
const GROUP_BYTES = 1 << 20;
const GROUP_COUNT = 32;

/**
 * This thread's port whose partner is closed. A message posted there is dropped when the event
 * loop next turns, and its transferred buffers with it: freed then, not at a collection (a loop of
 * 627-KB buffers reused the memory, 1.7 page faults an iteration against 58 left to the collector),
 * for ~1 µs a post — a new channel for each release, closed after it, cost 30–70 µs. (A loop that
 * never yields frees nothing until it does: strace shows the blocks unmapped only then. Every
 * native step here awaits its call. `structuredClone` with a transfer list detaches too, but its
 * copies live until a collection: 109 faults an iteration.)
 */
let dropPort: MessagePort | undefined;

function dropped(): MessagePort {
  if (!dropPort) {
    const { port1, port2 } = new MessageChannel();
    port2.close();
    dropPort = port1;
  }
  return dropPort;
}

/** Detaches (frees) `buffers`; false when one of them could not be transferred, and then none is. */
function detach(buffers: ArrayBuffer[]): boolean {
  try {
    dropped().postMessage(null, buffers);
    return true;
  } catch {
    return false;
  }
}

/**
 * The size of the block `raiseAllocatorThresholds` frees: under glibc's largest dynamic mmap
 * threshold (32 MB on 64-bit), so that freeing it raises the threshold to its size.
 */
const THRESHOLD_BLOCK_BYTES = 31 << 20;

let thresholdsRaised = false;

/** Outputs from this size on raise the allocator's thresholds when first released (`raiseAllocatorThresholds`). */
const LARGE_OUTPUT_BYTES = 2 << 20;

/**
 * Raises the C allocator's thresholds once for this process's threads: allocates a 31-MB block
 * (mapped, never touched) and releases it, freed when the event loop next turns. glibc serves a
 * block over its mmap threshold (128 KB at first) with a fresh mapping and returns it to the system
 * when freed, and it trims the heap's top once more than twice that threshold lies free there —
 * but freeing a mapped block raises the threshold to that block's size. Every output of an
 * onnxruntime run comes back in a fresh buffer (above); an autoencoder for the AT&T faces (10,304 →
 * 256 → 10,304) returns two 10.5-MB gradients a step, and whether their memory went back to the
 * system and came back as fresh pages (~10 µs each here) depended on where they lay: 8 epochs took
 * 5.7–6.3 s and 410,000 page faults in three processes of four, 1.9–2.0 s and 40,000 in the fourth;
 * after this call 2.1 s and 47,000 in every process (two 10.5-MB buffers written and freed
 * together each step, alone: 5,120 page faults a step, and after this call none). Blocks under
 * 31 MB then come from the heap and are reused, and up to 62 MB may stay free at its top.
 * Elsewhere (no glibc) the block is mapped and freed, nothing else. Called when a spent output of
 * 2 MB or more is first released (an autoencoder's or the AT&T faces MLP's gradients); a process
 * whose outputs stay under that (the MNIST networks', the attacks') keeps glibc's own thresholds.
 */
export function raiseAllocatorThresholds(): void {
  if (thresholdsRaised) return;
  thresholdsRaised = true;
  detach([new ArrayBuffer(THRESHOLD_BLOCK_BYTES)]);
}

/** Collects spent output buffers and releases them a group at a time. */
export class SpentBuffers {
  private pending: ArrayBuffer[] = [];
  private pendingBytes = 0;

  /**
   * @param keep buffers never to release (the caller's own fetch tensors' memory).
   * @param groupBytes release once this many bytes are gathered (0: every `add` releases at once).
   */
  constructor(
    private readonly keep: ReadonlySet<ArrayBufferLike> = new Set(),
    private readonly groupBytes = GROUP_BYTES,
  ) {}

  /** Adds the buffers of a run's outputs (`{ name: tensor }`) that are the run's own. */
  add(outputs: Record<string, { data: unknown }>): void {
    for (const output of Object.values(outputs)) {
      const data = output.data;
      if (!ArrayBuffer.isView(data)) continue;
      const buffer = data.buffer;
      // Only a buffer the output has to itself: a view of part of one (Node's pool of small Buffers) is someone else's too.
      if (!(buffer instanceof ArrayBuffer) || data.byteOffset !== 0 || data.byteLength !== buffer.byteLength) continue;
      if (this.keep.has(buffer) || buffer.byteLength === 0 || this.pending.includes(buffer)) continue;
      if (buffer.byteLength >= LARGE_OUTPUT_BYTES) raiseAllocatorThresholds();
      this.pending.push(buffer);
      this.pendingBytes += buffer.byteLength;
    }
    if (this.pendingBytes >= this.groupBytes || this.pending.length >= GROUP_COUNT) this.release();
  }

  /** Releases every buffer gathered so far (detached: their views read as empty afterwards). */
  release(): void {
    if (this.pending.length === 0) return;
    const buffers = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    // One that cannot be transferred (a WebAssembly memory's) fails the group: then one at a time,
    // and such a buffer is left to the collector, as before.
    if (!detach(buffers)) for (const buffer of buffers) detach([buffer]);
  }
}
