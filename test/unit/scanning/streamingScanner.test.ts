import { Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createScanner, type Finding } from '../../../shared/scanning';
import { BlockPool } from '../../../shared/streaming/blockPool';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

const key = Buffer.from('streaming-test-fingerprint-key-0');

async function collect(iterable: AsyncIterable<Finding>): Promise<Finding[]> {
  const findings: Finding[] = [];
  for await (const finding of iterable) findings.push(finding);
  return findings;
}

/** Splits text into chunks of `size` bytes (cutting through lines and tokens on purpose). */
function chunked(text: string, size: number): Readable {
  const bytes = Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < bytes.length; offset += size) chunks.push(bytes.subarray(offset, offset + size));
  return Readable.from(chunks);
}

/** The text through one buffer, refilled for every chunk (as the download thread's lent blocks are); filled with junk once taken back. */
async function* refilled(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  const buffer = Buffer.alloc(size);
  for (let offset = 0; offset < bytes.length; offset += size) {
    const length = bytes.copy(buffer, 0, offset, offset + size);
    yield buffer.subarray(0, length);
    buffer.fill('#');
  }
}

describe('streaming scans', () => {
  const factory = new SecretFactory(31);
  const tokens = Array.from({ length: 6 }, () => factory.gitHubToken());
  const lines: string[] = [];
  for (let i = 0; i < 300; i++)
    lines.push(
      i % 50 === 7
        ? `line ${i} export GH_TOKEN=${tokens[(i - 7) / 50]}`
        : `line ${i} npm http fetch GET 200 https://registry.npmjs.org/pkg-${i} 12ms`,
    );
  const text = lines.join('\n');

  it('reports the same findings whatever the chunk boundaries', async () => {
    const scanner = createScanner({ fingerprintKey: key });
    const whole = scanner.scanText(text, { path: 'log' });
    expect(whole.map((finding) => finding.line)).toEqual([8, 58, 108, 158, 208, 258]);
    for (const size of [1, 7, 64, 1000, 4096]) {
      const streamed = await collect(scanner.scanStream(chunked(text, size), { path: 'log' }));
      expect(streamed).toEqual(whole);
    }
  });

  it('needs no chunk once it has asked for the next: a source may refill one buffer', async () => {
    const scanner = createScanner({ fingerprintKey: key });
    const whole = scanner.scanText(text, { path: 'log' });
    for (const size of [7, 1000, 300 * 1024]) {
      const streamed = await collect(scanner.scanStream(refilled(text, size), { path: 'log' }));
      expect(streamed).toEqual(whole);
    }
  });

  it('keeps streams scanned at the same time apart, though they share coalescing blocks', async () => {
    const scanner = createScanner({ fingerprintKey: key });
    const whole = scanner.scanText(text, { path: 'log' });
    // Two streams stepped in turn, each handing over small pieces of one refilled buffer.
    const first = scanner.scanStream(refilled(text, 700), { path: 'log' })[Symbol.asyncIterator]();
    const second = scanner.scanStream(refilled(text, 900), { path: 'log' })[Symbol.asyncIterator]();
    const found: [Finding[], Finding[]] = [[], []];
    for (let done = [false, false]; !done[0] || !done[1]; ) {
      for (const [index, stream] of [first, second].entries()) {
        if (done[index]) continue;
        const next = await stream.next();
        if (next.done) done[index] = true;
        else found[index].push(next.value);
      }
    }
    expect(found).toEqual([whole, whole]);
  });

  it('allocates no coalescing block per stream: thousands of small files reuse the same ones', async () => {
    const scanner = createScanner({ fingerprintKey: key });
    const file = Buffer.from(text.slice(0, 5000));
    const pieces = [0, 1000, 2000, 3000, 4000].map((offset) => file.subarray(offset, offset + 1000));
    const take = BlockPool.prototype.take;
    const blocksUsed = new Set<ArrayBuffer>();
    const taking = vi.spyOn(BlockPool.prototype, 'take').mockImplementation(function (this: BlockPool) {
      const block = take.call(this);
      blocksUsed.add(block);
      return block;
    });
    try {
      for (let index = 0; index < 200; index++) await collect(scanner.scanStream(Readable.from(pieces), { path: `src/file-${index}.ts` }));
      expect(taking).toHaveBeenCalledTimes(200);
      expect(blocksUsed.size).toBe(1);
    } finally {
      taking.mockRestore();
    }
  });

  it('accepts string chunks and CRLF line endings', async () => {
    const scanner = createScanner({ fingerprintKey: key });
    const findings = await collect(scanner.scanStream(Readable.from([`a\r\nexport GH_TOKEN=${tokens[0]}\r\n`, 'b\r\n']), { path: 'log' }));
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'github-pat', line: 2, column: 17 })]);
  });

  it('scans a line longer than the window limit in overlapping windows, finding a token across a window edge once', () => {
    const scanner = createScanner({ fingerprintKey: key, maxLineBytes: 4096, overlapBytes: 512 });
    const token = tokens[1];
    // Put the token across the first window's edge (4096), inside a 20 000-byte line.
    const before = 'x '.repeat(2030);
    const line = `${before}token=${token} ${'y '.repeat(8000)}`;
    const findings = scanner.scanText(line, { path: 'long.log' });
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'github-pat', line: 1, column: line.indexOf(token) + 1 })]);
  });

  it('reports progress and yields findings while reading', async () => {
    const scanner = createScanner({ fingerprintKey: key });
    const progress: number[] = [];
    const findings = await collect(scanner.scanStream(chunked(text, 2048), { path: 'log', onProgress: (bytes) => progress.push(bytes) }));
    expect(findings).toHaveLength(6);
    expect(progress.at(-1)).toBe(Buffer.byteLength(text));
    expect(progress.length).toBeGreaterThan(1);
  });

  it('can run several scans at the same time with one scanner', async () => {
    const scanner = createScanner({ fingerprintKey: key });
    const results = await Promise.all([1, 2, 3].map((n) => collect(scanner.scanStream(chunked(text, 100 * n), { path: `log-${n}` }))));
    for (const [index, findings] of results.entries()) {
      expect(findings).toHaveLength(6);
      expect(new Set(findings.map((finding) => finding.path))).toEqual(new Set([`log-${index + 1}`]));
    }
  });

  it('gives the same findings for large logs scanned at the same time with one scanner as one after another', async () => {
    // Blocks of 256 KiB are stepped by the WebAssembly kernel, which the scans share.
    const big = (seed: number) => {
      const bigFactory = new SecretFactory(seed);
      const bigLines: string[] = [];
      for (let i = 0; i < 12_000; i++) {
        bigLines.push(
          i % 1500 === 11
            ? `2024-05-01T10:00:00.1234567Z export GH_TOKEN=${bigFactory.gitHubToken()}`
            : `2024-05-01T10:00:00.1234567Z npm http fetch GET 200 https://registry.npmjs.org/pkg-${bigFactory.alphanumeric(8)} ${i}ms`,
        );
      }
      return bigLines.join('\n');
    };
    const logs = [big(41), big(42), big(43)];
    const scanner = createScanner({ fingerprintKey: key });
    const oneAfterAnother: Finding[][] = [];
    for (const [index, log] of logs.entries())
      oneAfterAnother.push(await collect(scanner.scanStream(chunked(log, 256 * 1024), { path: `big-${index}` })));
    const atTheSameTime = await Promise.all(
      logs.map((log, index) => collect(scanner.scanStream(chunked(log, 256 * 1024), { path: `big-${index}` }))),
    );
    expect(oneAfterAnother.map((findings) => findings.length)).toEqual([8, 8, 8]);
    expect(atTheSameTime).toEqual(oneAfterAnother);
  });

  it('applies the minimum confidence', () => {
    const low = createScanner({ fingerprintKey: key, minConfidence: 'low' });
    const high = createScanner({ fingerprintKey: key, minConfidence: 'high' });
    const input = `api_key = "${factory.alphanumeric(24)}"\nGH=${tokens[2]}`;
    expect(low.scanText(input, { path: 'x' }).map((finding) => finding.ruleId)).toEqual(['generic-secret-assignment', 'github-pat']);
    expect(high.scanText(input, { path: 'x' }).map((finding) => finding.ruleId)).toEqual(['github-pat']);
  });

  it('reports a PKCS#12 file by its path without reading it as text', () => {
    const scanner = createScanner({ fingerprintKey: key });
    expect(scanner.scanText(Buffer.from([0, 1, 2, 3]), { path: 'certs/signing.pfx' })).toEqual([
      expect.objectContaining({ ruleId: 'pkcs12-file', line: 1, column: 1, redacted: '(file content)' }),
    ]);
    expect(scanner.scanText('hello', { path: 'doc/type.P126.html' })).toEqual([]);
  });
});
