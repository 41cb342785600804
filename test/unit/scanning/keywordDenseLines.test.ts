import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../shared/scanning';
import { secretGroupEndsPattern } from '../../../shared/scanning/compiledRules';
import { writeKeywordDenseBuildLog } from '../../bench/keywordDenseLogGenerator';
import { pipelineTimestamp, SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * The shortcuts that keep keyword-dense logs fast (docs/performance.md, "Keyword-dense logs") must
 * never lose a finding: a keyword in prose is skipped only where the generic rule could not match,
 * a line after `curl` is skipped only where no armed pattern could match, and rules whose secret
 * ends the match run without the `d` flag.
 */
const scanner = createScanner({ fingerprintKey: Buffer.from('dense-lines-test-fingerprint-key') });
const scan = (lines: readonly string[]) => scanner.scanText(lines.join('\n'), { path: 'build/19/logs/1' });

describe('keyword-dense log lines', () => {
  const factory = new SecretFactory(1919);

  it('finds a value assigned to a colour-coded secret name', () => {
    const password = factory.password();
    const line = `${pipelineTimestamp(1)}\x1b[36mSIGNING_SECRET\x1b[0m=${password}`;
    const [finding] = scan([line, 'done']);
    expect(finding).toMatchObject({ ruleId: 'generic-secret-assignment', column: line.indexOf(password) + 1 });
  });

  it('finds a value on the line after a <signingSecret> tag', () => {
    const value = factory.alphanumeric(32);
    const findings = scan([
      `${pipelineTimestamp(1)}    <signingSecret>`,
      `${pipelineTimestamp(2)}      ${value}`,
      `${pipelineTimestamp(3)}    </signingSecret>`,
    ]);
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'generic-secret-assignment', line: 2 })]);
  });

  it.each(['client_secret', 'api_token', 'admin_password'])(
    'finds a Terraform variable\'s default a few lines below `variable "%s" {`',
    (name) => {
      const value = factory.password();
      const findings = scanner.scanText(
        [`variable "${name}" {`, '  type      = string', '  sensitive = true', `  default   = "${value}"`, '}'].join('\n'),
        {
          path: 'infra/variables.tf',
        },
      );
      expect(findings).toEqual([expect.objectContaining({ ruleId: 'generic-secret-assignment', line: 4 })]);
    },
  );

  it('reports nothing for keywords in prose, and the secret assigned further on the same line', () => {
    const password = factory.password();
    expect(scan([`${pipelineTimestamp(1)}Retrieving the secret for scope https://management.core.windows.net//.default`])).toEqual([]);
    const line = `${pipelineTimestamp(2)}Retrieving the secret for scope, then signing_secret = ${password}`;
    expect(scan([line, 'done'])).toEqual([
      expect.objectContaining({ ruleId: 'generic-secret-assignment', column: line.indexOf(password) + 1 }),
    ]);
  });

  it('finds a curl user and password several lines after the curl, across lines that cannot match', () => {
    const password = factory.password();
    const findings = scan([
      `${pipelineTimestamp(1)}curl -X GET https://octopus.contoso.com/api/projects \\`,
      `${pipelineTimestamp(2)}  --retry 3 --silent \\`,
      `${pipelineTimestamp(3)}[INFO] waiting for the server`,
      `${pipelineTimestamp(4)}     -u deploy:${password} \\`,
      `${pipelineTimestamp(5)}     --output result.json`,
    ]);
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'curl-basic-credential', line: 4 })]);
  });

  it('reports every planted secret of a generated keyword-dense log at its line', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const directory = mkdtempSync(join(tmpdir(), 'vigil-dense-'));
    try {
      const file = join(directory, 'dense.log');
      const planted = await writeKeywordDenseBuildLog(file, 2 * 1024 * 1024);
      const lines = new Set(scanner.scanText(readFileSync(file), { path: 'dense.log' }).map((finding) => finding.line));
      expect(planted.length).toBeGreaterThan(5);
      expect(planted.filter((secret) => !lines.has(secret.line))).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

describe('which patterns run without group offsets', () => {
  it('knows a secret group followed only by lookarounds ends the match', () => {
    expect(secretGroupEndsPattern('(?<![A-Za-z0-9_])(?<secret>ghp_[A-Za-z0-9]{36})(?![A-Za-z0-9_])')).toBe(true);
    expect(secretGroupEndsPattern('key[=:](?<secret>[a-z]{8,64})')).toBe(true);
    expect(secretGroupEndsPattern('ghp_[A-Za-z0-9]{36}')).toBe(true);
  });

  it('keeps offsets where something is matched after the secret, or the group may be skipped or repeated', () => {
    expect(secretGroupEndsPattern('://(?<secret>[^@]{3,64})@[a-z.]{1,253}')).toBe(false);
    expect(secretGroupEndsPattern('a|b(?<secret>[a-z]{8})')).toBe(false);
    expect(secretGroupEndsPattern('(?:x(?<secret>[a-z]{8})){1,2}')).toBe(false);
    expect(secretGroupEndsPattern('(?<secret>[a-z]{8})|other')).toBe(false);
    expect(secretGroupEndsPattern('(?<secret>[a-z]{8})(?<=[a-z])')).toBe(false);
    expect(secretGroupEndsPattern(String.raw`(?<secret>[)(]{8})\)`)).toBe(false);
  });
});
