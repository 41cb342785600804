import { Readable } from 'node:stream';
import { type MessagePort, parentPort } from 'node:worker_threads';
import { failureKindOf } from '../errors';
import { BlockPool } from '../streaming';
import { readZipEntries } from './zipArchiveEntries';
import {
  batchBytes,
  batchesInFlight,
  type CreateEntryScreen,
  type EntryScreenModule,
  eventsPerBatch,
  type FromZipThread,
  type ToZipThread,
  type ZipThreadEvent,
  type ZipThreadSettings,
} from './zipEntriesThreadProtocol';

/**
 * The thread behind `readZipEntriesOffThread`: runs the streaming zip reader over the compressed
 * bytes the event loop relays, and sends every entry back, content copied into batch buffers that
 * are transferred, not cloned. Inflating is most of a full scan's work that is not scanning; here it
 * overlaps with the engine instead of taking turns with it on one thread.
 */
const consumedReportBytes = 256 * 1024;

class CompressedInput {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failure: { message: string; code?: string } | undefined;
  private arrived: (() => void) | undefined;

  constructor(
    private readonly port: MessagePort,
    private readonly beforeWaiting: () => void,
  ) {}

  receive(message: ToZipThread): void {
    if ('input' in message) this.queue.push(message.input);
    else if ('inputEnd' in message) this.ended = true;
    else if ('inputFailed' in message) this.failure = message.inputFailed;
    else return;
    this.arrived?.();
  }

  async *chunks(): AsyncGenerator<Buffer> {
    let unreported = 0;
    for (;;) {
      const next = this.queue.shift();
      if (next) {
        unreported += next.length;
        // Reported when the queue runs dry (the relay then sends what it holds) or every so often.
        if (this.queue.length === 0 || unreported >= consumedReportBytes) {
          this.port.postMessage({ consumed: unreported } satisfies FromZipThread);
          unreported = 0;
        }
        yield Buffer.from(next.buffer, next.byteOffset, next.length);
        continue;
      }
      if (this.failure) throw Object.assign(new Error(this.failure.message), { code: this.failure.code });
      if (this.ended) return;
      // Nothing to read: what is ready goes out now rather than when the batch fills.
      this.beforeWaiting();
      if (this.queue.length === 0 && !this.ended && !this.failure) await new Promise<void>((resolve) => (this.arrived = resolve));
      this.arrived = undefined;
    }
  }
}

/**
 * Content copied into a batch buffer, sent when full (once fewer than `batchesInFlight` wait to be
 * consumed) or, when the reader would wait for input, at once if there is room. Sending is
 * synchronous, so the reader and its read-ahead of input never interleave inside one.
 */
class BatchWriter {
  private buffer = new Uint8Array(batchBytes);
  private used = 0;
  private events: ZipThreadEvent[] = [];
  private unacknowledged = 0;
  private waiting: Array<() => void> = [];
  /** Buffers the event loop has sent back: batches reuse them rather than allocate (and free on another thread). */
  private readonly spare = new BlockPool(batchBytes, batchesInFlight);

  constructor(private readonly port: MessagePort) {}

  acknowledge(returned: ArrayBuffer): void {
    this.spare.give(returned);
    this.unacknowledged--;
    const waiting = this.waiting;
    this.waiting = [];
    for (const wake of waiting) wake();
  }

  async event(event: ZipThreadEvent): Promise<void> {
    this.events.push(event);
    if (this.events.length >= eventsPerBatch) await this.flush();
  }

  async data(chunk: Uint8Array): Promise<void> {
    for (let offset = 0; offset < chunk.length; ) {
      while (this.used === this.buffer.length) await this.flush();
      const take = Math.min(chunk.length - offset, this.buffer.length - this.used);
      this.buffer.set(chunk.subarray(offset, offset + take), this.used);
      this.events.push({ t: 'data', start: this.used, end: this.used + take });
      this.used += take;
      offset += take;
      if (this.events.length >= eventsPerBatch) await this.flush();
    }
  }

  /** Send what is pending once there is room for another batch in flight. */
  async flush(): Promise<void> {
    while (this.unacknowledged >= batchesInFlight) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.send();
  }

  /** Send what is pending if there is room, without waiting. */
  sendIfRoom(): void {
    if (this.unacknowledged < batchesInFlight) this.send();
  }

  /** Send what is pending whatever is in flight: the last batch. */
  send(): void {
    if (this.events.length === 0) return;
    // A batch sent early (the reader waits for input) goes as a copy of what it holds; the buffer stays for the next one.
    const full = this.used >= batchBytes / 2;
    const batch = (full ? this.buffer.buffer : this.buffer.slice(0, this.used).buffer) as ArrayBuffer;
    this.port.postMessage({ batch, events: this.events } satisfies FromZipThread, [batch]);
    this.unacknowledged++;
    if (full) this.buffer = new Uint8Array(this.spare.take());
    this.used = 0;
    this.events = [];
  }
}

/**
 * Reads archive after archive: each begins with `start` and ends with `done` or `failed`. The event
 * loop sends the next `start` only after it received `done`, and ends the thread instead when an
 * archive was not read to its end, so one archive's messages never reach another's reading.
 */
function serveArchives(port: MessagePort): void {
  let receive: ((message: ToZipThread) => void) | undefined;
  port.on('message', (message: ToZipThread) => {
    if ('start' in message) receive = startReading(port, message.start);
    else receive?.(message);
  });
}

/** Starts reading one archive; returns where the event loop's messages about it go. */
function startReading(port: MessagePort, settings: ZipThreadSettings): (message: ToZipThread) => void {
  const output = new BatchWriter(port);
  const input = new CompressedInput(port, () => output.sendIfRoom());
  void readArchive(input, output, settings);
  return (message) => ('ack' in message ? output.acknowledge(message.ack) : input.receive(message));
}

async function readArchive(input: CompressedInput, output: BatchWriter, settings: ZipThreadSettings): Promise<void> {
  const screen = settings.screen ? loadEntryScreen(settings.screen) : undefined;
  try {
    // One chunk at a time: what the reader has taken is what it has consumed.
    const archive = Readable.from(input.chunks(), { objectMode: true, highWaterMark: 1 });
    for await (const entry of readZipEntries(archive)) {
      const screenedOut = entry.isDirectory || entry.unreadable ? undefined : screen?.(entry.path);
      const size = screenedOut || entry.size === undefined ? {} : { size: entry.size };
      await output.event({
        t: 'entry',
        path: entry.path,
        isDirectory: entry.isDirectory,
        unreadable: entry.unreadable,
        ...(screenedOut ? { screenedOut } : {}),
        ...size,
      });
      if (screenedOut) await entry.discard();
      else for await (const chunk of entry.content) await output.data(chunk);
      await output.event({ t: 'end' });
    }
    await output.event({ t: 'done' });
  } catch (error) {
    const kind = failureKindOf(error) === 'permanent' ? 'permanent' : 'transient';
    await output.event({ t: 'failed', kind, message: error instanceof Error ? error.message : String(error) });
  }
  output.send();
}

function loadEntryScreen(screen: EntryScreenModule): (path: string) => string | undefined {
  // The caller names its own module: the thread loads it as the caller would (compiled or through tsx).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createEntryScreen } = require(screen.module) as { createEntryScreen: CreateEntryScreen };
  return createEntryScreen(screen.settings as never);
}

if (parentPort) serveArchives(parentPort);
