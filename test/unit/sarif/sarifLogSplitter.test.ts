import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type SarifLogPart, SarifLogSplitter, SarifLogSyntaxError } from '../../../shared/sarif/sarifLogSplitter';
import { StreamedSarifLog } from '../../../shared/sarif/streamedSarifLog';

const fixtures = join(__dirname, '..', '..', 'fixtures', 'sarif');

/** A log with what makes splitting hard: structure characters, escapes and multi-byte characters inside strings, numbers and literals at a piece's end, a member name written with an escape. */
const awkward = Buffer.from(
  `{ "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version" : "2.1.0",
  "runs": [
    { "tool": { "driver": { "name": "Sem\\"grep", "rules": [ { "id": "r1" } ] } },
      "r\\u0065sults": [
        { "ruleId": "r1", "message": { "text": "braces } ] { [ , : and \\"quotes\\" and \\\\ and é and 😀" }, "rank": -1.5e3 },
        {"ruleId":"r1","message":{"text":"x"},"baselineState":null,"properties":{"ok":true,"no":false}}
      ],
      "invocations": [ { "executionSuccessful": true } ] },
    { "tool": { "driver": { "name": "Empty" } }, "results": [] },
    { "tool": { "driver": { "name": "Numbers" } }, "columnKind": "utf16CodeUnits", "results": [ 12, "text", true ] }
  ]
}
`,
);

function split(body: Buffer, sizes: (index: number) => number): SarifLogPart[] {
  const splitter = new SarifLogSplitter();
  const parts: SarifLogPart[] = [];
  for (let at = 0, index = 0; at < body.length; index++) {
    const size = Math.max(1, sizes(index));
    parts.push(...splitter.write(body.subarray(at, at + size)));
    at += size;
  }
  parts.push(...splitter.end());
  return parts;
}

/** The log rebuilt from its parts: what JSON.parse makes of the whole. */
function rebuilt(parts: SarifLogPart[]): unknown {
  const log: Record<string, unknown> = {};
  const runs: Array<Record<string, unknown>> = [];
  for (const part of parts) {
    if (part.kind === 'member') log[part.key] = part.value;
    if (part.kind === 'runMember') runs[part.run] = { ...runs[part.run], [part.key]: part.value };
    if (part.kind === 'result') {
      const run = (runs[part.run] ??= {});
      run.results = [...((run.results as unknown[]) ?? []), JSON.parse(part.text)];
      expect((run.results as unknown[]).length - 1).toBe(part.index);
    }
    if (part.kind === 'resultsEnd') {
      const run = (runs[part.run] ??= {});
      run.results ??= [];
      expect((run.results as unknown[]).length).toBe(part.results);
    }
    if (part.kind === 'runsEnd') log.runs = runs;
  }
  return log;
}

