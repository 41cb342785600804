import type { Readable } from 'node:stream';
import { createInflateRaw, type InflateRaw } from 'node:zlib';
import { PermanentError, TransientError, VigilError } from '../errors';
import { WholeEntryInflater, type WholeInflation } from './wholeEntryInflater';

/**
 * The entries of a zip, read front to back as the archive arrives, one at a time: the next entry's
 * header is not read before the current entry's bytes are consumed, so backpressure reaches the
 * socket and memory stays bounded whatever the archive's size (a 256 KiB window of received bytes,
 * plus a small file inflated whole — at most 1 MiB — or one 64 KiB chunk of a large one).
 *
 * Azure DevOps builds repository zips on the fly, so entries carry data descriptors: their sizes
 * come after the data. For a deflated entry the inflater itself says where the data ends (and
 * `bytesWritten` how many compressed bytes it took); for a stored one the descriptor is found by
 * its signature and accepted only when the sizes it states match the bytes before it.
 *
 * unzipper's `Parse` was the first choice. It finds the end of every descriptor entry by scanning
 * for the signature, so a deflated entry whose compressed bytes hold `PK\x07\x08` (incompressible
 * data keeps it verbatim; random bytes hold it about once in 4 GiB) fails the whole archive; it can
 * report an abort after a normal end; and its per-entry stream plumbing took twice as long as this
 * reader (2.5 s against 1.2 s for a 100 MB archive). See docs/repository-scanning.md.
 */
export interface ArchiveEntry {
  /** Relative, `/`-separated: `src/app.ts`. */
  path: string;
  isDirectory: boolean;
  /** Encrypted, or compressed with a method other than stored and deflate: its bytes cannot be read (content is empty). */
  unreadable: boolean;
  /** Left out by a path screen before it was read (`readZipEntriesOffThread` with `screen`): content is empty. */
  screenedOut?: string;
  /** The content's length, when it is known before the content is read (a small entry inflated whole). */
  size?: number;
  /**
   * The uncompressed bytes, chunk by chunk. Read it to the end, or call `discard()`; an entry left
   * alone is discarded. A chunk may be lent (a small entry inflated whole is a view of the reader's
   * one output buffer; the off-thread reader's chunks are views of a batch that goes back to its
   * thread): it is valid until the next chunk or entry is asked for, so copy what you keep.
   */
  content: AsyncIterable<Buffer>;
  discard(): Promise<void>;
}

const localHeader = 0x04034b50;
const centralHeader = 0x02014b50;
const endOfCentralDirectory = 0x06054b50;
const zip64EndOfCentralDirectory = 0x06064b50;
const descriptorSignature = 0x08074b50;
const maxChunk = 64 * 1024;
const flagEncrypted = 0x0001;
const flagDescriptor = 0x0008;

export async function* readZipEntries(archive: Readable): AsyncGenerator<ArchiveEntry, void, undefined> {
  const source = new ByteSource(archive);
  const inflater = new WholeEntryInflater(maxAtOnceOutput);
  let finished = false;
  try {
    for (let prepared = await prepareEntry(source, inflater); prepared; prepared = await prepareEntry(source, inflater)) {
      const { header } = prepared;
      const path = entryPath(header.name);
      const isDirectory = header.name.endsWith('/');
      if (prepared.whole) {
        yield {
          path,
          isDirectory,
          unreadable: false,
          size: prepared.whole.length,
          content: inSlices(prepared.whole),
          discard: async () => undefined,
        };
        continue;
      }
      const content = entryContent(source, header);
      yield { path, isDirectory, unreadable: header.unreadable, content: content.chunks, discard: () => content.drain() };
      await content.drain();
    }
    // The central directory repeats what the entries said: read through it so the connection ends cleanly.
    await source.drain();
    finished = true;
  } catch (error) {
    throw unreadable(error, undefined);
  } finally {
    if (!finished) archive.destroy();
  }
}

interface PreparedEntry {
  header: LocalHeader;
  /** The whole content, when it was small and already received: the source is past the entry. Lent: the next entry overwrites it. */
  whole?: Buffer;
}

