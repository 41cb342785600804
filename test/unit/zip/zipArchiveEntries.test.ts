import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ZipFile } from 'yazl';
import { pathScreenModule } from '../../../shared/repositories/contentScan/pathScreen';
import { type ArchiveEntry, readZipEntries } from '../../../shared/zip/zipArchiveEntries';
import { readZipEntriesOffThread, zipThreadCounts } from '../../../shared/zip/zipEntriesOffThread';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * The streaming zip reader behind full repository scans, on archives yazl builds the way Azure
 * DevOps does (data descriptors), and on the awkward cases: entries whose bytes hold the descriptor
 * signature, zip64 headers, an archive cut short, one chunk at a time.
 */
type Content = string | Buffer;

interface Entry {
  path: string;
  content: Content;
  /** How yazl adds it: streamed (sizes in a data descriptor after the data) or as a buffer (sizes up front). */
  as?: 'stream' | 'buffer';
  compress?: boolean;
}

async function built(entries: Entry[], options: { zip64?: boolean; folders?: string[] } = {}): Promise<Buffer> {
  const zip = new ZipFile();
  for (const folder of options.folders ?? []) zip.addEmptyDirectory(folder);
  for (const entry of entries) {
    const bytes = Buffer.isBuffer(entry.content) ? entry.content : Buffer.from(entry.content);
    const settings = { compress: entry.compress ?? true, forceZip64Format: options.zip64 ?? false };
    if (entry.as === 'buffer') zip.addBuffer(bytes, entry.path, settings);
    else zip.addReadStreamLazy(entry.path, settings, (callback) => callback(null, Readable.from([bytes])));
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The archive delivered in pieces of `size` bytes, as a socket would. */
function delivered(bytes: Buffer, size: number): Readable {
  const pieces: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) pieces.push(bytes.subarray(offset, offset + size));
  return Readable.from(pieces, { objectMode: false });
}

type ZipReader = (archive: Readable) => AsyncGenerator<ArchiveEntry, void, undefined>;

async function readAll(readEntries: ZipReader, source: Readable): Promise<Array<{ path: string; isDirectory: boolean; content: Buffer }>> {
  const read: Array<{ path: string; isDirectory: boolean; content: Buffer }> = [];
  for await (const entry of readEntries(source)) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry.content) chunks.push(Buffer.from(chunk)); // copied: chunks are lent
    read.push({ path: entry.path, isDirectory: entry.isDirectory, content: Buffer.concat(chunks) });
  }
  return read;
}

const f = new SecretFactory(17);
const text = (lines: number) => Array.from({ length: lines }, (_, i) => `line ${i}: ${f.alphanumeric(40)}`).join('\n');
const signature = Buffer.from([0x50, 0x4b, 0x07, 0x08]);

const readers: Array<[string, ZipReader]> = [
  ['on the event loop', readZipEntries],
  ['on a worker thread', readZipEntriesOffThread],
];

