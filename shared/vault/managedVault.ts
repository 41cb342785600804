import { TokenNotFoundError } from './errors';
import type { Vault } from './port';

/**
 * The vault as operators manage it (`vigil secrets set|list|delete`). Use cases only read, through
 * the `Vault` port; writing is for the CLI and tests.
 */
export interface ManagedVault extends Vault {
  /** Which adapter holds the secrets, for messages: `local vault /path/vault.json`, `Key Vault https://...`. */
  readonly description: string;
  setSecret(name: string, value: string): Promise<void>;
  /** Names only, sorted; values never leave the vault through a listing. */
  listSecretNames(): Promise<string[]>;
  /** True when a secret was deleted, false when there was none with that name. */
  deleteSecret(name: string): Promise<boolean>;
}

/** For callers that cannot go on without the secret: its value, or a TokenNotFoundError naming it and how to set it. */
export async function requireSecret(vault: Vault, name: string): Promise<string> {
  const value = await vault.getSecret(name);
  if (value === undefined) throw new TokenNotFoundError(name);
  return value;
}