async function* pieces(body: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

describe('reading a SARIF log in pieces', () => {
  it('gives the log JSON.parse gives, whatever byte the pieces are cut at: inside a character, an escape, a member name or a number', () => {
    const whole = JSON.parse(awkward.toString('utf8'));
    for (let cut = 1; cut < awkward.length; cut++) {
      expect(rebuilt(split(awkward, (index) => (index === 0 ? cut : awkward.length)))).toEqual(whole);
    }
    expect(rebuilt(split(awkward, () => 1))).toEqual(whole);
    expect(rebuilt(split(awkward, (index) => 1 + ((index * 7) % 13)))).toEqual(whole);
  });

  it('hands on the results one at a time, in order, each with its run and index', () => {
    const results = split(awkward, () => 5).filter((part) => part.kind === 'result');
    expect(results.map((part) => [part.run, part.index, JSON.parse(part.text)])).toEqual([
      [0, 0, expect.objectContaining({ rank: -1500 })],
      [0, 1, expect.objectContaining({ properties: { ok: true, no: false } })],
      [2, 0, 12],
      [2, 1, 'text'],
      [2, 2, true],
    ]);
  });

  it('reads a result larger than every piece, and a recorded Trivy, CodeQL and Semgrep log as JSON.parse does', () => {
    const large = Buffer.from(
      JSON.stringify({
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: 'Big' } },
            results: [
              { ruleId: 'r', message: { text: 'é'.repeat(100_000) } },
              { ruleId: 's', message: { text: 'small' } },
            ],
          },
        ],
      }),
    );
    expect(rebuilt(split(large, () => 4096))).toEqual(JSON.parse(large.toString('utf8')));
    for (const name of ['trivy.sarif.json', 'codeql.sarif.json', 'semgrep.sarif.json']) {
      const body = readFileSync(join(fixtures, name));
      expect(rebuilt(split(body, () => 1000))).toEqual(JSON.parse(body.toString('utf8')));
    }
  });

  it.each([
    ['two results without a comma', '{"version":"2.1.0","runs":[{"results":[{"a":1} {"b":2}]}]}'],
    ['a trailing comma', '{"version":"2.1.0","runs":[{"results":[{"a":1},]}]}'],
    ['a log cut short', '{"version":"2.1.0","runs":[{"results":[{"a":1}'],
    ['content after the log', '{"version":"2.1.0","runs":[]} {}'],
    ['a member that is not JSON', '{"version":2.1.0,"runs":[]}'],
    ['a member without a colon', '{"version" "2.1.0","runs":[]}'],
    ['no log at all', '  '],
  ])('refuses %s', (_, text) => {
    expect(() => split(Buffer.from(text), () => 3)).toThrow(SarifLogSyntaxError);
  });

  it.each([
    ['$', '["not", "a", "log"]'],
    ['$.runs', '{"version":"2.1.0","runs":{}}'],
    ['$.runs[1]', '{"version":"2.1.0","runs":[{},"run"]}'],
    ['$.runs[0].results', '{"version":"2.1.0","runs":[{"results":{}}]}'],
    ['$.runs', '{"version":"2.1.0","runs":[],"runs":[]}'],
    ['$.runs[0].results', '{"version":"2.1.0","runs":[{"results":[],"results":[]}]}'],
  ])('names %s when the log is not shaped as one it can read in parts', (path, text) => {
    expect(() => split(Buffer.from(text), () => 2)).toThrow(expect.objectContaining({ path }));
  });
});

describe('a stored log read a result at a time', () => {
  async function read(body: Buffer, size = 3) {
    const log = new StreamedSarifLog(pieces(body, size));
    const seen: Array<{ tool: string; ruleId?: string }> = [];
    for await (const { run, result } of log.results()) seen.push({ tool: run.tool.driver.name, ruleId: result.ruleId });
    return { seen, firstTool: log.firstTool };
  }

  it('holds results that come before their run names its tool, then hands them on with it, in order', async () => {
    const body = Buffer.from(
      JSON.stringify({
        version: '2.1.0',
        runs: [
          {
            results: [
              { ruleId: 'a', message: { text: '1' } },
              { ruleId: 'b', message: { text: '2' } },
            ],
            tool: { driver: { name: 'Late' } },
          },
          { tool: { driver: { name: 'Early' } }, results: [{ ruleId: 'c', message: { text: '3' } }] },
        ],
      }),
    );
    expect(await read(body)).toEqual({
      seen: [
        { tool: 'Late', ruleId: 'a' },
        { tool: 'Late', ruleId: 'b' },
        { tool: 'Early', ruleId: 'c' },
      ],
      firstTool: 'Late',
    });
  });

  it.each([
    ['another version', { version: '2.0.0', runs: [] }, /version/],
    ['no version', { runs: [] }, /version/],
    ['no runs', { version: '2.1.0' }, /runs/],
    ['a run without a tool', { version: '2.1.0', runs: [{ results: [{ ruleId: 'a', message: { text: '1' } }] }] }, /tool/],
  ])('refuses a log with %s', async (_, log, message) => {
    await expect(read(Buffer.from(JSON.stringify(log)))).rejects.toThrow(message);
  });
});
