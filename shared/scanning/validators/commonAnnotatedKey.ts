import { encodeBytesBase62 } from './base62';
import { decodeBase64Strict } from './base64Bytes';
import { marvin32Bytes } from './marvin32';

/**
 * Microsoft's common annotated security key (CASK) layout, used by new Azure DevOps PATs
 * (provider signature `AZDO`) and Azure AI services keys (`ACOG`):
 *
 *   0                                                   52    58  60          72  76  80  84
 *   [52 random base62 chars                            ][JQQJ9?][dt][platform   ][pr][sig][ck]
 *
 * The checksum is Marvin32 (seed "Default0") of the 60 bytes that the first 80 characters encode;
 * the last 4 characters are the start of that checksum written in base62 (current keys) or base64
 * (earlier keys). The 88-character long form carries the whole checksum and `==`.
 */
export const commonAnnotatedKeySeed = 'Default0';

export function isValidCommonAnnotatedKey(key: string): boolean {
  if (key.length !== 84 && key.length !== 88) return false;
  if (key.slice(52, 57) !== 'JQQJ9') return false;
  const covered = decodeBase64Strict(key.slice(0, 80));
  if (covered?.length !== 60) return false;
  const checksum = marvin32Bytes(covered, commonAnnotatedKeySeed);
  const written = key.slice(80);
  const asBase62 = base62ChecksumText(checksum);
  if (asBase62.startsWith(written.replace(/=+$/, ''))) return true;
  const asBase64 = checksum.subarray(0, key.length === 88 ? 4 : 3).toString('base64');
  return asBase64 === written;
}

/**
 * The base62 rendering Azure's generators use: base62 digits of the little-endian checksum bytes,
 * right-padded with '0' to six characters, then normalised through a base64 round trip.
 */
export function base62ChecksumText(checksum: Buffer): string {
  const digits = encodeBytesBase62(checksum).padEnd(6, '0').slice(0, 6);
  return Buffer.from(`${digits}==`, 'base64').toString('base64');
}

/** Builds a structurally valid key with a valid checksum, for tests and the benchmark only. */
export function buildCommonAnnotatedKey(random52: string, providerSignature: string, middle18: string): string {
  if (random52.length !== 52 || providerSignature.length !== 4 || middle18.length !== 18) {
    throw new Error('a common annotated key needs 52 random characters, an 18-character middle and a 4-character signature');
  }
  const first80 = `${random52}JQQJ99${middle18}${providerSignature}`;
  const covered = Buffer.from(first80, 'base64');
  const checksum = marvin32Bytes(covered, commonAnnotatedKeySeed);
  return `${first80}${base62ChecksumText(checksum).slice(0, 4)}`;
}
