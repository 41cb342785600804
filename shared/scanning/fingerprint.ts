import { createHmac, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../errors';

/**
 * A secret's identity without the secret: HMAC-SHA256 under the installation's key. The same
 * secret gets the same fingerprint in every file, log and run (so baselines and risks match), but
 * nobody without the key can test a guess against it.
 */
export function fingerprintSecret(secret: string, key: Buffer): string {
  return createHmac('sha256', key).update(secret, 'utf8').digest('hex');
}

export const fingerprintKeyFileName = 'fingerprint.key';
const minimumKeyLength = 16;

/**
 * The key comes from `VIGIL_FINGERPRINT_KEY`, or from `<dataDir>/fingerprint.key`, created with
 * 32 random bytes and mode 0600 the first time it is needed.
 */
export function resolveFingerprintKey(options: { environmentKey?: string; dataDir: string }): Buffer {
  if (options.environmentKey !== undefined && options.environmentKey !== '') {
    if (options.environmentKey.length < minimumKeyLength) {
      throw new ConfigurationError(
        `VIGIL_FINGERPRINT_KEY is too short (${options.environmentKey.length} characters): use at least ${minimumKeyLength}, e.g. \`openssl rand -hex 32\``,
      );
    }
    return Buffer.from(options.environmentKey, 'utf8');
  }
  const file = join(options.dataDir, fingerprintKeyFileName);
  try {
    return readKeyFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw keyFileError(file, error);
  }
  try {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(file, 0o600);
  } catch (error) {
    // Another process may have created it first; reading it below settles who won.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw keyFileError(file, error);
  }
  try {
    return readKeyFile(file);
  } catch (error) {
    throw keyFileError(file, error);
  }
}

function readKeyFile(file: string): Buffer {
  const text = readFileSync(file, 'utf8').trim();
  if (text.length < minimumKeyLength) {
    throw new ConfigurationError(
      `the fingerprint key file ${file} holds fewer than ${minimumKeyLength} characters: delete it to create a new one, or set VIGIL_FINGERPRINT_KEY`,
    );
  }
  return Buffer.from(text, 'utf8');
}

function keyFileError(file: string, cause: unknown): ConfigurationError {
  if (cause instanceof ConfigurationError) return cause;
  return new ConfigurationError(
    `cannot use the fingerprint key file ${file} (${(cause as Error).message}): check VIGIL_DATA_DIR permissions or set VIGIL_FINGERPRINT_KEY`,
    { cause },
  );
}