describe.each(readers)('reading a repository zip as it arrives, %s', (_where, readEntries) => {
  it('reads deflated and stored entries, with and without data descriptors, byte for byte, whatever the chunk size', async () => {
    const entries: Entry[] = [
      { path: 'src/app.ts', content: text(400) },
      { path: 'src/empty.ts', content: '' },
      { path: 'README.md', content: text(3), as: 'buffer' },
      { path: 'data/raw.txt', content: text(900), compress: false },
      { path: 'data/raw-sized.txt', content: text(50), compress: false, as: 'buffer' },
      { path: 'img/noise.bin', content: Buffer.from(f.bytes(70_000)) },
      // Larger than what is inflated at once: read through the streaming inflater, with and without sizes up front.
      { path: 'data/dump.sql', content: text(40_000) },
      { path: 'data/dump-sized.sql', content: text(30_000), as: 'buffer' },
      { path: 'img/large-noise.bin', content: Buffer.from(f.bytes(400_000)) },
    ];
    const bytes = await built(entries, { folders: ['src/', 'data/'] });
    for (const size of [7, 4096, 65_536, bytes.length]) {
      const read = await readAll(readEntries, delivered(bytes, size));
      expect(read.filter((e) => e.isDirectory).map((e) => e.path)).toEqual(['src/', 'data/']);
      const files = read.filter((e) => !e.isDirectory);
      expect(files.map((e) => e.path)).toEqual(entries.map((e) => e.path));
      for (const [i, entry] of entries.entries()) expect(files[i].content.equals(Buffer.from(entry.content))).toBe(true);
    }
  });

  it('tells the size of an entry it could inflate whole before its content is read, and only then', async () => {
    const entries: Entry[] = [
      { path: 'src/app.ts', content: text(400) },
      { path: 'data/dump.sql', content: text(40_000) },
    ];
    const sizes: Array<[string, number | undefined]> = [];
    for await (const entry of readEntries(delivered(await built(entries), 65_536))) {
      sizes.push([entry.path, entry.size]);
      let length = 0;
      for await (const chunk of entry.content) length += chunk.length;
      if (entry.size !== undefined) expect(length).toBe(entry.size);
    }
    expect(sizes).toEqual([
      ['src/app.ts', Buffer.byteLength(text(400))],
      ['data/dump.sql', undefined],
    ]);
  });

  it('does not end an entry at descriptor signatures inside it (a nested zip, or compressed bytes that hold one by chance)', async () => {
    const nested = await built([{ path: 'inner.txt', content: text(20) }]);
    const tricky = Buffer.concat([
      Buffer.from('before '),
      signature,
      Buffer.from([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]),
      Buffer.from(' after'),
      signature,
    ]);
    // Deflate keeps incompressible bytes verbatim (stored blocks), so the signature survives compression.
    const packed = Buffer.concat([
      Buffer.from(f.bytes(30_000)),
      signature,
      Buffer.from([9, 0, 0, 0, 9, 0, 0, 0]),
      Buffer.from(f.bytes(30_000)),
    ]);
    const entries: Entry[] = [
      { path: 'vendor/lib.jar', content: nested, compress: false },
      { path: 'notes.txt', content: tricky, compress: false },
      { path: 'img/packed.bin', content: packed },
      { path: 'last.txt', content: 'last', compress: false },
    ];
    const read = await readAll(readEntries, delivered(await built(entries), 5));
    expect(read.map((e) => e.path)).toEqual(['vendor/lib.jar', 'notes.txt', 'img/packed.bin', 'last.txt']);
    for (const [i, entry] of entries.entries()) expect(read[i].content.equals(Buffer.from(entry.content))).toBe(true);
  });

  it('reads zip64 headers and descriptors', async () => {
    const entries: Entry[] = [
      { path: 'a.txt', content: text(100) },
      { path: 'b.txt', content: text(100), compress: false },
      { path: 'c.txt', content: text(10), as: 'buffer' },
    ];
    const read = await readAll(readEntries, delivered(await built(entries, { zip64: true }), 1000));
    expect(read.map((e) => e.content.toString())).toEqual(entries.map((e) => e.content));
  });

  it('lets a consumer skip entries without reading them, and reads them away itself', async () => {
    const bytes = await built([
      { path: 'skip-me.bin', content: Buffer.from(f.bytes(100_000)) },
      { path: 'ignored.txt', content: text(100), compress: false },
      { path: 'read-me.txt', content: 'wanted' },
    ]);
    const seen: string[] = [];
    for await (const entry of readEntries(delivered(bytes, 999))) {
      if (entry.path === 'skip-me.bin') await entry.discard();
      if (entry.path !== 'read-me.txt') continue; // left alone: the reader reads it away
      const chunks: Buffer[] = [];
      for await (const chunk of entry.content) chunks.push(Buffer.from(chunk)); // copied: chunks are lent
      seen.push(Buffer.concat(chunks).toString());
    }
    expect(seen).toEqual(['wanted']);
  });

  it('fails with a retryable error naming the entry when the archive is cut short, instead of waiting forever', async () => {
    const bytes = await built([
      { path: 'one.txt', content: text(200) },
      { path: 'two.txt', content: Buffer.from(f.bytes(50_000)) },
    ]);
    for (const cut of [bytes.length - 200, Math.floor(bytes.length / 2), 40, 20]) {
      const failure = await readAll(readEntries, delivered(bytes.subarray(0, cut), 512)).catch(
        (error: unknown) => error as Error & { kind?: string },
      );
      expect(failure).toBeInstanceOf(Error);
      expect(failure).toMatchObject({ kind: 'transient', message: expect.stringMatching(/could not be read to its end/) });
    }
  });

  it('fails for good when an entry cannot be inflated', async () => {
    const bytes = await built([{ path: 'broken.txt', content: text(300), as: 'buffer' }]);
    const corrupt = Buffer.from(bytes);
    for (let i = 60; i < 90; i++) corrupt[i] ^= 0xff; // inside the deflated data
    const failure = await readAll(readEntries, delivered(corrupt, 4096)).catch((error: unknown) => error as Error & { kind?: string });
    expect(failure).toMatchObject({
      kind: 'permanent',
      message: expect.stringMatching(/could not be decompressed at entry 'broken\.txt'/),
    });
  });

  it('rejects what is not a zip', async () => {
    const failure = await readAll(readEntries, delivered(Buffer.from('<!DOCTYPE html><html>Sign in</html>'), 64)).catch(
      (error: unknown) => error as Error & { kind?: string },
    );
    expect(failure).toMatchObject({ kind: 'permanent', message: expect.stringMatching(/not a zip/) });
  });
});

