import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sarifFindings, severityOfScore, validateSarif } from '../../../shared/sarif';

const fixtures = join(__dirname, '../../fixtures/sarif');
const plantedKey = 'AKIAZ7QW3ERTY5UIOP4X';

function findingsOf(file: string) {
  const validation = validateSarif(JSON.parse(readFileSync(join(fixtures, file), 'utf8')));
  if (!validation.ok) throw new Error(`${file}: ${validation.path}: ${validation.message}`);
  return [...sarifFindings(validation.log)];
}

describe('SARIF results as risks', () => {
  it('makes dependency vulnerabilities of Trivy results, with the CVE or GHSA id and the CVSS severity', () => {
    const [cve, ghsa] = findingsOf('trivy.sarif.json');
    expect(cve).toMatchObject({
      tool: 'Trivy',
      ruleId: 'CVE-2022-23529',
      kind: 'dependency-vulnerability',
      severity: 'high',
      advisories: ['CVE-2022-23529'],
      path: 'package-lock.json',
      line: 1,
    });
    expect(ghsa).toMatchObject({ kind: 'dependency-vulnerability', severity: 'medium', advisories: ['GHSA-hjrf-2m68-5959'] });
    expect(cve.fingerprint).not.toBe(ghsa.fingerprint);
  });

  it('makes code findings of CodeQL results, severity from security-severity, fingerprint from partialFingerprints', () => {
    const [sql, log] = findingsOf('codeql.sarif.json');
    expect(sql).toMatchObject({ tool: 'CodeQL', ruleId: 'js/sql-injection', kind: 'code-finding', severity: 'high', advisories: [] });
    expect(sql.title).toBe('Database query built from user-controlled sources');
    expect(log).toMatchObject({ ruleId: 'js/log-injection', severity: 'high', path: 'src/server.js', line: 14 });
  });

  it('keeps a CodeQL finding the same risk when its line moves but its partial fingerprints do not', () => {
    const document = JSON.parse(readFileSync(join(fixtures, 'codeql.sarif.json'), 'utf8'));
    const before = findingsOf('codeql.sarif.json')[0].fingerprint;
    document.runs[0].results[0].locations[0].physicalLocation.region.startLine = 40;
    const validation = validateSarif(document);
    if (!validation.ok) throw new Error(validation.message);
    expect([...sarifFindings(validation.log)][0].fingerprint).toBe(before);
  });

  it('takes the severity from the level when there is no CVSS score (Semgrep)', () => {
    const [xss] = findingsOf('semgrep.sarif.json');
    expect(xss).toMatchObject({ tool: 'Semgrep OSS', kind: 'code-finding', severity: 'medium', path: 'src/server.js', line: 12 });
    expect(xss.redacted).toMatch(/^Detected directly writing to a Response object/);
  });

  it("never keeps a secret scanner's snippet or message: only a redacted preview", () => {
    const [, secret] = findingsOf('semgrep.sarif.json');
    expect(secret.redacted).toBe(`${'*'.repeat(16)}OP4X`);
    expect(JSON.stringify(secret)).not.toContain(plantedKey);
  });

  it('leaves out passing and suppressed results', () => {
    const document = JSON.parse(readFileSync(join(fixtures, 'codeql.sarif.json'), 'utf8'));
    document.runs[0].results[0].kind = 'pass';
    document.runs[0].results[1].suppressions = [{ kind: 'inSource', status: 'accepted' }];
    const validation = validateSarif(document);
    if (!validation.ok) throw new Error(validation.message);
    expect([...sarifFindings(validation.log)]).toEqual([]);
  });

  it("maps CVSS scores to GitHub's severity bands", () => {
    expect([9.8, 9, 8.9, 7, 6.9, 4, 3.9, 0].map(severityOfScore)).toEqual([
      'critical',
      'critical',
      'high',
      'high',
      'medium',
      'medium',
      'low',
      'low',
    ]);
  });
});

describe('SARIF validation', () => {
  it('names the JSON path of the first error', () => {
    const document = JSON.parse(readFileSync(join(fixtures, 'codeql.sarif.json'), 'utf8'));
    document.runs[0].results[1].message = {};
    expect(validateSarif(document)).toEqual({ ok: false, path: '$.runs[0].results[1].message', message: 'a message needs text or id' });
  });

  it('refuses a log of another SARIF version, or no SARIF at all, at $.version', () => {
    expect(validateSarif({ version: '2.0.0', runs: [] })).toMatchObject({ ok: false, path: '$.version' });
    expect(validateSarif({ findings: [] })).toMatchObject({ ok: false, path: '$.version' });
  });

  it('accepts the properties tools add of their own', () => {
    for (const file of ['trivy.sarif.json', 'semgrep.sarif.json', 'codeql.sarif.json']) {
      expect(validateSarif(JSON.parse(readFileSync(join(fixtures, file), 'utf8'))).ok, file).toBe(true);
    }
  });
});
