import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../shared/scanning';
import { pipelineTimestamp, SecretFactory } from '../../support/scanning/syntheticSecrets';

const scanner = createScanner({ fingerprintKey: Buffer.from('decoding-test-fingerprint-key-00') });
const scan = (lines: readonly string[]) => scanner.scanText(lines.join('\n'), { path: 'build/42/logs/7' });

describe('Azure Pipelines log lines', () => {
  const factory = new SecretFactory(21);

  it('finds a secret after the timestamp prefix and reports its true column', () => {
    const token = factory.gitHubToken();
    const line = `${pipelineTimestamp(3)}##[command]git push https://x-access-token:${token}@github.com/contoso/app.git`;
    const [finding] = scan(['##[section]Starting: Push', line]);
    expect(finding).toMatchObject({ ruleId: 'github-pat', line: 2, column: line.indexOf(token) + 1 });
  });

  it('sees through ANSI colour codes and keeps the column of the original line', () => {
    const token = factory.npmToken();
    const line = `${pipelineTimestamp(4)}\x1b[32mNPM_TOKEN\x1b[0m=\x1b[1m${token}\x1b[0m`;
    const [finding] = scan([line]);
    expect(finding).toMatchObject({ ruleId: 'npm-access-token', line: 1, column: line.indexOf(token) + 1 });
  });

  it('counts columns in UTF-16 code units when the line has multi-byte characters', () => {
    const token = factory.gitHubToken();
    const line = `✓ déployé 🚀 token=${token}`;
    const [finding] = scan([line]);
    expect(finding.column).toBe(line.indexOf(token) + 1);
  });

  it('follows a PEM private key whose lines each carry a timestamp', () => {
    const pem = factory.privateKeyPem();
    const lines = ['Writing key file', ...pem.map((text, index) => `${pipelineTimestamp(index)}${text}`)];
    const findings = scan(lines);
    expect(findings).toEqual([expect.objectContaining({ ruleId: 'private-key', line: 2, column: pipelineTimestamp(0).length + 1 })]);
    expect(findings[0].redacted.startsWith('-----BEGIN RSA PRIVATE KEY-----')).toBe(true);
  });

  it('finds a private key printed on one line with escaped newlines', () => {
    const pem = new SecretFactory(24).privateKeyPem('EC PRIVATE KEY').join('\\n');
    expect(scan([`KEY="${pem}"`]).map((finding) => finding.ruleId)).toEqual(['private-key']);
  });

  it('does not report a PEM block whose body is too short to be a key', () => {
    expect(scan(['-----BEGIN PRIVATE KEY-----', 'anything', '-----END PRIVATE KEY-----'])).toEqual([]);
  });
});

