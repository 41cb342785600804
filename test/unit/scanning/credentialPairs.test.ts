import { describe, expect, it } from 'vitest';
import { createScanner } from '../../../shared/scanning';
import { SeededExampleMaker } from '../../../shared/scanning/rules/ruleExamples';

/** A key id and its secret are one credential: one finding, both halves redacted, even a few lines apart. */
const scanner = createScanner({ fingerprintKey: Buffer.from('pairs-test-fingerprint-key-00000') });
const make = new SeededExampleMaker(42);
const awsId = () => `AKIA${make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`;
const awsSecret = () => make.characters('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+', 40);

describe('credential pairs', () => {
  it('reports an AWS access key id and its secret key as one finding with both halves redacted', () => {
    const id = awsId();
    const secret = awsSecret();
    const text = ['[default]', `aws_access_key_id = ${id}`, `aws_secret_access_key = ${secret}`, 'region = eu-west-1'].join('\n');
    const findings = scanner.scanText(text, { path: 'credentials' });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ ruleId: 'aws-secret-access-key', line: 3, pair: { kind: 'aws-access-key-id', line: 2 } });
    expect(findings[0].pair?.redacted.startsWith('AKIA')).toBe(true);
    const printed = JSON.stringify(findings);
    expect(printed).not.toContain(id);
    expect(printed).not.toContain(secret);
  });

  it('pairs them when the secret comes first and three lines lie between', () => {
    const text = [
      `"SecretAccessKey": "${awsSecret()}",`,
      '"Region": "eu-west-1",',
      '"Bucket": "drops",',
      '"Profile": "deploy",',
      `"AccessKeyId": "${awsId()}"`,
    ].join('\n');
    const findings = scanner.scanText(text, { path: 'aws.json' });
    expect(findings.map((finding) => [finding.ruleId, finding.line, finding.pair?.line])).toEqual([['aws-secret-access-key', 1, 5]]);
  });

  it('reads a 40-character secret next to an AWS key id as its secret key, whatever name it has (Jenkins credentials.xml)', () => {
    const text = [`<accessKey>${awsId()}</accessKey>`, `<secretKey>${awsSecret()}</secretKey>`].join('\n');
    const [finding, ...rest] = scanner.scanText(text, { path: 'credentials.xml' });
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ ruleId: 'aws-secret-access-key', line: 2, pair: { kind: 'aws-access-key-id', line: 1 } });
  });

  it('keeps an id and a secret apart when more than four lines separate them', () => {
    const text = [`aws_access_key_id = ${awsId()}`, '', '', '', '', '', `aws_secret_access_key = ${awsSecret()}`].join('\n');
    const findings = scanner.scanText(text, { path: 'credentials' });
    expect(findings.map((finding) => [finding.ruleId, finding.pair])).toEqual([
      ['aws-access-key-id', undefined],
      ['aws-secret-access-key', undefined],
    ]);
  });

  it('reports a client id with its client secret, an account name with its key and a user name with its password', () => {
    const clientId = make.guid();
    const text = [
      `AZURE_CLIENT_ID=${clientId}`,
      `AZURE_CLIENT_SECRET=${make.entraClientSecret()}`,
      '',
      `az storage blob list --account-name contosodata --account-key ${make.identifiableKey(64, '+ASt', 'Default0')}`,
      '',
      `docker login contoso.azurecr.io -u contoso -p ${make.alphanumeric(20)}`,
    ].join('\n');
    const findings = scanner.scanText(text, { path: 'deploy.sh' });
    expect(findings.map((finding) => [finding.ruleId, finding.pair?.kind, finding.pair?.line])).toEqual([
      ['azure-entra-client-secret', 'client-id', 1],
      ['azure-storage-account-key', 'account-name', 4],
      ['docker-login-password', 'user-name', 6],
    ]);
    expect(JSON.stringify(findings)).not.toContain(clientId);
  });

  it('keeps the fingerprint of the secret alone, so baselines do not depend on the id being seen', () => {
    const secret = awsSecret();
    const alone = scanner.scanText(`aws_secret_access_key = ${secret}`, { path: 'a' })[0];
    const paired = scanner.scanText(`aws_access_key_id = ${awsId()}\naws_secret_access_key = ${secret}`, { path: 'a' })[0];
    expect(paired.pair).toBeDefined();
    expect(paired.fingerprint).toBe(alone.fingerprint);
  });

  it('streams: a pair split across chunks is still one finding, and nothing is lost at the end', async () => {
    const id = awsId();
    const secret = awsSecret();
    async function* chunks() {
      yield `aws_access_key_id = ${id}\n`;
      yield 'region = eu-west-1\n';
      yield `aws_secret_access_key = ${secret}`;
    }
    const findings = [];
    for await (const finding of scanner.scanStream(chunks(), { path: '<stdin>' })) findings.push(finding);
    expect(findings.map((finding) => [finding.ruleId, finding.pair?.line])).toEqual([['aws-secret-access-key', 1]]);
  });
});

describe('what a finding rests on (evidence)', () => {
  it('is checksum for a checksum-verified token, format for a vendor format without one, generic for the catch-all', () => {
    const text = [
      `key = ${make.identifiableKey(64, '+ASt', 'Default0')}`,
      `SHIPPO_API_KEY=shippo_live_${make.hex(40)}`,
      `DB_PASSWORD=${make.alphanumeric(12)}!${make.alphanumeric(4)}`,
    ].join('\n');
    expect(scanner.scanText(text, { path: 'settings.env' }).map((finding) => [finding.ruleId, finding.evidence])).toEqual([
      ['azure-storage-account-key', 'checksum'],
      ['shippo-api-token', 'format'],
      ['generic-secret-assignment', 'generic'],
    ]);
  });

  it('upgrades a legacy Azure DevOps PAT and an Entra client secret to checksum evidence when their checksum holds', () => {
    const pat = make.legacyAzureDevOpsPat();
    const broken = `${pat.slice(0, 20)}${pat[20] === 'a' ? 'b' : 'a'}${pat.slice(21)}`;
    const secret = make.entraClientSecret();
    const brokenSecret = `${secret.slice(0, -1)}${secret.endsWith('a') ? 'b' : 'a'}`;
    const summary = (text: string) =>
      scanner.scanText(text, { path: 'x' }).map((finding) => [finding.ruleId, finding.evidence, finding.confidence]);
    expect(summary(`AZURE_DEVOPS_EXT_PAT=${pat}`)).toEqual([['azure-devops-pat-legacy', 'checksum', 'high']]);
    expect(summary(`AZURE_DEVOPS_EXT_PAT=${broken}`)).toEqual([['azure-devops-pat-legacy', 'format', 'medium']]);
    expect(summary(`secret: ${secret}`)).toEqual([['azure-entra-client-secret', 'checksum', 'high']]);
    expect(summary(`secret: ${brokenSecret}`)).toEqual([['azure-entra-client-secret', 'format', 'high']]);
  });
});
