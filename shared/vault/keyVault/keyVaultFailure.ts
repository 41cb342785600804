import { ConfigurationError, PermanentError, ThrottledError, TransientError } from '../../errors';
import { scrubSecrets } from '../../logging';

/**
 * Turns what `SecretClient` and `DefaultAzureCredential` throw into the app's error taxonomy, with
 * a message that says what to do. Nothing of the SDK error is kept but its status, codes and the
 * first line of its message (scrubbed): a RestError carries the request, and a PUT's request body
 * is the secret.
 */
export type KeyVaultAction = 'get' | 'set' | 'list' | 'delete';

/** The parts of the SDK's RestError and identity errors that matter here (duck-typed: no transitive imports). */
interface SdkError {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  response?: { headers?: { get(name: string): string | undefined } };
  details?: { error?: { code?: unknown; innerError?: { code?: unknown } } };
}

/** Least-privilege built-in roles: reading needs "Secrets User", managing needs "Secrets Officer". */
const roleFor: Record<KeyVaultAction, string> = {
  get: 'Key Vault Secrets User',
  set: 'Key Vault Secrets Officer',
  list: 'Key Vault Secrets Officer',
  delete: 'Key Vault Secrets Officer',
};
const accessPolicyPermissionFor: Record<KeyVaultAction, string> = { get: 'get', set: 'set', list: 'list', delete: 'delete' };

const tlsCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Whether the SDK answered 404 (the secret does not exist, or not any more). */
export function isNotFound(error: unknown): boolean {
  return (error as SdkError | undefined)?.statusCode === 404;
}

/** The error to throw instead of `error`; anything that is not an SDK failure (a bug, an abort) is returned as is. */
export function keyVaultFailure(error: unknown, action: KeyVaultAction, secretName: string | undefined, vaultUrl: string): unknown {
  if (!error || typeof error !== 'object') return error;
  const e = error as SdkError;
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError') return error;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = stringOr(e.details?.error?.code) ?? stringOr(e.code);
  const innerCode = stringOr(e.details?.error?.innerError?.code);
  const said = scrubSecrets(firstLine(e.message));
  const what = `${action}${secretName ? ` secret '${secretName}'` : ' secrets'}`;
  const answered = `${status}${code ? ` ${code}` : ''}${innerCode ? `/${innerCode}` : ''}`;

  if (name === 'CredentialUnavailableError' || name === 'AggregateAuthenticationError') {
    return new ConfigurationError(
      `no Azure credential to ${what} in Key Vault ${vaultUrl}: in Azure give the app a managed identity ` +
        `(AZURE_CLIENT_ID for a user-assigned one); locally run 'az login' (${said})`,
    );
  }
  if (name === 'AuthenticationError') {
    return status !== undefined && status >= 500
      ? new TransientError(`Entra ID failed to issue a Key Vault token (${status}): ${said}`)
      : new ConfigurationError(`Entra ID refused a token for Key Vault ${vaultUrl}: ${said}`);
  }
  if (/challenge resource .* does not match/i.test(said)) {
    return new ConfigurationError(
      `KEY_VAULT_URL ${vaultUrl} is not a Key Vault address the vault's login challenge vouches for: use the vault's URI, https://<name>.vault.azure.net`,
    );
  }
  if (status === undefined) {
    if (typeof e.code === 'string' && tlsCodes.has(e.code)) {
      return new ConfigurationError(`the TLS certificate of Key Vault ${vaultUrl} is not trusted (${e.code}): check KEY_VAULT_URL`);
    }
    if (name === 'RestError' || typeof e.code === 'string') {
      return new TransientError(`could not reach Key Vault ${vaultUrl} to ${what}${e.code ? ` (${String(e.code)})` : ''}: ${said}`);
    }
    return error;
  }
  if (status === 401) {
    return new ConfigurationError(
      `Key Vault ${vaultUrl} refused the app's token to ${what} (${answered}): the identity must belong to the vault's tenant ` +
        `(check AZURE_CLIENT_ID and AZURE_TENANT_ID)`,
    );
  }
  if (status === 403 && innerCode === 'SecretDisabled') {
    return new ConfigurationError(
      `secret '${secretName}' is disabled in Key Vault ${vaultUrl}: enable it (az keyvault secret set-attributes --enabled true)`,
    );
  }
  if (status === 403) {
    return new ConfigurationError(
      `Key Vault ${vaultUrl} denied ${what} (${answered}): assign the app's identity the '${roleFor[action]}' role on the vault ` +
        `(or, with access policies, the secret '${accessPolicyPermissionFor[action]}' permission)`,
    );
  }
  if (status === 409 && (innerCode === 'ObjectIsDeletedButRecoverable' || /deleted but recoverable/i.test(said))) {
    return new ConfigurationError(
      `secret '${secretName}' was deleted and Key Vault keeps it recoverable: recover it (az keyvault secret recover) ` +
        `or purge it (az keyvault secret purge) before setting it again`,
    );
  }
  if (status === 429) {
    return new ThrottledError(`Key Vault ${vaultUrl} is throttling (429) ${what}`, retryAfterMs(e));
  }
  if (status === 408 || status >= 500) {
    return new TransientError(`Key Vault ${vaultUrl} failed to ${what} (${answered}): ${said}`);
  }
  return new PermanentError(`Key Vault ${vaultUrl} rejected ${what} (${answered}): ${said}`);
}

/** Retry-After in seconds or as an HTTP date; 0 when absent, which lets settlement back off on its own. */
function retryAfterMs(e: SdkError): number {
  const header = e.response?.headers?.get('retry-after');
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - Date.now());
}

function firstLine(message: unknown): string {
  const text = typeof message === 'string' ? message : '';
  const line = text.split(/\r?\n/, 1)[0].trim();
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
