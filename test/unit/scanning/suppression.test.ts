import { describe, expect, it } from 'vitest';
import { createScanner, parseBaseline } from '../../../shared/scanning';
import { toJsonReport } from '../../../shared/scanning/report/jsonReport';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

const key = Buffer.from('suppression-test-fingerprint-key');

describe('suppressing known findings', () => {
  const factory = new SecretFactory(61);
  const known = factory.gitHubToken();
  const fresh = factory.gitHubToken();

  it('drops findings whose fingerprint is in a baseline made from an earlier JSON report, wherever they appear', () => {
    const first = createScanner({ fingerprintKey: key }).scanText(`GH=${known}`, { path: 'a.env' });
    const baseline = parseBaseline(JSON.parse(toJsonReport(first, { bytes: 1, files: 1, durationMs: 1 })));
    const scanner = createScanner({ fingerprintKey: key, baseline });
    const findings = scanner.scanText(`moved: GH=${known}\nnew: GH=${fresh}`, { path: 'b.env' });
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'github-pat', line: 2 })]);
  });

  it('accepts a plain list of fingerprints and rejects anything else with a message', () => {
    expect(parseBaseline({ fingerprints: ['a'.repeat(64)] }).size).toBe(1);
    expect(() => parseBaseline({ results: [] }, 'old.json')).toThrow(/old\.json is not a Vigil baseline/);
  });

  it('honours an inline vigil:allow comment for the whole line or for the rules it names', () => {
    const scanner = createScanner({ fingerprintKey: key });
    const text = [
      `TEST_TOKEN=${known} # vigil:allow`,
      `TEST_TOKEN=${known} // vigil:allow github-pat`,
      `TEST_TOKEN=${known} // vigil:allow npm-access-token`,
      `TEST_TOKEN=${fresh}`,
    ].join('\n');
    expect(scanner.scanText(text, { path: 'x' }).map((finding) => finding.line)).toEqual([3, 4]);
  });

  it('skips values matched by a custom allowlist', () => {
    const scanner = createScanner({ fingerprintKey: key, allowedValues: [/^ghp_/] });
    expect(scanner.scanText(`GH=${known}`, { path: 'x' })).toEqual([]);
  });
});