/** The next entry's header, and its content too when it can be had in one go; undefined at the central directory. */
async function prepareEntry(source: ByteSource, inflater: WholeEntryInflater): Promise<PreparedEntry | undefined> {
  let header: LocalHeader | undefined;
  try {
    const signature = await source.peekUInt32();
    if (signature === undefined) throw new TruncatedArchive('the archive ended before its central directory');
    if (signature === centralHeader || signature === endOfCentralDirectory || signature === zip64EndOfCentralDirectory) return undefined;
    if (signature !== localHeader)
      throw new PermanentError(`the repository archive is not a zip Vigil can read (unexpected signature 0x${signature.toString(16)})`);
    header = await readLocalHeader(source);
    if (header.method !== 8 || header.unreadable) return { header };
    const whole = await inflatedAtOnce(source, header.compressedSize, inflater);
    if (!whole) return { header };
    await source.skip(whole.consumed);
    if (header.flags & flagDescriptor)
      await skipDescriptor(source, { compressed: whole.consumed, uncompressed: whole.output.length }, header.zip64);
    return { header, whole: whole.output };
  } catch (error) {
    throw unreadable(error, header?.name);
  }
}

async function* inSlices(whole: Buffer): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < whole.length; offset += maxChunk) yield whole.subarray(offset, offset + maxChunk);
}

interface LocalHeader {
  name: string;
  flags: number;
  method: number;
  /** Known up front (no data descriptor, or a writer that filled them in anyway). */
  compressedSize?: number;
  zip64: boolean;
  unreadable: boolean;
}

async function readLocalHeader(source: ByteSource): Promise<LocalHeader> {
  const fixed = await source.exactly(30);
  const flags = fixed.readUInt16LE(6);
  const method = fixed.readUInt16LE(8);
  let compressedSize: number | undefined = fixed.readUInt32LE(18);
  const uncompressedInZip64 = fixed.readUInt32LE(22) === 0xffffffff;
  const nameLength = fixed.readUInt16LE(26);
  const extraLength = fixed.readUInt16LE(28);
  const nameBytes = await source.exactly(nameLength);
  const extra = await source.exactly(extraLength);
  const zip64Sizes = zip64Extra(extra, uncompressedInZip64);
  if (compressedSize === 0xffffffff) compressedSize = zip64Sizes?.compressed;
  // With a data descriptor the header's sizes are zero; some writers fill them in anyway.
  if (flags & flagDescriptor && compressedSize === 0) compressedSize = undefined;
  return {
    // Bit 11 says UTF-8; Azure DevOps sets it, and other writers use UTF-8 in practice too.
    name: nameBytes.toString('utf8'),
    flags,
    method,
    ...(compressedSize === undefined ? {} : { compressedSize }),
    zip64: zip64Sizes !== undefined,
    unreadable: (flags & flagEncrypted) !== 0 || (method !== 0 && method !== 8),
  };
}

/**
 * The zip64 extended information field (0x0001): 8-byte sizes for those the header marks 0xFFFFFFFF,
 * uncompressed first, then compressed.
 */
function zip64Extra(extra: Buffer, uncompressedInZip64: boolean): { compressed?: number } | undefined {
  for (let offset = 0; offset + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(offset);
    const size = extra.readUInt16LE(offset + 2);
    if (id === 0x0001) {
      const at = uncompressedInZip64 ? 8 : 0;
      return size >= at + 8 ? { compressed: Number(extra.readBigUInt64LE(offset + 4 + at)) } : {};
    }
    offset += 4 + size;
  }
  return undefined;
}

/** One entry's bytes as an iterable that is read at most once, and a way to read the rest away. */
function entryContent(source: ByteSource, header: LocalHeader): { chunks: AsyncIterable<Buffer>; drain(): Promise<void> } {
  let completed = false;
  const run = async function* (): AsyncGenerator<Buffer> {
    try {
      yield* entryBytes(source, header);
    } catch (error) {
      throw unreadable(error, header.name);
    }
    completed = true;
  };
  const generator = run();
  return {
    chunks: { [Symbol.asyncIterator]: () => generator },
    async drain() {
      if (completed) return;
      // Not read, or partly read by a consumer that stopped: read the rest through the same generator.
      for (let next = await generator.next(); !next.done; next = await generator.next()) void next;
    },
  };
}

/** How many bytes an entry took in the archive and gave out, to recognise its data descriptor. */
interface EntrySizes {
  compressed: number;
  uncompressed: number;
}

