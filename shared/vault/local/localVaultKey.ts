import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../../errors';

/**
 * The local vault's AES-256 key: `VIGIL_VAULT_KEY` (base64 of 32 bytes) when set, so a deployment
 * can keep the key apart from the data directory; otherwise `<dataDir>/vault.key`, created on first
 * write with mode 0600 so only the owner can read it.
 */
export const vaultKeyBytes = 32;
export const vaultKeyVariable = 'VIGIL_VAULT_KEY';
export const vaultKeyFileName = 'vault.key';

export interface VaultKey {
  key: Buffer;
  /** For messages: which key the vault is using. */
  source: string;
}

export interface VaultKeyLocation {
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

/** The key; without `create`, undefined when there is none yet (nothing was ever written). */
export async function loadVaultKey(location: VaultKeyLocation, create: true): Promise<VaultKey>;
export async function loadVaultKey(location: VaultKeyLocation, create: false): Promise<VaultKey | undefined>;
export async function loadVaultKey(location: VaultKeyLocation, create: boolean): Promise<VaultKey | undefined> {
  const fromEnvironment = location.env[vaultKeyVariable];
  if (fromEnvironment !== undefined && fromEnvironment !== '') {
    return { key: decodeKey(fromEnvironment, vaultKeyVariable), source: vaultKeyVariable };
  }
  const path = join(location.dataDir, vaultKeyFileName);
  const existing = await readKeyFile(path);
  if (existing || !create) return existing;
  return createKeyFile(location.dataDir, path);
}

async function readKeyFile(path: string): Promise<VaultKey | undefined> {
  let text: string;
  try {
    await assertOwnerOnly(path);
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  return { key: decodeKey(text.trim(), path), source: path };
}

async function createKeyFile(dataDir: string, path: string): Promise<VaultKey> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(vaultKeyBytes);
  // Written whole under a temporary name, then linked into place: link fails if the name exists, so
  // two processes creating the key at once agree on one, and nobody ever reads a half-written key.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await fs.open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.link(temporary, path);
  } catch (error) {
    if (!isAlreadyThere(error)) throw error;
    const winner = await readKeyFile(path);
    if (!winner) throw error;
    return winner;
  } finally {
    await fs.rm(temporary, { force: true });
  }
  return { key, source: path };
}

function decodeKey(text: string, source: string): Buffer {
  const decoded = /^[A-Za-z0-9+/]+={0,2}$/.test(text) ? Buffer.from(text, 'base64') : Buffer.alloc(0);
  if (decoded.length !== vaultKeyBytes) {
    throw new ConfigurationError(`${source} must hold a ${vaultKeyBytes}-byte key in base64 (make one with: openssl rand -base64 32)`);
  }
  return decoded;
}

/** Like ssh with its private keys: a key file others can read is refused rather than silently used. */
async function assertOwnerOnly(path: string): Promise<void> {
  if (process.platform === 'win32') return; // POSIX modes mean nothing there; NTFS ACLs protect the profile.
  const { mode } = await fs.stat(path);
  if ((mode & 0o077) !== 0) {
    throw new ConfigurationError(`${path} can be read by other users (mode ${(mode & 0o777).toString(8)}): run chmod 600 ${path}`);
  }
}

export function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function isAlreadyThere(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EEXIST';
}