describe('encoded secrets', () => {
  const factory = new SecretFactory(22);

  it('finds a new-format PAT inside the base64 Basic credential that git prints', () => {
    const pat = factory.azureDevOpsPat();
    const header = Buffer.from(`build:${pat}`).toString('base64');
    const line = `${pipelineTimestamp(1)}git -c http.extraheader="AUTHORIZATION: basic ${header}" fetch --tags origin`;
    const [finding] = scan([line]);
    expect(finding).toMatchObject({ ruleId: 'azure-devops-pat', verified: true, encoding: 'base64', column: line.indexOf(header) + 1 });
  });

  it('finds a legacy 52-character PAT inside a Basic credential', () => {
    const pat = factory.legacyAzureDevOpsPat();
    const header = Buffer.from(`:${pat}`).toString('base64');
    const [finding] = scan([`AUTHORIZATION: basic ${header}`]);
    expect(finding).toMatchObject({ ruleId: 'azure-devops-pat-legacy', encoding: 'base64' });
  });

  it('gives a PAT the same fingerprint in plain text and inside a Basic credential', () => {
    const pat = factory.azureDevOpsPat();
    const [plain] = scan([`AZURE_DEVOPS_EXT_PAT=${pat}`]);
    const [encoded] = scan([`Authorization: Basic ${Buffer.from(`user:${pat}`).toString('base64')}`]);
    expect(encoded.fingerprint).toBe(plain.fingerprint);
  });

  it('finds a token inside base64-encoded JSON', () => {
    const token = factory.gitHubToken();
    const blob = Buffer.from(JSON.stringify({ registry: 'https://npm.pkg.github.com', token })).toString('base64');
    const [finding] = scan([`echo ${blob} | base64 -d > .npmrc`]);
    expect(finding).toMatchObject({ ruleId: 'github-pat', encoding: 'base64' });
  });

  it('finds a percent-encoded Entra ID client secret and points at the encoded text', () => {
    const secret = factory.entraClientSecret();
    const encoded = new URLSearchParams({ s: secret }).toString().slice(2);
    expect(encoded).not.toBe(secret);
    const line = `POST /oauth2/v2.0/token body: client_id=abc&client_secret=${encoded}&grant_type=client_credentials`;
    const [finding] = scan([line]);
    expect(finding).toMatchObject({ ruleId: 'azure-entra-client-secret', encoding: 'url', column: line.indexOf(encoded) + 1 });
  });

  it('finds a percent-encoded password in a database URL', () => {
    const line = `DATABASE_URL=postgres://app:${encodeURIComponent('Zq7#kP!w9vL2@x')}@db.internal:5432/app`;
    expect(scan([line]).map((finding) => finding.ruleId)).toContain('database-url-password');
  });

  it('finds a JSON-escaped Slack webhook, and a service-account key inside doubly escaped JSON (reported once)', () => {
    const webhook = factory.slackWebhookUrl().replace(/\//g, '\\/');
    const pem = factory.privateKeyPem('PRIVATE KEY').join('\\n');
    const findings = scan([
      `{"text":"deploy","url":"${webhook}"}`,
      `"{\\"type\\": \\"service_account\\", \\"private_key\\": \\"${pem}\\\\n\\"}"`,
    ]);
    expect(findings.map((finding) => finding.ruleId)).toEqual(['slack-webhook-url', 'gcp-service-account-key']);
    expect(findings[1].line).toBe(2);
  });
});

describe('values that are not secrets', () => {
  it("ignores Azure Pipelines' *** masks and variable references", () => {
    const lines = [
      'password=***',
      'AZURE_DEVOPS_EXT_PAT=***',
      'password=$(DB_PASSWORD)',
      'client_secret: ${{ secrets.CLIENT_SECRET }}',
      'export API_TOKEN=${API_TOKEN}',
      '$env:ARM_CLIENT_SECRET = $env:SERVICE_PRINCIPAL_SECRET',
      'token=%NUGET_TOKEN%',
      'git -c http.extraheader="AUTHORIZATION: basic ***" fetch',
    ];
    expect(scan(lines)).toEqual([]);
  });

  it('ignores hashes, digests, GUIDs and integrity strings', () => {
    const factory = new SecretFactory(23);
    const hex = (length: number) => factory.characters('0123456789abcdef', length);
    const lines = [
      `HEAD is now at ${hex(40)} Merge pull request 12`,
      `digest: sha256:${hex(64)} size: 1234`,
      `"integrity": "sha512-${Buffer.from(factory.bytes(64)).toString('base64')}"`,
      `correlationId=${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}`,
      `"resolved": "https://registry.npmjs.org/@babel/core/-/core-7.24.0.tgz"`,
      `cache key: npm | "Linux" | ${hex(64)}`,
    ];
    expect(scan(lines)).toEqual([]);
  });

  it('ignores placeholders and documentation examples', () => {
    const lines = [
      'GITHUB_TOKEN=ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
      'api_key: <your-api-key>',
      'password: YOUR_PASSWORD_HERE',
      'token = "changeme"',
      'SLACK_TOKEN=xoxb-xxxxxxxxxxx-xxxxxxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx',
    ];
    expect(scan(lines)).toEqual([]);
  });
});
