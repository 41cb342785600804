/** Base62 with the 0-9A-Za-z alphabet that GitHub, npm and Azure's key formats use. */
export const base62Alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** An unsigned 32-bit number in base62, most significant digit first, left-padded with '0'. */
export function encodeBase62(value: number, width: number): string {
  let remaining = value >>> 0;
  let digits = '';
  while (remaining > 0) {
    digits = base62Alphabet[remaining % 62] + digits;
    remaining = Math.floor(remaining / 62);
  }
  return digits.padStart(width, '0');
}

/**
 * A byte array read as one big-endian number, in base62, keeping one '0' per leading zero byte
 * (the convention of the Base62 library Azure's key generators use for their checksums).
 */
export function encodeBytesBase62(bytes: Uint8Array): string {
  let leadingZeros = 0;
  while (leadingZeros < bytes.length - 1 && bytes[leadingZeros] === 0) leadingZeros++;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let digits = '';
  while (value > 0n) {
    digits = base62Alphabet[Number(value % 62n)] + digits;
    value /= 62n;
  }
  if (digits === '') digits = '0';
  return '0'.repeat(leadingZeros) + digits;
}
