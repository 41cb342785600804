import { crc32 } from 'node:zlib';

/**
 * Legacy (52-character, lower-case base32) Azure DevOps PATs: 32 bytes, four of which (bytes 2, 7, 8
 * and 22) hold a CRC32 of the other 28, XOR-ed with a constant that says whether a user or an
 * application owns the token. A random base32 run passes by chance once in four billion, so a
 * match is proof of the format, wherever it is written.
 */
const userPatConstant = 0xe0b9692d;
const applicationPatConstant = 0x1019f92e;
const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
/** Positions of the checksum bytes, least significant first. */
const checksumPositions = [22, 8, 7, 2] as const;

function decodeBase32(text: string): Uint8Array | undefined {
  const bytes = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let out = 0;
  for (const character of text.toLowerCase()) {
    const value = base32Alphabet.indexOf(character);
    if (value < 0) return undefined;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (out < bytes.length) bytes[out++] = (buffer >>> bits) & 0xff;
    }
  }
  return bytes;
}

function encodeBase32(bytes: Uint8Array, length: number): string {
  let text = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += base32Alphabet[(buffer >>> bits) & 31];
    }
  }
  if (bits > 0) text += base32Alphabet[(buffer << (5 - bits)) & 31];
  return text.slice(0, length);
}

function coveredBytes(bytes: Uint8Array): Uint8Array {
  const skip = new Set<number>(checksumPositions);
  return bytes.filter((_, index) => index < 32 && !skip.has(index));
}

export function isValidLegacyAzureDevOpsPat(token: string): boolean {
  if (token.length !== 52) return false;
  const bytes = decodeBase32(token);
  if (bytes?.length !== 32) return false;
  const written = (bytes[22] | (bytes[8] << 8) | (bytes[7] << 16) | (bytes[2] << 24)) >>> 0;
  const computed = crc32(coveredBytes(bytes));
  return written === (computed ^ userPatConstant) >>> 0 || written === (computed ^ applicationPatConstant) >>> 0;
}

/** Builds a token with a valid checksum from 28 random bytes (rule examples and tests only). */
export function buildLegacyAzureDevOpsPat(random: Uint8Array): string {
  const bytes = new Uint8Array(33);
  let next = 0;
  for (let index = 0; index < 32; index++) {
    if (!(checksumPositions as readonly number[]).includes(index)) bytes[index] = random[next++] ?? 0;
  }
  const checksum = (crc32(coveredBytes(bytes.subarray(0, 32))) ^ userPatConstant) >>> 0;
  checksumPositions.forEach((position, shift) => {
    bytes[position] = (checksum >>> (8 * shift)) & 0xff;
  });
  // 52 base32 characters carry 260 bits: the 32 bytes and 4 bits of a 33rd, left zero.
  return encodeBase32(bytes, 52);
}
