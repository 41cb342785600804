import { describe, expect, it } from 'vitest';
import { RepositoryContentScan } from '../../../shared/repositories/contentScan/repositoryContentScan';
import { RepositoryPathFilter } from '../../../shared/repositories/contentScan/repositoryPathFilter';
import { createScanner, type Finding } from '../../../shared/scanning';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

const key = Buffer.from('content-scan-test-fingerprint-key');
const token = new SecretFactory(7).gitHubToken();
const source = Buffer.from(`const a = 1;\n${'// filler line for the scanner\n'.repeat(400)}export GH_TOKEN=${token}\nconst b = 2;\n`);

/** Hands out `chunks`, then fails if asked for more: a reader whose end must not be waited on. */
function untilSize(chunks: Buffer[]): AsyncIterable<Uint8Array> {
  let index = 0;
  return {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        if (index < chunks.length) return { done: false, value: chunks[index++] };
        throw new Error('asked past the known size');
      },
    }),
  };
}

async function* whole(chunks: Buffer[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

async function collect(findings: AsyncIterable<Finding>): Promise<Finding[]> {
  const all: Finding[] = [];
  for await (const finding of findings) all.push(finding);
  return all;
}

describe('scanning one repository file', () => {
  const scan = () => new RepositoryContentScan(createScanner({ fingerprintKey: key }), RepositoryPathFilter.fromSetting(undefined));

  it('scans a file whose size is known as soon as that many bytes have arrived, with the same findings', async () => {
    const streamed = await collect(scan().scanFile('/src/settings.ts', whole([source])));
    expect(streamed).toEqual([expect.objectContaining({ ruleId: 'github-pat', path: 'src/settings.ts', line: 402 })]);
    const known = scan();
    expect(await collect(known.scanFile('/src/settings.ts', untilSize([source]), source.length))).toEqual(streamed);
    expect(known.summary()).toMatchObject({ filesScanned: 1, bytesScanned: source.length, findings: 1 });
  });

  it('reports a secret in a file name on its own, and never shows it in any path, even of a skipped file', async () => {
    const named = scan();
    const path = `/exports/dump-${token}.txt`;
    const findings = await collect(named.scanFile(path, whole([source])));
    expect(findings).toEqual([
      expect.objectContaining({ ruleId: 'github-pat', location: 'path', line: 0 }),
      expect.objectContaining({ ruleId: 'github-pat', line: 402 }),
    ]);
    expect(findings[1].path).toBe(findings[0].path);
    expect(findings[1].path).toMatch(/^exports\/dump-ghp_\*+\w{4}\.txt$/);
    named.skip(`/exports/copy-${token}.png`, 'binary');
    expect(JSON.stringify([findings, named.summary()])).not.toContain(token);
  });

  it('reads a file of known size given in several chunks up to that size', async () => {
    const chunks = [source.subarray(0, 5000), source.subarray(5000, 9000), source.subarray(9000)];
    const streamed = await collect(scan().scanFile('src/settings.ts', whole(chunks)));
    expect(await collect(scan().scanFile('src/settings.ts', untilSize(chunks), source.length))).toEqual(streamed);
  });

  it('skips a binary file of known size without asking for more', async () => {
    const known = scan();
    const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48]);
    expect(await collect(known.scanFile('assets/logo', untilSize([binary]), binary.length))).toEqual([]);
    expect(known.summary()).toMatchObject({
      filesScanned: 0,
      filesSkipped: 1,
      skipped: { binary: { count: 1, examples: ['assets/logo'] } },
    });
  });

  it('scans an empty file of known size without reading it', async () => {
    const known = scan();
    expect(await collect(known.scanFile('src/empty.ts', untilSize([]), 0))).toEqual([]);
    expect(known.summary()).toMatchObject({ filesScanned: 1, bytesScanned: 0 });
  });
});
