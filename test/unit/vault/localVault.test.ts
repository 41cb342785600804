import { randomBytes } from 'node:crypto';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../../shared/errors';
import { VaultIntegrityError } from '../../../shared/vault/errors';
import { createLocalVault } from '../../../shared/vault/local/localVault';
import { InvalidSecretNameError } from '../../../shared/vault/secretRules';

const token = () => `tok-${randomBytes(18).toString('base64url')}`;
let dataDir: string;
const vaultPath = () => join(dataDir, 'vault.json');
const keyPath = () => join(dataDir, 'vault.key');
const readJson = async () =>
  JSON.parse(await fs.readFile(vaultPath(), 'utf8')) as { secrets: Record<string, { iv: string; tag: string; data: string }> };
const writeJson = (value: unknown) => fs.writeFile(vaultPath(), JSON.stringify(value));

beforeEach(() => {
  dataDir = join(mkdtempSync(join(tmpdir(), 'vigil-local-vault-')), '.vigil');
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(join(dataDir, '..'), { recursive: true, force: true });
});

describe('local vault', () => {
  it('round-trips secrets, with names case-insensitive as in Key Vault', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    const a = token();
    const b = token();
    await vault.setSecret('ado-pat-contoso', a);
    await vault.setSecret('GitHub-Token', b);
    expect(await vault.getSecret('ado-pat-contoso')).toBe(a);
    expect(await vault.getSecret('github-token')).toBe(b);
    expect(await vault.listSecretNames()).toEqual(['ado-pat-contoso', 'github-token']);

    // A second instance (another process) reads what the first wrote.
    expect(await createLocalVault({ dataDir, env: {} }).getSecret('ADO-PAT-CONTOSO')).toBe(a);
  });

  it('never writes the plaintext (nor its base64) to disk, and seals each value with its own IV', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    const value = token();
    await vault.setSecret('one', value);
    await vault.setSecret('two', value);
    const text = await fs.readFile(vaultPath(), 'utf8');
    expect(text).not.toContain(value);
    expect(text).not.toContain(Buffer.from(value).toString('base64'));
    const { secrets } = await readJson();
    expect(secrets.one.iv).not.toBe(secrets.two.iv);
    expect(secrets.one.data).not.toBe(secrets.two.data);
    expect(Buffer.from(secrets.one.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(secrets.one.tag, 'base64')).toHaveLength(16);
  });

  it('detects a modified value', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    await vault.setSecret('ado-pat-contoso', token());
    const file = await readJson();
    const data = Buffer.from(file.secrets['ado-pat-contoso'].data, 'base64');
    data[0] ^= 0x01;
    file.secrets['ado-pat-contoso'].data = data.toString('base64');
    await writeJson(file);

    const failure = await vault.getSecret('ado-pat-contoso').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(VaultIntegrityError);
    expect((failure as Error).message).toMatch(/secret 'ado-pat-contoso' in .*vault\.json failed its integrity check/);
    expect((failure as Error).message).toContain('vigil secrets set ado-pat-contoso');
  });

  it('detects an entry copied under another name (the name is authenticated data)', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    await vault.setSecret('low-privilege', token());
    await vault.setSecret('high-privilege', token());
    const file = await readJson();
    file.secrets['high-privilege'] = file.secrets['low-privilege'];
    await writeJson(file);
    await expect(vault.getSecret('high-privilege')).rejects.toBeInstanceOf(VaultIntegrityError);
  });

  it('refuses a truncated tag, a non-JSON file and a key that did not write the file', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    await vault.setSecret('ado-pat-contoso', token());
    const original = await fs.readFile(vaultPath(), 'utf8');

    const file = await readJson();
    file.secrets['ado-pat-contoso'].tag = Buffer.from(file.secrets['ado-pat-contoso'].tag, 'base64').subarray(0, 4).toString('base64');
    await writeJson(file);
    await expect(vault.getSecret('ado-pat-contoso')).rejects.toBeInstanceOf(VaultIntegrityError);

    await fs.writeFile(vaultPath(), original.slice(0, original.length / 2));
    await expect(vault.getSecret('ado-pat-contoso')).rejects.toThrow(/is not a readable vault file \(it is not JSON\)/);

    await fs.writeFile(vaultPath(), original);
    const otherKey = createLocalVault({ dataDir, env: { VIGIL_VAULT_KEY: randomBytes(32).toString('base64') } });
    await expect(otherKey.getSecret('ado-pat-contoso')).rejects.toThrow(/written with another key/);
    // ...and it must not add entries sealed under a second key either.
    await expect(otherKey.setSecret('another', token())).rejects.toBeInstanceOf(VaultIntegrityError);
    expect(await fs.readFile(vaultPath(), 'utf8')).toBe(original);
  });

  it('creates the key file with mode 0600 on first write, not on reads', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    expect(await vault.getSecret('ado-pat-contoso')).toBeUndefined();
    await expect(fs.stat(keyPath())).rejects.toMatchObject({ code: 'ENOENT' });

    await vault.setSecret('ado-pat-contoso', token());
    const key = await fs.stat(keyPath());
    expect(key.mode & 0o777).toBe(0o600);
    expect((await fs.stat(vaultPath())).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await fs.readFile(keyPath(), 'utf8')).trim(), 'base64')).toHaveLength(32);
  });

  it('refuses a key file other users can read, and a vault file whose key is gone', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    await vault.setSecret('ado-pat-contoso', token());
    await fs.chmod(keyPath(), 0o644);
    await expect(createLocalVault({ dataDir, env: {} }).getSecret('ado-pat-contoso')).rejects.toThrow(/chmod 600/);

    await fs.rm(keyPath());
    const failure = await createLocalVault({ dataDir, env: {} })
      .getSecret('ado-pat-contoso')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigurationError);
    expect((failure as Error).message).toContain('exists but its key does not: set VIGIL_VAULT_KEY');
  });

  it('uses VIGIL_VAULT_KEY when set (no key file), and rejects a malformed one', async () => {
    const env = { VIGIL_VAULT_KEY: randomBytes(32).toString('base64') };
    const value = token();
    await createLocalVault({ dataDir, env }).setSecret('ado-pat-contoso', value);
    await expect(fs.stat(keyPath())).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await createLocalVault({ dataDir, env }).getSecret('ado-pat-contoso')).toBe(value);

    const short = createLocalVault({ dataDir, env: { VIGIL_VAULT_KEY: randomBytes(16).toString('base64') } });
    await expect(short.getSecret('ado-pat-contoso')).rejects.toThrow(/VIGIL_VAULT_KEY must hold a 32-byte key in base64/);
  });

  it('falls back to environment variables for reads only', async () => {
    const fromEnv = token();
    const hook = token();
    const env = { VIGIL_SECRET_ADO_PAT_CONTOSO: fromEnv, VIGIL_HOOK_SECRET_GITHUB: hook };
    const vault = createLocalVault({ dataDir, env });
    expect(await vault.getSecret('ado-pat-contoso')).toBe(fromEnv);
    expect(await vault.getSecret('hooks-github')).toBe(hook);
    expect(await vault.listSecretNames()).toEqual([]);
    expect(await vault.deleteSecret('ado-pat-contoso')).toBe(false);
    expect(env.VIGIL_SECRET_ADO_PAT_CONTOSO).toBe(fromEnv);

    // The file wins over the environment once it holds the secret, and deleting it uncovers the fallback.
    const stored = token();
    await vault.setSecret('ado-pat-contoso', stored);
    expect(await vault.getSecret('ado-pat-contoso')).toBe(stored);
    expect(await vault.deleteSecret('ado-pat-contoso')).toBe(true);
    expect(await vault.getSecret('ado-pat-contoso')).toBe(fromEnv);
  });

  it('replaces the file atomically: a failed write leaves the old file whole and no temporary behind', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    const kept = token();
    await vault.setSecret('kept', kept);
    const before = await fs.readFile(vaultPath(), 'utf8');

    const rename = vi.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('disk full'), { code: 'ENOSPC' }));
    await expect(vault.setSecret('lost', token())).rejects.toThrow('disk full');
    expect(rename).toHaveBeenCalledOnce();

    expect(await fs.readFile(vaultPath(), 'utf8')).toBe(before);
    expect((await fs.readdir(dataDir)).sort()).toEqual(['vault.json', 'vault.key']);
    expect(await vault.getSecret('kept')).toBe(kept);
    expect(await vault.getSecret('lost')).toBeUndefined();
  });

  it('keeps every entry when writes overlap in one process', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    const names = Array.from({ length: 8 }, (_, i) => `secret-${i}`);
    await Promise.all(names.map((name) => vault.setSecret(name, token())));
    expect(await vault.listSecretNames()).toEqual(names);
  });

  it("treats 'constructor' and friends as ordinary names", async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    await vault.setSecret('other', token());
    expect(await vault.getSecret('constructor')).toBeUndefined();
    expect(await vault.deleteSecret('toString')).toBe(false);
    const value = token();
    await vault.setSecret('constructor', value);
    expect(await vault.getSecret('constructor')).toBe(value);
  });

  it('refuses invalid names and empty values', async () => {
    const vault = createLocalVault({ dataDir, env: {} });
    await expect(vault.setSecret('../../etc/passwd', token())).rejects.toBeInstanceOf(InvalidSecretNameError);
    await expect(vault.getSecret('__proto__')).rejects.toBeInstanceOf(InvalidSecretNameError);
    await expect(vault.setSecret('ado-pat', '')).rejects.toThrow(/empty value for secret 'ado-pat'/);
  });
});
