import type { Readable } from 'node:stream';
import type { Worker } from 'node:worker_threads';
import { PermanentError, TransientError } from '../errors';
import { startWorkerThread, WorkerThreadPool } from '../threads';
import type { ArchiveEntry } from './zipArchiveEntries';
import {
  type FromZipThread,
  inputWindowBytes,
  relayPieceBytes,
  type ToZipThread,
  type ZipThreadEvent,
  type ZipThreadSettings,
} from './zipEntriesThreadProtocol';

/**
 * `readZipEntries`, with the parsing and inflating on a worker thread: the same entries, the same
 * content, the same errors, while the event loop only relays compressed bytes and scans. Inflating
 * on the event loop took a third of a full scan's time (bench:repos); on its own thread it runs
 * while the engine scans the entries before it.
 *
 * Memory stays bounded like the in-thread reader's: at most `inputWindowBytes` of compressed bytes
 * wait for the thread, and at most a few 256 KiB batches of content wait to be consumed.
 */
export async function* readZipEntriesOffThread(
  archive: Readable,
  settings: ZipThreadSettings = {},
): AsyncGenerator<ArchiveEntry, void, undefined> {
  const thread = new ZipEntriesThread(archive, settings);
  try {
    for (let event = await thread.next(); event.t !== 'done'; event = await thread.next()) {
      if (event.t !== 'entry') throw new Error(`zip thread sent '${event.t}' where an entry was due`);
      const content = new EntryContent(thread);
      const { path, isDirectory, unreadable, screenedOut, size } = event;
      yield {
        path,
        isDirectory,
        unreadable,
        ...(screenedOut ? { screenedOut } : {}),
        ...(size === undefined ? {} : { size }),
        content: content.chunks(),
        discard: () => content.drain(),
      };
      await content.drain();
    }
  } finally {
    await thread.close();
  }
}

/** One entry's content events, read once, either by the consumer or drained after it. */
class EntryContent {
  private ended = false;

  constructor(private readonly thread: ZipEntriesThread) {}

  async *chunks(): AsyncGenerator<Buffer> {
    for (let chunk = await this.nextChunk(); chunk; chunk = await this.nextChunk()) yield chunk;
  }

  async drain(): Promise<void> {
    while (await this.nextChunk());
  }

  private async nextChunk(): Promise<Buffer | undefined> {
    if (this.ended) return undefined;
    const event = await this.thread.next();
    if (event.t === 'end') {
      this.ended = true;
      return undefined;
    }
    if (event.t !== 'data') throw new Error(`zip thread sent '${event.t}' inside an entry`);
    // Lent, not copied: the batch goes back to the thread once the reader asks for content past it.
    // Copying 200 MB out of the batches kept the collector running full mark-compacts (docs/performance.md).
    return Buffer.from(this.thread.currentBatch, event.start, event.end - event.start);
  }
}

/**
 * The zip threads of the process. One reads one archive at a time; one that read its archive to the
 * end waits for the next, since a thread start costs as much as scanning a small repository. At most
 * two wait (the queue handlers scan a few repositories at once), for a minute at most.
 */
const zipThreads = new WorkerThreadPool(() => startWorkerThread(__filename, 'zipEntriesWorker'), { maxIdle: 2, idleMs: 60_000 });

/** How many zip threads were started, and how many wait for an archive now. */
export function zipThreadCounts(): { started: number; idle: number } {
  return zipThreads.counts;
}

/** The worker, the relay of compressed bytes into it and the queue of batches out of it. */
class ZipEntriesThread {
  private readonly worker: Worker;
  private readonly batches: Array<{ batch: ArrayBuffer; events: ZipThreadEvent[] }> = [];
  private events: ZipThreadEvent[] = [];
  private eventIndex = 0;
  currentBatch: ArrayBuffer = new ArrayBuffer(0);
  private inFlight = 0;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private closed = false;
  /** The thread sent `done`: it read the whole archive and waits for the next. */
  private finished = false;
  private stopped: Error | undefined;
  private wake: (() => void) | undefined;
  private roomForInput: (() => void) | undefined;

