import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { VaultIntegrityError } from '../errors';
import { isValidSecretName } from '../secretRules';

/**
 * The local vault file: one JSON document whose every value is sealed with AES-256-GCM under its
 * own random 96-bit IV. The secret's name is the additional authenticated data, so an entry copied
 * under another name fails to open instead of handing one token out as another; a sealed canary
 * (`keyCheck`) tells "wrong key" apart from "damaged entry".
 */
const cipherName = 'aes-256-gcm';
const ivBytes = 12;
const tagBytes = 16;
const keyCheckText = 'vigil-local-vault-key-check';
const keyCheckContext = 'vigil-local-vault/v1/key-check';
const secretContext = (name: string) => `vigil-local-vault/v1/secret/${name}`;

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const sealedSchema = z.strictObject({ iv: base64, tag: base64, data: base64 });
const fileSchema = z.strictObject({
  format: z.literal('vigil-local-vault'),
  version: z.literal(1),
  cipher: z.literal(cipherName),
  keyCheck: sealedSchema,
  secrets: z.record(z.string(), sealedSchema),
});

export type Sealed = z.infer<typeof sealedSchema>;
export type VaultFile = z.infer<typeof fileSchema>;

export function newVaultFile(key: Buffer): VaultFile {
  return {
    format: 'vigil-local-vault',
    version: 1,
    cipher: cipherName,
    keyCheck: seal(key, keyCheckText, keyCheckContext),
    secrets: {},
  };
}

/** The parsed file, or undefined when there is none yet. */
export async function readVaultFile(path: string): Promise<VaultFile | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw damaged(path, 'it is not JSON');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw damaged(path, `unexpected content at '${parsed.error.issues[0].path.join('.')}'`);
  const bad = Object.keys(parsed.data.secrets).find((name) => !isValidSecretName(name) || name !== name.toLowerCase());
  if (bad !== undefined) throw damaged(path, 'it holds an entry with an invalid name');
  return parsed.data;
}

/** Refuses a key that did not write this file, before it is used to read or (worse) add entries. */
export function assertKeyMatches(file: VaultFile, key: Buffer, path: string, keySource: string): void {
  if (open(key, file.keyCheck, keyCheckContext) !== keyCheckText) {
    throw new VaultIntegrityError(
      `cannot open ${path} with the key from ${keySource}: it was written with another key, or the file was modified ` +
        `(use the key that wrote it, or move the file away and set the secrets again)`,
    );
  }
}

export function sealSecret(key: Buffer, name: string, value: string): Sealed {
  return seal(key, value, secretContext(name));
}

export function openSecret(key: Buffer, name: string, sealed: Sealed, path: string): string {
  const value = open(key, sealed, secretContext(name));
  if (value === undefined) {
    throw new VaultIntegrityError(
      `secret '${name}' in ${path} failed its integrity check (the file was modified, or the entry was copied from ` +
        `another name): set it again with: vigil secrets set ${name}`,
    );
  }
  return value;
}

/**
 * Replaces the file atomically: the new content is written and flushed under a temporary name and
 * renamed over the old one, so a crash or a full disk leaves either the old file or the new one,
 * never half of each.
 */
export async function writeVaultFile(path: string, file: VaultFile): Promise<void> {
  const directory = dirname(path);
  await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, path);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
  await syncDirectory(directory);
}

function seal(key: Buffer, plaintext: string, context: string): Sealed {
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv(cipherName, key, iv, { authTagLength: tagBytes });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** The plaintext, or undefined when authentication fails (any bit changed, another name, another key). */
function open(key: Buffer, sealed: Sealed, context: string): string | undefined {
  const iv = Buffer.from(sealed.iv, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  // A shortened tag would weaken the check: accept only the full 16 bytes, and only 12-byte IVs.
  if (iv.length !== ivBytes || tag.length !== tagBytes) return undefined;
  try {
    const decipher = createDecipheriv(cipherName, key, iv, { authTagLength: tagBytes });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

function damaged(path: string, why: string): VaultIntegrityError {
  return new VaultIntegrityError(
    `${path} is not a readable vault file (${why}): restore it from a backup, or move it away and set the secrets again`,
  );
}

/** Makes the rename itself durable; best effort, since some platforms cannot open a directory. */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await fs.open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data itself is already flushed; only the directory entry's durability is at stake.
  }
}
