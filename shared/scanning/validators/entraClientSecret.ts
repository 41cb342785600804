import { marvin32 } from './marvin32';

/**
 * Microsoft Entra ID client secrets: `xxx8Q~` then random characters, the last three of which are
 * the start of a Marvin32 checksum (seed `AadPwd00`) of everything before them, written in the
 * secret's own 66-character alphabet. The older `7Q~` secrets carry no checksum.
 */
const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ1234567890.-_~';
const seed = 'AadPwd00';

/** A 32-bit number in `alphabet`, most significant digit first (as the service writes it). */
function encode(value: number): string {
  let remaining = value >>> 0;
  let digits = '';
  do {
    digits = alphabet[remaining % alphabet.length] + digits;
    remaining = Math.floor(remaining / alphabet.length);
  } while (remaining > 0);
  return digits;
}

function checksumPrefix(body: string): string {
  return encode(marvin32(Buffer.from(body, 'latin1'), seed)).slice(0, 3);
}

/** `checksum` for a current secret whose checksum holds, `format` for one without (7Q~) or failing it. */
export function entraClientSecretEvidence(secret: string): 'checksum' | 'format' {
  if (secret.slice(3, 6) !== '8Q~' || secret.length < 10) return 'format';
  return checksumPrefix(secret.slice(0, -3)) === secret.slice(-3) ? 'checksum' : 'format';
}

/** Builds a current-format secret with a valid checksum from a 3-character head and a 31-character body (examples and tests only). */
export function buildEntraClientSecret(head3: string, body31: string): string {
  const withoutChecksum = `${head3}8Q~${body31}`;
  return `${withoutChecksum}${checksumPrefix(withoutChecksum)}`;
}