  constructor(
    private readonly archive: Readable,
    settings: ZipThreadSettings,
  ) {
    this.worker = zipThreads.take();
    this.worker.on('message', this.onMessage);
    this.worker.on('error', this.onError);
    this.worker.on('exit', this.onExit);
    this.send({ start: settings });
    void this.relay();
  }

  private readonly onMessage = (message: FromZipThread) => {
    if ('consumed' in message) {
      this.inFlight -= message.consumed;
      if (this.inFlight === 0) this.sendPending();
      this.roomForInput?.();
    } else {
      this.batches.push(message);
      this.wake?.();
    }
  };

  private readonly onError = (error: Error) =>
    this.stop(new TransientError(`the repository archive reader stopped (${error.message}); the scan will be retried`, { cause: error }));

  private readonly onExit = (code: number) =>
    this.stop(new TransientError(`the repository archive reader exited early (code ${code}); the scan will be retried`));

  /** The next event, in the order the thread sent them. */
  async next(): Promise<ZipThreadEvent> {
    while (this.eventIndex >= this.events.length) {
      if (this.events.length > 0) {
        this.events = [];
        const consumed = this.currentBatch;
        this.currentBatch = new ArrayBuffer(0);
        this.send({ ack: consumed }, [consumed]);
      }
      const batch = this.batches.shift();
      if (batch) {
        this.events = batch.events;
        this.eventIndex = 0;
        this.currentBatch = batch.batch;
        continue;
      }
      if (this.stopped) throw this.stopped;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    const event = this.events[this.eventIndex++];
    if (event.t === 'done') this.finished = true;
    if (event.t === 'failed') throw event.kind === 'permanent' ? new PermanentError(event.message) : new TransientError(event.message);
    return event;
  }

  /** Gives the thread back for the next archive if it read this one to the end; ends it otherwise. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.roomForInput?.();
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
    if (this.finished && !this.stopped) {
      // `done` comes after the thread took the input's end: nothing of this archive is still on its way.
      zipThreads.give(this.worker);
      return;
    }
    this.archive.destroy();
    await zipThreads.discard(this.worker);
  }

  /**
   * Compressed bytes go to the thread in pieces of `relayPieceBytes`, or sooner when the thread has
   * taken everything it was sent; at most `inputWindowBytes` wait on its side.
   */
  private async relay(): Promise<void> {
    try {
      for await (const chunk of this.archive as AsyncIterable<Buffer | string>) {
        if (this.closed) return;
        this.pending.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
        this.pendingBytes += chunk.length;
        while (this.inFlight >= inputWindowBytes && !this.closed) await new Promise<void>((resolve) => (this.roomForInput = resolve));
        this.roomForInput = undefined;
        if (this.pendingBytes >= relayPieceBytes || this.inFlight === 0) this.sendPending();
      }
      this.sendPending();
      this.send({ inputEnd: true });
    } catch (error) {
      if (this.closed) return;
      this.sendPending();
      const failure = error as NodeJS.ErrnoException;
      this.send({ inputFailed: { message: failure.message ?? String(error), ...(failure.code ? { code: failure.code } : {}) } });
    }
  }

  /** One copy the thread can own (a socket chunk may share its memory with others), transferred. */
  private sendPending(): void {
    if (this.pendingBytes === 0) return;
    const piece = new Uint8Array(this.pendingBytes);
    let offset = 0;
    for (const chunk of this.pending) {
      piece.set(chunk, offset);
      offset += chunk.length;
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight += piece.length;
    this.send({ input: piece }, [piece.buffer]);
  }

  private send(message: ToZipThread, transfer: ArrayBuffer[] = []): void {
    if (!this.closed && !this.stopped) this.worker.postMessage(message, transfer);
  }

  private stop(error: Error): void {
    if (this.closed) return;
    this.stopped ??= error;
    this.roomForInput?.();
    this.wake?.();
  }
}
