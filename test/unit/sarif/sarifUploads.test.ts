import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/errors';
import type { CiContext } from '../../../shared/sarif';
import { checkSarifBody } from '../../../shared/sarif/sarifBody';
import { sarifFindings, streamedSarifFindings } from '../../../shared/sarif/sarifFindings';
import { type SarifLog, validateSarif } from '../../../shared/sarif/sarifLog';
import { type SarifUploadChunk, SarifUploadStore } from '../../../shared/sarif/sarifUploads';
import { StreamedSarifLog } from '../../../shared/sarif/streamedSarifLog';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { ManualClock } from '../../support/manualClock';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'sarif');
const context: CiContext = { source: 'github', organization: 'contoso', repository: 'contoso/app', commit: 'a'.repeat(40), tool: 'Trivy' };

/** Text that gzip cannot shrink much (a fixed sequence, so every run cuts the chunks at the same places). */
function noise(length: number): string {
  let seed = 7;
  let text = '';
  for (let i = 0; i < length; i++) {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    text += String.fromCharCode(0x21 + (seed % 90) + (seed % 90 >= 1 ? 1 : 0));
  }
  return text.replaceAll('"', "'").replaceAll('\\', '/');
}

/** 1,001 base64 characters a chunk: not a multiple of four, so chunks end inside a base64 group and inside gzip's blocks. */
function store(chunkSize = 1_001) {
  const chunks = createEmbeddedStore(openInMemoryDatabase(), new ManualClock()).container<SarifUploadChunk>('sarifUploads');
  return { chunks, uploads: new SarifUploadStore(chunks, chunkSize) };
}

async function collected(bytes: AsyncIterable<Buffer>): Promise<Buffer> {
  const pieces: Buffer[] = [];
  for await (const piece of bytes) pieces.push(piece);
  return Buffer.concat(pieces);
}

describe('a SARIF upload read back a chunk at a time', () => {
  const log: SarifLog = {
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'Trivy', rules: [{ id: 'CVE-2024-0001', shortDescription: { text: 'a vulnerability' } }] } },
        results: [
          // Larger than a chunk, compressed or not.
          { ruleId: 'CVE-2024-0001', level: 'error', message: { text: noise(20_000) } },
          ...Array.from({ length: 50 }, (_, i) => ({
            ruleId: 'CVE-2024-0001',
            message: { text: `package ${i} ${noise(40)}` },
            locations: [{ physicalLocation: { artifactLocation: { uri: `lock-${i}.json` }, region: { startLine: i + 1 } } }],
          })),
        ],
      },
    ],
  };
  const body = Buffer.from(JSON.stringify(log));

  it('gives back the bytes that were posted, from many chunks cut at awkward places', async () => {
    const { uploads } = store();
    const chunks = await uploads.put('sarif-1', context, body, '2026-12-08T00:00:00.000Z');
    expect(chunks).toBeGreaterThan(10);
    const upload = await uploads.open('contoso', 'sarif-1');
    expect(upload).toMatchObject({ context, receivedAt: '2026-12-08T00:00:00.000Z', chunks });
    expect((await collected(upload!.bytes())).equals(body)).toBe(true);
  });

  it('finds in the stored log, a result at a time, what the whole log gives', async () => {
    const { uploads } = store();
    await uploads.put('sarif-1', context, body, '2026-12-08T00:00:00.000Z');
    const upload = await uploads.open('contoso', 'sarif-1');
    const streamed = [];
    for await (const finding of streamedSarifFindings(new StreamedSarifLog(upload!.bytes()).results())) streamed.push(finding);
    expect(streamed).toEqual([...sarifFindings(log)]);
    expect(streamed).toHaveLength(51);
  });

  it('says the upload is gone when its first chunk is, and what to do when a later chunk is lost', async () => {
    const { uploads, chunks } = store();
    expect(await uploads.open('contoso', 'sarif-missing')).toBeUndefined();
    await uploads.put('sarif-1', context, body, '2026-12-08T00:00:00.000Z');
    await chunks.delete('sarif-1:3', 'contoso');
    const upload = await uploads.open('contoso', 'sarif-1');
    const reading = collected(upload!.bytes());
    await expect(reading).rejects.toThrow(PermanentError);
    await expect(reading).rejects.toThrow(/lost chunk 3 of .*post the log again/);
  });
});

describe('the intake checks a posted log a result at a time', () => {
  /** What the intake answered when it parsed the log whole. */
  function wholeAnswer(text: string) {
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      return { ok: false, notJson: true };
    }
    const validation = validateSarif(document);
    if (!validation.ok) return validation;
    return {
      ok: true,
      results: validation.log.runs.reduce((sum, run) => sum + (run.results?.length ?? 0), 0),
      firstTool: validation.log.runs[0]?.tool.driver.name,
    };
  }

  const trivy = readFileSync(join(fixtures, 'trivy.sarif.json'), 'utf8');
  const parsed = JSON.parse(trivy);
  const withResult = (index: number, result: unknown) => {
    const copy = structuredClone(parsed);
    copy.runs[0].results[index] = result;
    return JSON.stringify(copy);
  };
  /** The last result's `ruleId` without its colon. */
  const brokenAfter = (text: string) => {
    const at = text.lastIndexOf('"ruleId":');
    return `${text.slice(0, at)}"ruleId" ${text.slice(at + '"ruleId":'.length)}`;
  };
  it.each([
    ['a recorded Trivy log', trivy],
    ['a recorded CodeQL log', readFileSync(join(fixtures, 'codeql.sarif.json'), 'utf8')],
    ['a recorded Semgrep log', readFileSync(join(fixtures, 'semgrep.sarif.json'), 'utf8')],
    ['a log with no results', '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Quiet"}}}]}'],
    ['a body that is not JSON', 'Trivy found 2 vulnerabilities'],
    ['a log cut short', trivy.slice(0, trivy.length / 2)],
    ['JSON that is not SARIF', '{"findings":[]}'],
    ['a JSON array', '[]'],
    ['runs that are not an array', '{"version":"2.1.0","runs":{}}'],
    ['a rule without an id', JSON.stringify({ ...parsed, runs: [{ ...parsed.runs[0], tool: { driver: { name: 'T', rules: [{}] } } }] })],
    ['a result without a message', withResult(1, { ruleId: 'x' })],
    ['a result that is not an object', withResult(0, 'a string')],
    [
      'a bad result and a bad frame: the frame is named first',
      JSON.stringify({ version: '2.0.0', runs: [{ tool: { driver: { name: 'T' } }, results: [{}] }] }),
    ],
    ['a bad result and invalid JSON further on', brokenAfter(withResult(0, { ruleId: 'x' }))],
  ])('answers %s as the whole-log check did', (_, text) => {
    expect(checkSarifBody(Buffer.from(text))).toEqual(wholeAnswer(text));
  });

  it('refuses a log that gives runs twice, naming $.runs', () => {
    const text = '{"version":"2.1.0","runs":[],"runs":[{"tool":{"driver":{"name":"T"}},"results":[]}]}';
    expect(wholeAnswer(text)).toMatchObject({ ok: true });
    expect(checkSarifBody(Buffer.from(text))).toMatchObject({ ok: false, path: '$.runs', message: expect.stringMatching(/appears twice/) });
  });
});
