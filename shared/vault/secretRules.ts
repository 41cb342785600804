import { ConfigurationError } from '../errors';

/**
 * What every vault adapter accepts, checked before anything is stored.
 *
 * Secret names follow Key Vault's rule (1-127 of `0-9 a-z A-Z -`) in every adapter, so a name that
 * works locally keeps working once the app moves to Key Vault, and no name can smuggle a path or a
 * `..` into the local vault file.
 */
const secretNamePattern = /^[0-9a-zA-Z-]{1,127}$/;

export function isValidSecretName(name: string): boolean {
  return secretNamePattern.test(name);
}

/** A secret name that Key Vault would refuse; configuration, because the fix is to rename it where it is set. */
export class InvalidSecretNameError extends ConfigurationError {
  constructor(readonly secretName: string) {
    super(`invalid secret name '${printable(secretName)}': use 1-127 letters, digits and '-' (Key Vault's rule), e.g. ado-pat-contoso`);
  }
}

export function assertValidSecretName(name: string): void {
  if (!isValidSecretName(name)) throw new InvalidSecretNameError(name);
}

/** Names come from argv and settings: keep the error on one line and short. */
function printable(name: string): string {
  const oneLine = name.replace(/[^\x20-\x7e]/g, '?');
  return oneLine.length > 60 ? `${oneLine.slice(0, 60)}...` : oneLine;
}

/** An empty secret would read back as "not set" (the environment fallback treats '' so); refuse it instead. */
export function assertValidSecretValue(name: string, value: string): void {
  if (value === '') throw new ConfigurationError(`empty value for secret '${name}': nothing was stored`);
}
