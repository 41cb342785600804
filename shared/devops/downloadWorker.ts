import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { parentPort } from 'node:worker_threads';
import { BlockPool, joinIntoBlocks } from '../streaming';
import { blockBytes, blocksInFlight, type DownloadOrder, type FromDownloadThread, type ToDownloadThread } from './downloadThreadProtocol';
import { followRedirect } from './redirectPolicy';

/**
 * The thread behind `DownloadThread`: runs the HTTP requests it is given and sends each response's
 * body back in 1 MiB blocks that are transferred, not copied. Its socket buffers are allocated and
 * collected here, so the event loop that scans the content neither copies them nor pays for their
 * garbage collection (docs/performance.md).
 */
if (!parentPort) throw new Error('downloadWorker.ts runs as a worker thread: start it with DownloadThread');
const port = parentPort;
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 16 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 16 }),
};
const redirectStatuses = new Set([301, 302, 303, 307, 308]);
const downloads = new Map<number, Download>();
/** Blocks the event loop gave back, for the next ones to send: the same few carry every body. */
const blocks = new BlockPool(blockBytes, 2 * blocksInFlight);

function freshBlock(): Uint8Array {
  return new Uint8Array(blocks.take());
}

class Download {
  private credits = blocksInFlight;
  private creditArrived: (() => void) | undefined;
  private request: ClientRequest | undefined;
  private aborted = false;

  constructor(
    private readonly id: number,
    private readonly order: DownloadOrder,
  ) {}

  async run(): Promise<void> {
    try {
      const response = await this.follow();
      port.postMessage({
        id: this.id,
        response: { statusCode: response.statusCode ?? 0, headers: response.headers },
      } satisfies FromDownloadThread);
      for await (const block of joinIntoBlocks(response as AsyncIterable<Buffer>, blockBytes, freshBlock)) await this.send(block);
      if (!this.aborted) port.postMessage({ id: this.id, end: true } satisfies FromDownloadThread);
    } catch (error) {
      if (this.aborted) return;
      const failure = error as NodeJS.ErrnoException;
      port.postMessage({
        id: this.id,
        failed: { message: failure.message ?? String(error), ...(failure.code ? { code: failure.code } : {}) },
      } satisfies FromDownloadThread);
    } finally {
      downloads.delete(this.id);
    }
  }

  credit(): void {
    this.credits++;
    this.creditArrived?.();
  }

  abort(): void {
    this.aborted = true;
    this.request?.destroy();
    this.creditArrived?.();
  }

  /** Waits for credit (the socket is not read meanwhile, so TCP holds the sender back), then transfers. */
  private async send(block: Uint8Array): Promise<void> {
    while (this.credits === 0 && !this.aborted) await new Promise<void>((resolve) => (this.creditArrived = resolve));
    this.creditArrived = undefined;
    if (this.aborted) throw new Error('aborted');
    this.credits--;
    const buffer = block.buffer as ArrayBuffer;
    port.postMessage({ id: this.id, block: buffer, length: block.length } satisfies FromDownloadThread, [buffer]);
  }

  private async follow(): Promise<IncomingMessage> {
    let url = new URL(this.order.url);
    let headers = this.order.headers;
    for (let hop = 0; ; hop++) {
      const response = await this.get(url, headers);
      const location = response.headers.location;
      if (!redirectStatuses.has(response.statusCode ?? 0) || !location || hop >= this.order.maxRedirects) return response;
      response.resume();
      ({ url, headers } = followRedirect(url, location, headers));
    }
  }

  private get(url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
    const protocol = url.protocol === 'https:' ? 'https:' : 'http:';
    return new Promise((resolve, reject) => {
      const request = (protocol === 'https:' ? https : http).get(url, {
        agent: agents[protocol],
        headers,
        timeout: this.order.socketTimeoutMs,
      });
      this.request = request;
      request.on('timeout', () =>
        request.destroy(
          Object.assign(new Error(`no answer from ${url.origin} for ${this.order.socketTimeoutMs} ms (socket timed out)`), {
            code: 'ESOCKETTIMEDOUT',
          }),
        ),
      );
      request.on('response', resolve);
      request.on('error', reject);
    });
  }
}

port.on('message', (message: ToDownloadThread) => {
  if ('open' in message) {
    const download = new Download(message.open, message.order);
    downloads.set(message.open, download);
    void download.run();
  } else if ('credit' in message) {
    blocks.give(message.block);
    downloads.get(message.credit)?.credit();
  } else downloads.get(message.abort)?.abort();
});