describe('reading a repository zip on a worker thread', () => {
  it('screens entries by path on the thread: excluded and binary files arrive marked and empty, key bundles are kept', async () => {
    const bytes = await built([
      { path: 'src/app.ts', content: text(50) },
      { path: 'node_modules/left-pad/index.js', content: text(50) },
      { path: 'img/logo.png', content: Buffer.from(f.bytes(5_000)) },
      { path: 'certs/signing.pfx', content: Buffer.from(f.bytes(2_000)) },
      { path: 'package-lock.json', content: text(20), as: 'buffer' },
    ]);
    const screen = {
      module: pathScreenModule,
      settings: { excludePatterns: ['node_modules/', 'package-lock.json'], findingPaths: [/\.(?:p12|pfx)$/i] },
    };
    const read: Array<{ path: string; screenedOut?: string; bytes: number }> = [];
    for await (const entry of readZipEntriesOffThread(delivered(bytes, 4096), { screen })) {
      let length = 0;
      for await (const chunk of entry.content) length += chunk.length;
      read.push({ path: entry.path, ...(entry.screenedOut ? { screenedOut: entry.screenedOut } : {}), bytes: length });
    }
    expect(read).toEqual([
      { path: 'src/app.ts', bytes: Buffer.byteLength(text(50)) },
      { path: 'node_modules/left-pad/index.js', screenedOut: 'excluded', bytes: 0 },
      { path: 'img/logo.png', screenedOut: 'binary', bytes: 0 },
      { path: 'certs/signing.pfx', bytes: 2_000 },
      { path: 'package-lock.json', screenedOut: 'excluded', bytes: 0 },
    ]);
  });

  it('stops reading the download when the consumer stops early', async () => {
    const bytes = await built(Array.from({ length: 40 }, (_, i) => ({ path: `f${i}.bin`, content: Buffer.from(f.bytes(50_000)) })));
    const source = delivered(bytes, 16_384);
    for await (const entry of readZipEntriesOffThread(source)) {
      expect(entry.path).toBe('f0.bin');
      break;
    }
    expect(source.destroyed).toBe(true);
  });
});

describe('zip threads, reused from archive to archive', () => {
  const archive = (name: string) =>
    built([
      { path: `${name}/a.ts`, content: text(80) },
      { path: `${name}/b.bin`, content: Buffer.from(f.bytes(70_000)) },
      { path: `${name}/c.txt`, content: text(5), as: 'buffer' },
    ]);
  const expected = async (name: string) =>
    (await readAll(readZipEntries, delivered(await archive(name), 4096))).map((e) => [e.path, e.content.length]);
  const readOffThread = async (name: string) =>
    (await readAll(readZipEntriesOffThread, delivered(await archive(name), 4096))).map((e) => [e.path, e.content.length]);

  it('reads archive after archive on one thread, each whole, without starting another', async () => {
    await readOffThread('warm');
    const before = zipThreadCounts();
    for (const name of ['one', 'two', 'three']) expect(await readOffThread(name)).toEqual(await expected(name));
    expect(zipThreadCounts().started).toBe(before.started);
    expect(zipThreadCounts().idle).toBeGreaterThanOrEqual(1);
  });

  it('reads archives at the same time on threads of their own', async () => {
    const names = ['left', 'middle', 'right'];
    const read = await Promise.all(names.map(readOffThread));
    for (const [i, name] of names.entries()) expect(read[i]).toEqual(await expected(name));
    expect(zipThreadCounts().idle).toBeLessThanOrEqual(2);
  });

  it('ends the thread of an archive not read to its end, and the next archive reads whole all the same', async () => {
    await readOffThread('warm');
    const idle = zipThreadCounts().idle;
    for await (const entry of readZipEntriesOffThread(delivered(await archive('stopped'), 4096))) {
      expect(entry.path).toBe('stopped/a.ts');
      break;
    }
    expect(zipThreadCounts().idle).toBe(idle - 1);
    expect(await readOffThread('after')).toEqual(await expected('after'));
  });

  it('ends the thread of an archive that could not be read, and the next archive reads whole all the same', async () => {
    await readOffThread('warm');
    const idle = zipThreadCounts().idle;
    const failure = await readAll(readZipEntriesOffThread, delivered(Buffer.from('<html>Sign in</html>'), 64)).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ kind: 'permanent' });
    expect(zipThreadCounts().idle).toBe(idle - 1);
    expect(await readOffThread('after')).toEqual(await expected('after'));
  });
});
