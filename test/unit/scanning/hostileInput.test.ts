import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../shared/scanning';
import { compileRules } from '../../../shared/scanning/compiledRules';
import { builtinRules } from '../../../shared/scanning/rules/builtinRules';
import { ScanSession } from '../../../shared/scanning/scanSession';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * Inputs meant to hurt: they must finish (the test timeout is the bound; there are no timing
 * assertions) without crashing and with memory bounded by the window size, not the input size.
 */
const scanner = createScanner({ fingerprintKey: Buffer.from('hostile-test-fingerprint-key-000') });

function* repeatedChunks(chunk: Buffer, total: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += chunk.length) yield chunk;
}

describe('hostile input', () => {
  it('scans a 50 MB single line in bounded windows and still finds a token at its end', () => {
    const token = new SecretFactory(41).gitHubToken();
    // Dense in keywords and near-misses (names without values, URLs without credentials): every
    // window is full of prefilter hits and regex attempts, but holds nothing to report.
    const filler = Buffer.from('aaaaAAAA0000 token secret password api_key https://host/path ghp_ xoxb- AKIA '.repeat(14_000));
    const session = new ScanSession(compileRules(builtinRules), {
      path: 'one-line.log',
      fingerprintKey: Buffer.alloc(32),
      includeUnverified: false,
      allowedValues: [],
      maxLineBytes: 1024 * 1024,
      overlapBytes: 8192,
    });
    for (const chunk of repeatedChunks(filler, 50 * 1024 * 1024)) session.push(chunk);
    session.push(Buffer.from(` token ${token}\n`));
    session.end();
    const findings = session.takeFindings();
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'github-pat', line: 1 })]);
    expect(session.bytesScanned).toBeGreaterThan(50 * 1024 * 1024);
    // Never more than one window plus one incoming slice of the line is held.
    expect(session.largestHeldLine).toBeLessThan(3 * 1024 * 1024);
  });

  it('scans binary garbage and invalid UTF-8 without crashing', async () => {
    const factory = new SecretFactory(42);
    const garbage = Buffer.from(factory.bytes(4 * 1024 * 1024));
    const invalidUtf8 = Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0x0a, 0xff, 0xfe]);
    const token = factory.npmToken();
    const input = Buffer.concat([garbage, invalidUtf8, Buffer.from(`\nnpm token ${token}\n`), garbage]);
    const findings = scanner.scanText(input, { path: 'garbage.bin' });
    expect(findings.some((finding) => finding.ruleId === 'npm-access-token')).toBe(true);
  });

  it('stops decoding deeply nested base64 after a few levels', () => {
    let payload = `token=${new SecretFactory(43).gitHubToken()}`;
    for (let level = 0; level < 40; level++) payload = Buffer.from(payload).toString('base64');
    // 40 levels deep the payload is large; the scan must still be quick and must not recurse forever.
    const findings = scanner.scanText(`data ${payload.slice(0, 2_000_000)}`, { path: 'nested.txt' });
    expect(Array.isArray(findings)).toBe(true);
  });

  it('finds a token in JSON wrapped in two levels of base64', () => {
    const token = new SecretFactory(44).gitHubToken();
    let payload = JSON.stringify({ token });
    for (let level = 0; level < 2; level++) payload = Buffer.from(payload).toString('base64');
    expect(scanner.scanText(`echo ${payload}`, { path: 'x' }).map((finding) => finding.ruleId)).toContain('github-pat');
  });

  it('runs every rule against long runs of each character its pattern accepts', () => {
    // For every rule: its keyword followed by 200 KB of one repeated character class; a pattern
    // that backtracks badly would take minutes here.
    const fillers = ['a', 'A', '0', '=', '-', '_', '.', ' ', '/', '+', ':', '@', '"', 'aA0'];
    for (const rule of builtinRules) {
      for (const filler of fillers) {
        const text = `${rule.keywords[0]}${filler.repeat(Math.ceil(200_000 / filler.length))}`;
        rule.pattern.lastIndex = 0;
        const global = new RegExp(rule.pattern.source, `${rule.pattern.flags.replace('g', '')}g`);
        let matches = 0;
        for (let match = global.exec(text); match !== null && matches < 10_000; match = global.exec(text)) {
          matches++;
          if (match[0].length === 0) global.lastIndex++;
        }
        expect(matches).toBeLessThan(10_000);
      }
    }
  });
});
