import { crc32 } from 'node:zlib';
import { encodeBase62 } from './base62';

/**
 * GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`) and npm (`npm_`) tokens end in six base62
 * characters: the CRC32 of the thirty random characters between the prefix and the checksum.
 * A look-alike (a hand-typed example, a truncated token) fails it.
 */
export function hasValidCrc32Base62Checksum(token: string, prefixLength: number): boolean {
  if (token.length < prefixLength + 7) return false;
  const body = token.slice(prefixLength, token.length - 6);
  const checksum = token.slice(token.length - 6);
  return encodeBase62(crc32(Buffer.from(body, 'latin1')), 6) === checksum;
}

/** Builds a token with a valid checksum: used by the tests' generators and the benchmark, never for real credentials. */
export function withCrc32Base62Checksum(prefix: string, body: string): string {
  return `${prefix}${body}${encodeBase62(crc32(Buffer.from(body, 'latin1')), 6)}`;
}