async function* entryBytes(source: ByteSource, header: LocalHeader): AsyncGenerator<Buffer> {
  const sizes: EntrySizes = { compressed: 0, uncompressed: 0 };
  if (header.unreadable) {
    if (header.compressedSize === undefined) {
      throw new PermanentError(
        `entry '${header.name}' is encrypted or compressed with method ${header.method} and gives no size: the archive cannot be read past it`,
      );
    }
    await source.skip(header.compressedSize);
  } else if (header.method === 8) yield* inflated(source, header.compressedSize, sizes);
  else if (header.compressedSize !== undefined) {
    for await (const chunk of source.copy(header.compressedSize)) {
      sizes.compressed = sizes.uncompressed += chunk.length;
      yield chunk;
    }
  } else yield* storedUntilDescriptor(source, sizes);
  if (header.flags & flagDescriptor) await skipDescriptor(source, sizes, header.zip64);
}

/** Entries that inflate to at most this much, from at most `atOnceWindow` compressed bytes, are inflated in one call. */
const maxAtOnceOutput = 1024 * 1024;
const atOnceWindow = 256 * 1024;

/**
 * Most files of a repository are small: their whole compressed data is usually in the socket
 * chunk already read. Inflating them in one synchronous call saves a round trip to the zlib thread
 * per file, which left the scan idle once per file (and a second core is not always free to hide
 * it). Undefined when the entry may go on past what has arrived, or is too large to inflate at
 * once: the streaming path then takes over from the entry's start (nothing has been consumed yet).
 */
async function inflatedAtOnce(
  source: ByteSource,
  compressedSize: number | undefined,
  inflater: WholeEntryInflater,
): Promise<WholeInflation | undefined> {
  const available = await source.buffered(Math.min(compressedSize ?? atOnceWindow, atOnceWindow));
  if (compressedSize === undefined) return inflater.inflate(available, false);
  return compressedSize <= available.length ? inflater.inflate(available.subarray(0, compressedSize), true) : undefined;
}

/**
 * Inflate one deflated entry as it arrives. The inflater stops at the end of the deflate stream;
 * the bytes it did not take belong to what follows (the data descriptor, the next header) and go
 * back to the source.
 */
