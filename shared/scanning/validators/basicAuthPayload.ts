import { isPlaceholder } from '../allowlists/placeholders';
import { isVariableReference } from '../allowlists/variableReferences';

/**
 * `Authorization: Basic <base64>` carries `user:password`. Returns the password (the secret worth
 * fingerprinting: the same PAT seen in plain text elsewhere gets the same fingerprint), or
 * undefined when the payload is not printable `user:password` or the password is empty or filler.
 */
export function passwordFromBasicPayload(encoded: string): string | undefined {
  if (!/^[A-Za-z0-9+/]{4,}={0,2}$/.test(encoded)) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('latin1');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  let printable = 0;
  for (let i = 0; i < decoded.length; i++) {
    const code = decoded.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f) printable++;
  }
  if (printable / decoded.length < 0.9) return undefined;
  const password = decoded.slice(colon + 1);
  if (password.length < 4 || isPlaceholder(password) || isVariableReference(password)) return undefined;
  return password;
}
