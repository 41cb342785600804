import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createScanner, fingerprintSecret, redactSecret, resolveFingerprintKey } from '../../../shared/scanning';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

describe('redactSecret', () => {
  it('keeps the token prefix and the last four characters behind a fixed row of stars', () => {
    const token = new SecretFactory(71).gitHubToken();
    const preview = redactSecret(token, 4);
    expect(preview).toBe(`ghp_${'*'.repeat(28)}${token.slice(-4)}`);
    expect(preview).not.toContain(token.slice(4, -4));
  });

  it('shows no tail for short secrets and never more than a quarter as prefix', () => {
    expect(redactSecret('hunter22', 4)).toBe('hu******');
    expect(redactSecret('abcdefgh', 0)).toBe('********');
    expect(redactSecret('sk_live_0123456789abcdef', 20)).toBe(`${'sk_live_0123456789abcdef'.slice(0, 6) + '*'.repeat(14)}cdef`);
  });
});

describe('fingerprints', () => {
  const directories: string[] = [];
  afterEach(() => {
    for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
  });

  it('are HMAC-SHA256 of the secret under the key: stable, and different under another key', () => {
    const key = Buffer.from('fingerprint-test-key-0123456789');
    expect(fingerprintSecret('secret-value', key)).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprintSecret('secret-value', key)).toBe(fingerprintSecret('secret-value', key));
    expect(fingerprintSecret('secret-value', Buffer.from('another-key-0123456789abcdef'))).not.toBe(fingerprintSecret('secret-value', key));
  });

  it('use VIGIL_FINGERPRINT_KEY when it is set, and refuse a short one', () => {
    expect(resolveFingerprintKey({ environmentKey: 'k'.repeat(32), dataDir: '/nonexistent' }).toString()).toBe('k'.repeat(32));
    expect(() => resolveFingerprintKey({ environmentKey: 'short', dataDir: '/nonexistent' })).toThrow(/VIGIL_FINGERPRINT_KEY is too short/);
  });

  it('create <dataDir>/fingerprint.key with mode 0600 on first use and reuse it', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'vigil-key-')), 'data');
    directories.push(dataDir);
    const first = resolveFingerprintKey({ dataDir });
    const file = join(dataDir, 'fingerprint.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveFingerprintKey({ dataDir }).equals(first)).toBe(true);
  });

  it('say what to do when the key file is unusable', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-key-'));
    directories.push(dataDir);
    writeFileSync(join(dataDir, 'fingerprint.key'), 'tiny');
    expect(() => resolveFingerprintKey({ dataDir })).toThrow(/delete it to create a new one, or set VIGIL_FINGERPRINT_KEY/);
  });
});

describe('findings', () => {
  it('never carry the secret, in any field', () => {
    const factory = new SecretFactory(72);
    const secrets = [factory.gitHubToken(), factory.azureDevOpsPat(), factory.stripeLiveKey(), factory.password()];
    const text = [
      `GH=${secrets[0]}`,
      `AZURE_DEVOPS_EXT_PAT=${secrets[1]}`,
      `STRIPE_KEY=${secrets[2]}`,
      `db_password: "${secrets[3]}"`,
    ].join('\n');
    const findings = createScanner({ fingerprintKey: Buffer.alloc(32, 7) }).scanText(text, { path: 'leak.env' });
    expect(findings).toHaveLength(4);
    const serialised = JSON.stringify(findings);
    for (const secret of secrets) expect(serialised).not.toContain(secret);
  });
});
