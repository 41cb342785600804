import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';

/**
 * The request object under the local host's `HttpRequest`, holding a body already read into memory.
 * `@azure/functions` wraps a fetch `Request` (its `nativeRequest`, which the Functions host's HTTP
 * streaming path also supplies); building a real one copies the body into a web stream and cost
 * more than half of a webhook delivery in the ingest benchmark. This serves the same reads directly.
 */
export class BufferedRequest {
  #bodyUsed = false;

  constructor(
    readonly url: string,
    readonly method: string,
    readonly headers: Headers,
    private readonly bytes: Buffer | undefined,
  ) {}

  get bodyUsed(): boolean {
    return this.#bodyUsed;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (!this.bytes) return null;
    return Readable.toWeb(Readable.from([this.consume()])) as ReadableStream<Uint8Array>;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = this.consume();
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  async text(): Promise<string> {
    return this.consume().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async blob(): Promise<Blob> {
    return new Blob([this.consume()]);
  }

  async formData(): Promise<FormData> {
    throw new TypeError('the local host does not parse form data; Vigil functions take JSON');
  }

  clone(): BufferedRequest {
    if (this.#bodyUsed) throw new TypeError('Body has already been used');
    return new BufferedRequest(this.url, this.method, new Headers(this.headers), this.bytes);
  }

  /** Like fetch's Request: a body can be read once. */
  private consume(): Buffer {
    if (this.#bodyUsed) throw new TypeError('Body is unusable: Body has already been read');
    this.#bodyUsed = true;
    return this.bytes ?? Buffer.alloc(0);
  }
}
