import { describe, expect, it } from 'vitest';
import { createScanner, toSarifLog } from '../../../shared/scanning';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

interface SarifLog {
  version: string;
  $schema: string;
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        rules: {
          id: string;
          name: string;
          help: { text: string };
          defaultConfiguration: { level: string };
          properties: Record<string, unknown>;
        }[];
      };
    };
    columnKind: string;
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      message: { text: string };
      locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[];
      partialFingerprints: Record<string, string>;
    }[];
  }[];
}

describe('SARIF output', () => {
  const factory = new SecretFactory(81);
  const token = factory.gitHubToken();
  const scanner = createScanner({ fingerprintKey: Buffer.from('sarif-test-fingerprint-key-00000') });
  const findings = scanner.scanText(`# config\nGITHUB_TOKEN=${token}\n`, { path: 'src/app/.env' });
  const log = JSON.parse(toSarifLog(findings, scanner.catalogue, { toolVersion: '1.2.3' })) as SarifLog;
  const [run] = log.runs;

  it('is a SARIF 2.1.0 log with the tool, its rules and help text', () => {
    expect(log.version).toBe('2.1.0');
    expect(log.$schema).toContain('sarif-2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'Vigil', version: '1.2.3' });
    expect(run.tool.driver.rules).toEqual([
      expect.objectContaining({
        id: 'github-pat',
        name: 'GithubPat',
        defaultConfiguration: { level: 'error' },
        properties: expect.objectContaining({ 'security-severity': '9.5', tags: expect.arrayContaining(['security', 'secret']) }),
      }),
    ]);
    expect(run.tool.driver.rules[0].help.text).toMatch(/Revoke/);
  });

  it('locates each result by relative URI, line and UTF-16 column, with a stable partial fingerprint', () => {
    expect(run.columnKind).toBe('utf16CodeUnits');
    const [result] = run.results;
    expect(result).toMatchObject({ ruleId: 'github-pat', ruleIndex: 0, level: 'error' });
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src/app/.env' },
      region: { startLine: 2, startColumn: 14 },
    });
    const again = JSON.parse(
      toSarifLog(scanner.scanText(`\n\n\nGITHUB_TOKEN=${token}`, { path: 'src/app/.env' }), scanner.catalogue, { toolVersion: '1.2.3' }),
    ) as SarifLog;
    expect(again.runs[0].results[0].partialFingerprints).toEqual(result.partialFingerprints);
  });

  it('never contains the secret', () => {
    expect(JSON.stringify(log)).not.toContain(token);
    expect(run.results[0].message.text).toContain(`ghp_${'*'.repeat(28)}`);
  });
});
