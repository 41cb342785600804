import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';

/**
 * The request object under the local host's `HttpRequest`, serving the body from a reader the
 * front door gives it. `@azure/functions` wraps a fetch `Request` (its `nativeRequest`, which the
 * Functions host's HTTP streaming path also supplies); building a real one copies the body into a
 * web stream and cost more than half of a webhook delivery in the ingest benchmark. This serves
 * the same reads directly. The body is read only when the function first asks for it, so a
 * function can refuse a request from its headers without the host holding what it sends.
 */
export class BufferedRequest {
  #bodyUsed = false;

  constructor(
    readonly url: string,
    readonly method: string,
    readonly headers: Headers,
    private readonly readBytes: (() => Promise<Buffer>) | undefined,
  ) {}

  get bodyUsed(): boolean {
    return this.#bodyUsed;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (!this.readBytes) return null;
    const bytes = this.consume();
    // Read by whoever pulls the stream; a stream nobody reads must not leave a rejection unhandled.
    bytes.catch(() => undefined);
    return Readable.toWeb(
      Readable.from(
        (async function* () {
          yield await bytes;
        })(),
      ),
    ) as ReadableStream<Uint8Array>;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return (await this.consume()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async blob(): Promise<Blob> {
    return new Blob([await this.consume()]);
  }

  async formData(): Promise<FormData> {
    throw new TypeError('the local host does not parse form data; Vigil functions take JSON');
  }

  clone(): BufferedRequest {
    if (this.#bodyUsed) throw new TypeError('Body has already been used');
    // The front door's reader reads the body once and hands every caller the same bytes.
    return new BufferedRequest(this.url, this.method, new Headers(this.headers), this.readBytes);
  }

  /** Like fetch's Request: a body can be read once. */
  private consume(): Promise<Buffer> {
    if (this.#bodyUsed) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    this.#bodyUsed = true;
    return this.readBytes ? this.readBytes() : Promise.resolve(Buffer.alloc(0));
  }
}
