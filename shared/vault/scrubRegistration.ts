import { registerSecretValue } from '../logging';

/**
 * Registers a value obtained from the vault with the logger, together with the encodings in which
 * it most often leaks: an Azure DevOps PAT travels as `Basic base64(":" + pat)`, other tokens as
 * `base64(token)` or URL-encoded in a query string. An error that quotes a request header or URL
 * is then scrubbed as well as one that quotes the raw token.
 */
export function registerVaultValue(value: string): void {
  registerSecretValue(value);
  registerSecretValue(Buffer.from(`:${value}`, 'utf8').toString('base64'));
  registerSecretValue(Buffer.from(value, 'utf8').toString('base64'));
  const urlEncoded = encodeURIComponent(value);
  if (urlEncoded !== value) registerSecretValue(urlEncoded);
}
