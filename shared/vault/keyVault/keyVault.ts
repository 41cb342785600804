import type { TokenCredential } from '@azure/identity';
import type { SecretClientOptions } from '@azure/keyvault-secrets';
import { ConfigurationError } from '../../errors';
import type { ManagedVault } from '../managedVault';
import { registerVaultValue } from '../scrubRegistration';
import { assertValidSecretName, assertValidSecretValue } from '../secretRules';
import { isNotFound, type KeyVaultAction, keyVaultFailure } from './keyVaultFailure';

/** Key Vault refuses larger values; checked here so the operator gets a sentence, not a 400. */
const maxValueBytes = 25 * 1024;

export interface KeyVaultOptions {
  /** `KEY_VAULT_URL`, e.g. https://vigil-prod.vault.azure.net */
  vaultUrl: string;
  /** Defaults to DefaultAzureCredential (managed identity in Azure, `az login` locally). */
  credential?: TokenCredential;
  /** Where `AZURE_CLIENT_ID` (a user-assigned managed identity) is read; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /**
   * Passed to SecretClient. Tests use it for the loopback server's CA and to switch off challenge
   * resource verification; production passes nothing, keeping the SDK's defaults (retries included).
   */
  clientOptions?: SecretClientOptions;
}

/**
 * The vault in Azure: secrets in Key Vault through the SDK's `SecretClient`, which answers the
 * vault's 401 login challenge with a token from the credential. A missing secret reads as
 * undefined (the port's contract: `requireSecret` turns it into TokenNotFoundError); every other
 * failure becomes a typed error that says what to fix.
 */
export function createKeyVault(options: KeyVaultOptions): ManagedVault {
  const vaultUrl = validVaultUrl(options.vaultUrl);
  const credential = options.credential ?? defaultCredential(options.env ?? process.env);
  const { SecretClient } = loadSecretsSdk();
  const client = new SecretClient(vaultUrl, credential, options.clientOptions);

  const call = async <T>(action: KeyVaultAction, name: string | undefined, operation: () => Promise<T>): Promise<T> => {
    try {
      return await operation();
    } catch (error) {
      throw keyVaultFailure(error, action, name, vaultUrl);
    }
  };

  return {
    description: `Key Vault ${vaultUrl}`,

    async getSecret(name) {
      assertValidSecretName(name);
      try {
        const { value } = await client.getSecret(name);
        // The cache registers too; doing it here as well keeps the adapter safe when used on its own.
        if (value !== undefined) registerVaultValue(value);
        return value;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw keyVaultFailure(error, 'get', name, vaultUrl);
      }
    },

    async setSecret(name, value) {
      assertValidSecretName(name);
      assertValidSecretValue(name, value);
      if (Buffer.byteLength(value, 'utf8') > maxValueBytes) {
        throw new ConfigurationError(`secret '${name}' is larger than Key Vault's limit of ${maxValueBytes} bytes`);
      }
      await call('set', name, () => client.setSecret(name, value));
    },

    async listSecretNames() {
      return call('list', undefined, async () => {
        const names: string[] = [];
        for await (const properties of client.listPropertiesOfSecrets()) {
          // Certificate-backed secrets (managed) are Key Vault's, not tokens an operator set.
          if (!properties.managed) names.push(properties.name);
        }
        return names.sort();
      });
    },

    async deleteSecret(name) {
      assertValidSecretName(name);
      try {
        // The first poll sends the DELETE; waiting for soft-deletion to finish would add nothing the
        // caller needs (the secret is unreadable at once) and poll every 2 s.
        await client.beginDeleteSecret(name);
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw keyVaultFailure(error, 'delete', name, vaultUrl);
      }
    },
  };
}

/*
 * The Azure SDKs are loaded when a Key Vault adapter is made, not when this module is: they take
 * most of a second to load, which every `vigil` command (they all reach createVault's module) would
 * otherwise pay, even with the local vault.
 */
function loadSecretsSdk(): typeof import('@azure/keyvault-secrets') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@azure/keyvault-secrets') as typeof import('@azure/keyvault-secrets');
}

function defaultCredential(env: NodeJS.ProcessEnv): TokenCredential {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
  const clientId = env.AZURE_CLIENT_ID;
  // A user-assigned managed identity must be named; with none, the system-assigned one is used.
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

function validVaultUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`KEY_VAULT_URL '${value}' is not a URL: use the vault's URI, https://<name>.vault.azure.net`);
  }
  if (url.protocol !== 'https:') {
    throw new ConfigurationError(`KEY_VAULT_URL '${value}' must use https: tokens and secrets never travel in clear text`);
  }
  return url.origin;
}