async function* inflated(source: ByteSource, compressedSize: number | undefined, sizes: EntrySizes): AsyncGenerator<Buffer> {
  const inflater = createInflateRaw();
  const output = new InflaterOutput(inflater);
  let remaining = compressedSize;
  const feeding = (async () => {
    try {
      while (remaining !== 0) {
        const chunk = await source.upTo(remaining === undefined ? maxChunk : Math.min(maxChunk, remaining));
        if (!chunk) throw new TruncatedArchive('the archive ended inside a compressed entry');
        const before = inflater.bytesWritten;
        await new Promise<void>((resolve, reject) => inflater.write(chunk, (error) => (error ? reject(error) : resolve())));
        const taken = inflater.bytesWritten - before;
        sizes.compressed += taken;
        if (remaining !== undefined) remaining -= taken;
        if (taken < chunk.length) {
          // The deflate stream ended inside this chunk (the inflater has ended its output by itself).
          source.pushBack(chunk.subarray(taken));
          return;
        }
      }
      inflater.end();
    } catch (error) {
      inflater.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  })();
  let completed = false;
  try {
    for await (const chunk of output.chunks()) {
      sizes.uncompressed += chunk.length;
      yield chunk;
    }
    completed = true;
  } finally {
    // After a normal end the feeder has finished its last write; after a failure it may wait on
    // a write that will never complete, so it is not waited for.
    if (completed) await feeding;
    inflater.destroy();
  }
}

/** Reads an inflater's output without stream async iterators (which cost an AbortError per entry when the writable side is left open). */
class InflaterOutput {
  ended = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly inflater: InflateRaw) {
    inflater.on('readable', () => this.notify());
    inflater.on('end', () => {
      this.ended = true;
      this.notify();
    });
    inflater.on('error', (error: Error) => {
      this.failure ??= error;
      this.notify();
    });
  }

  async *chunks(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.failure) throw this.failure;
      const chunk = this.inflater.read() as Buffer | null;
      if (chunk !== null) {
        yield chunk;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * A stored entry whose size comes after it: its end is a descriptor signature followed by sizes
 * (4 or 8 bytes each) equal to the bytes read so far. Holds back the last bytes of each chunk that
 * could start one.
 */
async function* storedUntilDescriptor(source: ByteSource, sizes: EntrySizes): AsyncGenerator<Buffer> {
  let carry = Buffer.alloc(0);
  for (;;) {
    const chunk = await source.upTo(maxChunk);
    if (!chunk) throw new TruncatedArchive('the archive ended inside a stored entry');
    const buffer = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    let waitFrom = buffer.length;
    for (let at = buffer.indexOf(signatureBytes); at >= 0; at = buffer.indexOf(signatureBytes, at + 1)) {
      if (at + zip64DescriptorLength > buffer.length) {
        waitFrom = at; // a candidate whose sizes have not all arrived yet
        break;
      }
      const length = sizes.uncompressed + at;
      if (descriptorForm(buffer.subarray(at + 8), { compressed: length, uncompressed: length }, false) !== undefined) {
        if (at > 0) yield buffer.subarray(0, at);
        sizes.compressed = sizes.uncompressed = length;
        source.pushBack(buffer.subarray(at)); // skipDescriptor reads it
        return;
      }
    }
    const keep = Math.min(waitFrom, Math.max(0, buffer.length - 3)); // a signature may be cut at the chunk's end
    if (keep > 0) {
      sizes.compressed = sizes.uncompressed += keep;
      yield buffer.subarray(0, keep);
    }
    carry = Buffer.from(buffer.subarray(keep));
  }
}

const signatureBytes = Buffer.from([0x50, 0x4b, 0x07, 0x08]);
const zip64DescriptorLength = 24;
const knownSignatures = new Set([localHeader, centralHeader, endOfCentralDirectory, zip64EndOfCentralDirectory]);

/**
 * Which sizes a descriptor uses, read from the bytes after its crc: 4-byte sizes, or 8-byte ones
 * (zip64; some writers use them without saying so in the local header). The form whose sizes match
 * what the entry took and gave wins; when both do (an empty entry), the one followed by a record.
 */
function descriptorForm(sizesAndNext: Buffer, expected: EntrySizes, zip64Header: boolean): 8 | 16 | undefined {
  const fits32 =
    sizesAndNext.length >= 8 &&
    sizesAndNext.readUInt32LE(0) === expected.compressed % 2 ** 32 &&
    sizesAndNext.readUInt32LE(4) === expected.uncompressed % 2 ** 32;
  const fits64 =
    sizesAndNext.length >= 16 &&
    Number(sizesAndNext.readBigUInt64LE(0)) === expected.compressed &&
    Number(sizesAndNext.readBigUInt64LE(8)) === expected.uncompressed;
  const followedByRecord = (length: number) => sizesAndNext.length >= length + 4 && knownSignatures.has(sizesAndNext.readUInt32LE(length));
  if (fits64 && (zip64Header || !fits32 || followedByRecord(16))) return 16;
  if (fits32) return 8;
  return undefined;
}

async function skipDescriptor(source: ByteSource, sizes: EntrySizes, zip64Header: boolean): Promise<void> {
  const bytes = await source.peek(4 + 4 + 16 + 4);
  // The signature is optional in the format; Azure DevOps and every common writer put it there.
  const start = bytes.length >= 4 && bytes.readUInt32LE(0) === descriptorSignature ? 4 : 0;
  const form = descriptorForm(bytes.subarray(start + 4), sizes, zip64Header) ?? (zip64Header ? 16 : 8);
  await source.skip(start + 4 + form);
}

/** The archive's bytes with exact reads, bounded reads and push-back, over the stream's own backpressure. */
class ByteSource {
  private readonly chunks: AsyncIterator<Buffer | string>;
  private current: Buffer = Buffer.alloc(0);
  private offset = 0;
  private readonly pending: Buffer[] = [];
  private exhausted = false;

  constructor(stream: Readable) {
    this.chunks = stream[Symbol.asyncIterator]();
  }

  /**
   * At least `min` bytes not yet read (fewer only at the end of the archive), contiguous, without
   * consuming them: small socket chunks are joined, so most entries lie whole in one buffer.
   */
  async buffered(min: number): Promise<Buffer> {
    if (!(await this.fill())) return Buffer.alloc(0);
    let have = this.current.length - this.offset;
    if (have >= min) return this.current.subarray(this.offset);
    const parts = [this.current.subarray(this.offset)];
    while (have < min) {
      const next = await this.nextChunk();
      if (!next) break;
      parts.push(next);
      have += next.length;
    }
    this.current = Buffer.concat(parts, have);
    this.offset = 0;
    return this.current;
  }

  /** Up to `length` bytes without consuming them (fewer at the end of the archive). */
  async peek(length: number): Promise<Buffer> {
    const bytes = await this.exactlyOrShort(length);
    this.pushBack(bytes);
    return bytes;
  }

  async peekUInt32(): Promise<number | undefined> {
    const bytes = await this.upTo(4);
    if (!bytes) return undefined;
    const whole = bytes.length === 4 ? bytes : Buffer.concat([bytes, await this.exactlyOrShort(4 - bytes.length)]);
    this.pushBack(whole);
    return whole.length === 4 ? whole.readUInt32LE(0) : undefined;
  }

  /** Exactly `length` bytes (a copy when they span chunks); the archive ending first is an error. */
  async exactly(length: number): Promise<Buffer> {
    const bytes = await this.exactlyOrShort(length);
    if (bytes.length < length) throw new TruncatedArchive('the archive ended inside an entry header');
    return bytes;
  }

  /** Between 1 and `max` bytes, or undefined at the end of the archive. */
  async upTo(max: number): Promise<Buffer | undefined> {
    if (!(await this.fill())) return undefined;
    const end = Math.min(this.current.length, this.offset + max);
    const bytes = this.current.subarray(this.offset, end);
    this.offset = end;
    return bytes;
  }

  async *copy(length: number): AsyncGenerator<Buffer> {
    for (let left = length; left > 0; ) {
      const bytes = await this.upTo(Math.min(left, maxChunk));
      if (!bytes) throw new TruncatedArchive('the archive ended inside a stored entry');
      left -= bytes.length;
      yield bytes;
    }
  }

  async skip(length: number): Promise<void> {
    for await (const bytes of this.copy(length)) void bytes;
  }

  /** Give back bytes just read; the next read starts with them. */
  pushBack(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.offset < this.current.length) this.pending.push(this.current.subarray(this.offset));
    this.current = bytes;
    this.offset = 0;
  }

  async drain(): Promise<void> {
    while (await this.fill()) this.offset = this.current.length;
  }

  private async exactlyOrShort(length: number): Promise<Buffer> {
    if (length === 0) return Buffer.alloc(0);
    const first = await this.upTo(length);
    if (!first || first.length === length) return first ?? Buffer.alloc(0);
    const parts = [first];
    let have = first.length;
    while (have < length) {
      const more = await this.upTo(length - have);
      if (!more) break;
      parts.push(more);
      have += more.length;
    }
    return Buffer.concat(parts);
  }

  private async fill(): Promise<boolean> {
    while (this.offset >= this.current.length) {
      const next = await this.nextChunk();
      if (!next) return false;
      this.current = next;
      this.offset = 0;
    }
    return true;
  }

  /** Bytes given back come first, then the stream's next chunk. */
  private async nextChunk(): Promise<Buffer | undefined> {
    const pending = this.pending.pop();
    if (pending) return pending;
    if (this.exhausted) return undefined;
    const next = await this.chunks.next();
    if (next.done) {
      this.exhausted = true;
      return undefined;
    }
    return typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
  }
}

/** The archive stopped early: a cut connection, or a server that gave up mid-archive. */
class TruncatedArchive extends Error {}

function unreadable(error: unknown, name: string | undefined): Error {
  if (error instanceof VigilError) return error;
  const where = name === undefined ? '' : ` at entry '${entryPath(name)}'`;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code.startsWith('Z_')) {
    // The same bytes would fail the same way: retrying cannot help.
    return new PermanentError(
      `the repository archive could not be decompressed${where} (${message}); report this repository's archive as unreadable`,
      { cause: error },
    );
  }
  // A cut connection or a server that stopped mid-archive: worth another try.
  return new TransientError(`the repository archive could not be read to its end${where} (${message}); the scan will be retried`, {
    cause: error,
  });
}

/** An entry's name as a relative path with forward slashes (zips written on Windows use backslashes). */
export function entryPath(name: string): string {
  return name.replace(/\\/g, '/').replace(/^\/+/, '').replace(/^\.\//, '');
}
