import { join } from 'node:path';
import { ConfigurationError } from '../../errors';
import { createEnvironmentVault, environmentVariableFor } from '../environmentVault';
import type { ManagedVault } from '../managedVault';
import { registerVaultValue } from '../scrubRegistration';
import { assertValidSecretName, assertValidSecretValue } from '../secretRules';
import { assertKeyMatches, newVaultFile, openSecret, readVaultFile, sealSecret, writeVaultFile } from './localVaultFile';
import { loadVaultKey, type VaultKey, vaultKeyFileName, vaultKeyVariable } from './localVaultKey';

export const vaultFileName = 'vault.json';

export interface LocalVaultOptions {
  /** `VIGIL_DATA_DIR`, resolved: the vault is `<dataDir>/vault.json`, its key `<dataDir>/vault.key`. */
  dataDir: string;
  /** Where `VIGIL_VAULT_KEY` and the read-only fallback variables are read; process.env by default. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The vault for `npm start` and the CLI without Azure: secrets sealed in `<dataDir>/vault.json`,
 * with environment variables (`VIGIL_SECRET_<NAME>`, `VIGIL_HOOK_SECRET_<SOURCE>`) as a read-only
 * fallback for secrets the file does not hold. Names are case-insensitive, as in Key Vault.
 */
export function createLocalVault(options: LocalVaultOptions): ManagedVault {
  const env = options.env ?? process.env;
  const path = join(options.dataDir, vaultFileName);
  const environment = createEnvironmentVault(env);
  const location = { dataDir: options.dataDir, env };
  let knownKey: VaultKey | undefined;
  // Writes within this process take turns, so two `setSecret` calls cannot drop each other's entry.
  let writing: Promise<unknown> = Promise.resolve();

  const requireKey = async (): Promise<VaultKey> => {
    knownKey ??= await loadVaultKey(location, false);
    if (knownKey) return knownKey;
    throw new ConfigurationError(
      `${path} exists but its key does not: set ${vaultKeyVariable} to the key that wrote it, or restore ${join(options.dataDir, vaultKeyFileName)}`,
    );
  };

  const createKeyIfMissing = async (): Promise<VaultKey> => {
    knownKey ??= await loadVaultKey(location, true);
    return knownKey;
  };

  const exclusively = <T>(change: () => Promise<T>): Promise<T> => {
    const result = writing.then(change);
    writing = result.catch(() => undefined);
    return result;
  };

  return {
    description: `local vault ${path}`,

    async getSecret(name) {
      assertValidSecretName(name);
      const canonical = name.toLowerCase();
      const file = await readVaultFile(path);
      // hasOwn, not `in` or indexing: 'constructor' is a valid secret name and every object has one.
      if (!file || !Object.hasOwn(file.secrets, canonical)) return environment.getSecret(canonical);
      const sealed = file.secrets[canonical];
      const { key, source } = await requireKey();
      assertKeyMatches(file, key, path, source);
      const value = openSecret(key, canonical, sealed, path);
      // The cache registers too; doing it here as well keeps the adapter safe when used on its own.
      registerVaultValue(value);
      return value;
    },

    async setSecret(name, value) {
      assertValidSecretName(name);
      assertValidSecretValue(name, value);
      const canonical = name.toLowerCase();
      return exclusively(async () => {
        const existing = await readVaultFile(path);
        const { key, source } = existing ? await requireKey() : await createKeyIfMissing();
        const file = existing ?? newVaultFile(key);
        assertKeyMatches(file, key, path, source);
        file.secrets[canonical] = sealSecret(key, canonical, value);
        await writeVaultFile(path, file);
      });
    },

    async listSecretNames() {
      const file = await readVaultFile(path);
      return file ? Object.keys(file.secrets).sort() : [];
    },

    async deleteSecret(name) {
      assertValidSecretName(name);
      const canonical = name.toLowerCase();
      return exclusively(async () => {
        const file = await readVaultFile(path);
        if (!file || !Object.hasOwn(file.secrets, canonical)) return false;
        // No key needed: removing an entry must work even when that entry is the damaged one.
        delete file.secrets[canonical];
        await writeVaultFile(path, file);
        return true;
      });
    },
  };
}

/** For messages: the variable the read-only fallback reads for this secret. */
export function fallbackVariableFor(name: string): string {
  return environmentVariableFor(name.toLowerCase());
}
