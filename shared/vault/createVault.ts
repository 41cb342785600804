import type { TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import type { Clock } from '../clock';
import type { VigilConfig } from '../config';
import { createCachedVault, type VaultCacheOptions } from './cachedVault';
import { createKeyVault } from './keyVault/keyVault';
import { createLocalVault } from './local/localVault';
import type { ManagedVault } from './managedVault';

export type VaultConfig = Pick<VigilConfig, 'vaultBackend' | 'dataDir' | 'environment'>;

export interface VaultFactoryOptions {
  clock?: Clock;
  /** For VIGIL_VAULT_KEY, AZURE_CLIENT_ID and the local vault's environment fallback; process.env by default. */
  env?: NodeJS.ProcessEnv;
  cache?: Omit<VaultCacheOptions, 'clock'>;
  /** Key Vault only: a credential other than DefaultAzureCredential, and SecretClient options (tests). */
  credential?: TokenCredential;
  keyVaultClientOptions?: SecretClientOptions;
}

/**
 * The app's vault: Key Vault when KEY_VAULT_URL is set, the local encrypted file otherwise, always
 * behind the cache, which is also what registers every value with the logger's scrubber.
 */
export function createVault(config: VaultConfig, options: VaultFactoryOptions = {}): ManagedVault {
  const env = options.env ?? process.env;
  const vaultUrl = config.environment.KEY_VAULT_URL;
  const inner =
    config.vaultBackend === 'key-vault' && vaultUrl
      ? createKeyVault({ vaultUrl, credential: options.credential, env, clientOptions: options.keyVaultClientOptions })
      : createLocalVault({ dataDir: config.dataDir, env });
  return createCachedVault(inner, { ...options.cache, clock: options.clock });
}
