import { ConfigurationError } from '../errors';

/**
 * A secret the app needs is not in the vault.
 *
 * A ConfigurationError rather than a PermanentError: nothing is wrong with the event being handled,
 * and retrying cannot help until an operator sets the secret. `configuration` says exactly that:
 * settlement parks the message with this reason (replayable once the secret exists, `vigil dlq
 * replay`), and the CLI exits 2 with this one line, which names the secret and how to set it.
 */
export class TokenNotFoundError extends ConfigurationError {
  constructor(readonly secretName: string) {
    super(`no secret '${secretName}' in the vault (set it with: vigil secrets set ${secretName}, or in Key Vault)`);
  }
}

/**
 * The local vault file or one of its entries failed authentication: it was edited, truncated, an
 * entry was copied under another name, or the key is not the one that wrote it. Never retried, and
 * never "repaired" by guessing: the operator restores the file or sets the secret again.
 */
export class VaultIntegrityError extends ConfigurationError {}
