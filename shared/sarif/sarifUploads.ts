import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gzip } from 'node:zlib';
import { PermanentError } from '../errors';
import type { Container } from '../store';
import { isNotFound, timeToLiveSeconds } from '../store';
import type { CiContext } from './ciContext';

/**
 * An uploaded SARIF log, kept until its handler has read it (the `sarifUploads` container, partition
 * `/organization`, docs/architecture.md "State"). A Cosmos item holds at most 2 MB, and a log may
 * hold 10, so the log is gzipped (SARIF is repetitive: 10 MB usually shrinks below one) and the
 * base64 of that is cut into chunks of `chunkCharacters`. Chunk 0 also carries the CI context and
 * the number of chunks. Every chunk has a time to live (`ttl`), so an upload whose event is never
 * handled does not stay; the handler deletes them once it has recorded the results.
 */
export interface SarifUploadChunk {
  /** `<uploadId>:<index>`. */
  id: string;
  organization: string;
  uploadId: string;
  index: number;
  chunks: number;
  data: string;
  /** Chunk 0 only. */
  context?: CiContext;
  /** Chunk 0 only: when the upload was received. */
  receivedAt?: string;
  /** Seconds the chunk lives after its last write (Cosmos per-item TTL; the container's default is the same). */
  ttl: number;
}

/** 1.5 million base64 characters: a chunk document stays well under Cosmos DB's 2 MB item limit. */
export const chunkCharacters = 1_500_000;
/** The `sarifUploads` container's TTL (seven days, shared/store/timeToLive.ts): longer than any queue keeps a message (with its retries and reschedules). */
export const uploadTtlSeconds = timeToLiveSeconds.sarifUploads;

const gzipped = promisify(gzip);
/** Base64 characters decoded at once when reading an upload back: a multiple of four. */
const decodedSlice = 64 * 1024;

/** The same log with the same context is the same upload: a CI step that retries after a lost answer makes no second one. */
export function uploadIdOf(context: CiContext, body: Buffer): string {
  const bodyDigest = createHash('sha256').update(body).digest('hex');
  const key = [
    context.organization,
    context.source,
    context.repository.toLowerCase(),
    context.commit,
    context.pullRequest ?? '',
    context.branch ?? '',
    context.tool ?? '',
    bodyDigest,
  ].join('\u0000');
  return `sarif-${createHash('sha256').update(key).digest('base64url').slice(0, 32)}`;
}

export class SarifUploadStore {
  constructor(
    private readonly chunks: Container<SarifUploadChunk>,
    /** Base64 characters per chunk (tests make it small, to cut a log at awkward places). */
    private readonly chunkSize = chunkCharacters,
  ) {}

  /** Stores the log's bytes; returns how many chunks it took. Writing the same upload again writes the same documents. */
  async put(uploadId: string, context: CiContext, body: Buffer, receivedAt: string): Promise<number> {
    // Level 1: a tenth of the default level's time for nearly the same size on SARIF; the intake answers within a second.
    const data = (await gzipped(body, { level: 1 })).toString('base64');
    const count = Math.max(1, Math.ceil(data.length / this.chunkSize));
    const documents: SarifUploadChunk[] = [];
    for (let index = 0; index < count; index++) {
      documents.push({
        id: `${uploadId}:${index}`,
        organization: context.organization,
        uploadId,
        index,
        chunks: count,
        data: data.slice(index * this.chunkSize, (index + 1) * this.chunkSize),
        ...(index === 0 ? { context, receivedAt } : {}),
        ttl: uploadTtlSeconds,
      });
    }
    // Chunk 0 last: a reader that finds it finds every other chunk too.
    await Promise.all(documents.slice(1).map((document) => this.chunks.upsert(document)));
    await this.chunks.upsert(documents[0]);
    return count;
  }

  /**
   * The upload's context, and its log's bytes as they are read and unzipped a chunk at a time (what the handler
   * uses: it never holds the whole log, docs/performance.md `bench:sarif`); undefined when the upload is gone.
   */
  async open(
    organization: string,
    uploadId: string,
  ): Promise<{ context: CiContext; receivedAt: string; chunks: number; bytes: () => AsyncIterable<Buffer> } | undefined> {
    const head = await this.chunks.read(`${uploadId}:0`, organization);
    if (!head?.context) return undefined;
    return { context: head.context, receivedAt: head.receivedAt ?? '', chunks: head.chunks, bytes: () => this.unzipped(head) };
  }

  private unzipped(head: SarifUploadChunk): AsyncIterable<Buffer> {
    // One chunk's bytes at a time into the gunzip (not object mode: the stream asks for the next chunk only once it has
    // passed this one on).
    return pipeline(Readable.from(this.zipped(head), { objectMode: false }), createGunzip(), () => {});
  }

  private async *zipped(head: SarifUploadChunk): AsyncGenerator<Buffer> {
    // Base64 decodes four characters at a time: a chunk's last few characters wait for the next chunk.
    let carried = '';
    for (let index = 0; index < head.chunks; index++) {
      const chunk = index === 0 ? head : await this.chunks.read(`${head.uploadId}:${index}`, head.organization);
      if (!chunk) {
        throw new PermanentError(
          `SARIF upload '${head.uploadId}' has lost chunk ${index} of ${head.chunks} (expired after ${uploadTtlSeconds / 86400} days?): post the log again`,
        );
      }
      const text = carried + chunk.data;
      const whole = text.length - (text.length % 4);
      carried = text.slice(whole);
      // Decoded 64 KiB of text at a time: small buffers come and go from the allocator's pools, where a 1 MB one each
      // chunk would be mapped and unmapped, and raise the size the allocator maps directly (bench:sarif).
      for (let at = 0; at < whole; at += decodedSlice) yield Buffer.from(text.slice(at, Math.min(whole, at + decodedSlice)), 'base64');
    }
    if (carried) yield Buffer.from(carried, 'base64');
  }

  /** Deletes the upload's chunks (chunk 0 first, so a half-deleted upload reads as gone). */
  async delete(organization: string, uploadId: string): Promise<void> {
    const head = await this.chunks.read(`${uploadId}:0`, organization);
    if (!head) return;
    for (let index = 0; index < head.chunks; index++) {
      await this.chunks.delete(`${uploadId}:${index}`, organization).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
  }
}
