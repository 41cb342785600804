import type { Worker } from 'node:worker_threads';
import { startWorkerThread } from '../threads';
import type { DownloadOrder, FromDownloadThread, ToDownloadThread } from './downloadThreadProtocol';
import type { HttpHeaders } from './retryPolicy';

/**
 * A response body read front to back, once. Each chunk is lent: it stays valid until the next one is
 * asked for, then goes back to the download thread to carry more content. Stopping early (`destroy`,
 * or leaving a `for await` loop) aborts the request.
 */
export interface LentBody extends AsyncIterable<Buffer> {
  readonly readableEnded: boolean;
  destroy(error?: Error): void;
}

export interface DownloadResponse {
  statusCode: number;
  headers: HttpHeaders;
  body: LentBody;
}

/**
 * Large downloads (build logs) on a thread of their own. Reading a socket allocates a buffer per read;
 * on the event loop, 200 MB of those kept the collector running full mark-compacts while the scan
 * waited (docs/performance.md). Here the thread reads and hands the body over in 1 MiB blocks,
 * transferred, not copied, at most `blocksInFlight` ahead of the reader; the reader gives each block
 * back when it asks for the next, so the same few blocks carry the whole body and the event loop
 * allocates nothing for it. One thread serves the process, and does not keep it alive when idle.
 */
export class DownloadThread {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, PendingDownload>();
  private nextId = 1;

  open(order: DownloadOrder): Promise<DownloadResponse> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, new PendingDownload(id, { resolve, reject }, this));
      this.post({ open: id, order });
    });
  }

  /** Stops the thread; downloads still running fail. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  /** @internal */ post(message: ToDownloadThread, transfer: ArrayBuffer[] = []): void {
    const worker = (this.worker ??= this.start());
    if (this.pending.size > 0) worker.ref();
    worker.postMessage(message, transfer);
  }

  /** @internal */ forget(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker?.unref();
  }

  private start(): Worker {
    const worker = startWorkerThread(__filename, 'downloadWorker');
    worker.unref();
    worker.on('message', (message: FromDownloadThread) => this.pending.get(message.id)?.receive(message));
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const download of [...this.pending.values()]) download.fail(error);
    };
    worker.on('error', (error) => fail(Object.assign(new Error(`the download thread failed (${error.message})`), { code: 'ECONNRESET' })));
    worker.on('exit', (code) => fail(Object.assign(new Error(`the download thread exited (code ${code})`), { code: 'ECONNRESET' })));
    return worker;
  }
}

class PendingDownload implements LentBody {
  private readonly blocks: Array<{ block: ArrayBuffer; length: number }> = [];
  private lent: ArrayBuffer | undefined;
  private ended = false;
  private failure: Error | undefined;
  private arrived: (() => void) | undefined;
  private responded = false;
  readableEnded = false;

  constructor(
    private readonly id: number,
    private readonly opened: { resolve: (response: DownloadResponse) => void; reject: (error: Error) => void },
    private readonly thread: DownloadThread,
  ) {}

  receive(message: FromDownloadThread): void {
    if ('response' in message) {
      this.responded = true;
      this.opened.resolve({ statusCode: message.response.statusCode, headers: message.response.headers as HttpHeaders, body: this });
      return;
    }
    if ('block' in message) this.blocks.push({ block: message.block, length: message.length });
    else if ('end' in message) {
      this.ended = true;
      this.thread.forget(this.id);
    } else {
      this.fail(Object.assign(new Error(message.failed.message), message.failed.code ? { code: message.failed.code } : {}));
    }
    this.arrived?.();
  }

  fail(error: Error): void {
    this.failure ??= error;
    this.thread.forget(this.id);
    if (!this.responded) this.opened.reject(error);
    this.arrived?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        this.giveBack();
        const next = this.blocks.shift();
        if (next) {
          this.lent = next.block;
          yield Buffer.from(next.block, 0, next.length);
          continue;
        }
        if (this.failure) throw this.failure;
        if (this.ended) {
          this.readableEnded = true;
          return;
        }
        await new Promise<void>((resolve) => (this.arrived = resolve));
        this.arrived = undefined;
      }
    } finally {
      this.giveBack();
      if (!this.readableEnded) this.destroy();
    }
  }

  destroy(error?: Error): void {
    if (this.readableEnded || this.failure) return;
    this.fail(error ?? Object.assign(new Error('the download was stopped'), { code: 'ABORT_ERR' }));
    this.thread.post({ abort: this.id });
  }

  /** The block lent last goes back with one more block's worth of credit. */
  private giveBack(): void {
    if (!this.lent) return;
    const block = this.lent;
    this.lent = undefined;
    this.thread.post({ credit: this.id, block }, [block]);
  }
}

let shared: DownloadThread | undefined;

/** The process's one download thread, started on first use. */
export function sharedDownloadThread(): DownloadThread {
  return (shared ??= new DownloadThread());
}
