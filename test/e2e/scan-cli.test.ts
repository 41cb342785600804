import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretFactory } from '../support/scanning/syntheticSecrets';

/**
 * `vigil scan` end to end: the compiled CLI (`npm test` builds it first) run as a child process on
 * folders and stdin with planted, generated secrets. No output format and no error message may
 * contain any of the planted secrets.
 */
const cli = resolve(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

let workspace: string;
let dataDir: string;
const planted: string[] = [];

function vigil(args: readonly string[], options: { input?: string; cwd?: string } = {}): Run {
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: options.cwd ?? workspace,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, VIGIL_DATA_DIR: dataDir, VIGIL_FINGERPRINT_KEY: '', FORCE_COLOR: '0' },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function expectNoPlantedSecret(...texts: string[]): void {
  for (const text of texts) for (const secret of planted) expect(text).not.toContain(secret);
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` (npm test does it) before this suite`);
  workspace = mkdtempSync(join(tmpdir(), 'vigil-scan-cli-'));
  dataDir = join(workspace, '.vigil-data');
  const factory = new SecretFactory(91);
  const gh = factory.gitHubToken();
  const pat = factory.azureDevOpsPat();
  const storage = factory.azureStorageKey();
  const slack = factory.slackBotToken();
  const password = factory.password();
  const pem = factory.privateKeyPem();
  planted.push(gh, pat, storage, slack, password, ...pem.slice(1, -1));
  mkdirSync(join(workspace, 'repo', 'src'), { recursive: true });
  mkdirSync(join(workspace, 'repo', 'node_modules', 'dep'), { recursive: true });
  mkdirSync(join(workspace, 'clean'), { recursive: true });
  writeFileSync(join(workspace, 'repo', '.gitignore'), 'node_modules/\n');
  writeFileSync(
    join(workspace, 'repo', 'src', 'settings.env'),
    `GITHUB_TOKEN=${gh}\nSLACK_BOT_TOKEN=${slack}\ndb_password: "${password}"\n`,
  );
  writeFileSync(
    join(workspace, 'repo', 'pipeline.log'),
    [
      '2024-05-01T10:00:00.0000000Z ##[section]Starting: Checkout',
      `2024-05-01T10:00:01.0000000Z git -c http.extraheader="AUTHORIZATION: basic ${Buffer.from(`build:${pat}`).toString('base64')}" fetch`,
      `2024-05-01T10:00:02.0000000Z DefaultEndpointsProtocol=https;AccountName=st;AccountKey=${storage};EndpointSuffix=core.windows.net`,
      ...pem.map((line, index) => `2024-05-01T10:00:0${3 + (index % 6)}.0000000Z ${line}`),
    ].join('\n'),
  );
  writeFileSync(join(workspace, 'repo', 'node_modules', 'dep', 'index.js'), `module.exports = "${factory.gitHubToken()}";\n`);
  writeFileSync(join(workspace, 'clean', 'README.md'), '# Nothing to see\npassword=$(DB_PASSWORD)\n');
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('vigil scan', () => {
  it('reports planted secrets in text, exits 1, and shows only redacted previews', () => {
    const run = vigil(['scan', 'repo']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('repo/src/settings.env:1:14');
    expect(run.stdout).toContain('github-pat');
    expect(run.stdout).toContain('azure-devops-pat');
    expect(run.stdout).toContain('private-key');
    expect(run.stdout).not.toContain('node_modules');
    expectNoPlantedSecret(run.stdout, run.stderr);
  });

  it('writes the JSON document of docs/architecture.md, "The `vigil` command" without any secret', () => {
    const run = vigil(['scan', '--format', 'json', 'repo']);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: Record<string, unknown>[]; stats: Record<string, number> };
    expect(report.stats).toEqual({ bytes: expect.any(Number), files: 3, durationMs: expect.any(Number) });
    expect(report.findings.map((finding) => finding.ruleId).sort()).toEqual(
      ['azure-devops-pat', 'azure-storage-account-key', 'generic-secret-assignment', 'github-pat', 'private-key', 'slack-bot-token'].sort(),
    );
    for (const finding of report.findings) {
      expect(Object.keys(finding)).toEqual(
        expect.arrayContaining(['ruleId', 'severity', 'path', 'line', 'column', 'redacted', 'fingerprint']),
      );
    }
    expectNoPlantedSecret(run.stdout, run.stderr);
  });

  it('writes SARIF 2.1.0 to --output without any secret, and nothing to stdout', () => {
    const output = join(workspace, 'scan.sarif');
    const run = vigil(['scan', '--format', 'sarif', '--output', output, 'repo']);
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    const sarif = readFileSync(output, 'utf8');
    expect(JSON.parse(sarif)).toMatchObject({ version: '2.1.0', runs: [{ tool: { driver: { name: 'Vigil' } } }] });
    expectNoPlantedSecret(sarif, run.stderr);
  });

  it('suppresses everything in a baseline taken from an earlier JSON report', () => {
    const baseline = join(workspace, 'baseline.json');
    expect(vigil(['scan', '--format', 'json', '--output', baseline, 'repo']).status).toBe(1);
    const run = vigil(['scan', '--baseline', baseline, 'repo']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('No secrets found');
  });

  it('scans standard input with -', () => {
    const token = new SecretFactory(92).npmToken();
    planted.push(token);
    const run = vigil(['scan', '--format', 'json', '-'], { input: `npm config set //registry.npmjs.org/:_authToken=${token}\n` });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).findings).toEqual([expect.objectContaining({ ruleId: 'npm-access-token', path: '<stdin>', line: 1 })]);
    expectNoPlantedSecret(run.stdout, run.stderr);
  });

  it('exits 0 on a clean folder', () => {
    const run = vigil(['scan', 'clean']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('No secrets found in 1 file(s)');
  });

  it('exits 2 with one line naming the problem for usage and I/O errors, echoing no secret', () => {
    const missing = vigil(['scan', 'no-such-folder']);
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim()).toBe('vigil: cannot read no-such-folder: no such file or directory');
    const format = vigil(['scan', '--format', 'xml', 'repo']);
    expect(format.status).toBe(2);
    expect(format.stderr).toContain('--format must be one of: text, json, sarif');
    const badBaseline = join(workspace, 'not-a-baseline.json');
    writeFileSync(badBaseline, JSON.stringify({ token: planted[0] }));
    const baseline = vigil(['scan', '--baseline', badBaseline, 'repo']);
    expect(baseline.status).toBe(2);
    expect(baseline.stderr).toContain('is not a Vigil baseline');
    const confidence = vigil(['scan', '--min-confidence', 'certain', 'repo']);
    expect(confidence.status).toBe(2);
    expectNoPlantedSecret(missing.stderr, format.stderr, baseline.stderr, confidence.stderr);
  });

  it('lists the rules with --rules and adds custom rules from --rules FILE', () => {
    const list = vigil(['scan', '--rules']);
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('azure-devops-pat');
    expect(list.stdout).toContain('private-key');
    const rulesFile = join(workspace, 'rules.json');
    writeFileSync(
      rulesFile,
      JSON.stringify({
        rules: [
          {
            id: 'acme-token',
            title: 'Acme token',
            severity: 'high',
            confidence: 'high',
            keywords: ['acme_'],
            pattern: 'acme_[a-z0-9]{24}',
            remediation: 'Revoke it.',
          },
        ],
      }),
    );
    const run = vigil(['scan', '--rules', rulesFile, '-'], { input: `ACME=acme_${'q3'.repeat(12)}\n` });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('acme-token');
    const broken = join(workspace, 'broken-rules.json');
    writeFileSync(
      broken,
      JSON.stringify({
        rules: [{ id: 'slow', title: 'Slow', severity: 'low', confidence: 'low', keywords: ['aa'], pattern: '(a+)+b', remediation: 'x' }],
      }),
    );
    const refused = vigil(['scan', '--rules', broken, 'clean']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('unbounded quantifier');
  });

  it('creates the fingerprint key file on first use and gives stable fingerprints across runs', () => {
    const first = JSON.parse(vigil(['scan', '--format', 'json', 'repo/src']).stdout) as { findings: { fingerprint: string }[] };
    const second = JSON.parse(vigil(['scan', '--format', 'json', 'repo/src']).stdout) as { findings: { fingerprint: string }[] };
    expect(existsSync(join(dataDir, 'fingerprint.key'))).toBe(true);
    expect(second.findings.map((finding) => finding.fingerprint)).toEqual(first.findings.map((finding) => finding.fingerprint));
  });
});
