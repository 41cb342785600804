import { decodeBase64Strict } from './base64Bytes';
import { marvin32Bytes } from './marvin32';

/**
 * Azure "identifiable" keys (storage, Cosmos DB, Service Bus, Event Hubs, Relay, Functions, Search,
 * Container Registry, API Management, IoT, Batch, Redis): random bytes, a 4-character signature
 * rendered at a fixed place in the base64 text, and a trailing 4-byte Marvin32 checksum (little-endian)
 * of everything before it under a per-service seed. The 88-character keys are 64 bytes, the
 * 44-character ones 32 bytes.
 */
export function isValidIdentifiableKey(key: string, signature: string, seeds: readonly string[]): boolean {
  const unpadded = key.replace(/=+$/, '');
  if (unpadded.length < 14) return false;
  if (unpadded.slice(unpadded.length - 10, unpadded.length - 6) !== signature) return false;
  const bytes = decodeBase64Strict(key);
  if (!bytes || bytes.length < 24) return false;
  const body = bytes.subarray(0, bytes.length - 4);
  const written = bytes.subarray(bytes.length - 4);
  return seeds.some((seed) => marvin32Bytes(body, seed).equals(written));
}

/**
 * Builds a key with a valid signature and checksum from `random` bytes (tests and benchmark only).
 * The signature's bits are placed so that its base64 rendering lands 10 characters from the end.
 */
export function buildIdentifiableKey(random: Uint8Array, signature: string, seed: string, urlSafe = false): string {
  const length = random.length;
  const bytes = Buffer.from(random);
  const signatureBits = Buffer.from(signature.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  // Bits of padding needed so that the 24 signature bits start on a base64 character boundary.
  const padding = ((length - 7) * 8) % 6;
  const offset = length - 8;
  let word = (bytes[offset] << 24) >>> 0;
  const mask = padding === 2 ? 0xfcffffff : padding === 4 ? 0xf0ffffff : 0xffffffff;
  word = (word & mask) >>> 0;
  word = (word | (signatureBits[0] << (16 + padding)) | (signatureBits[1] << (8 + padding)) | (signatureBits[2] << padding)) >>> 0;
  bytes.writeUInt32BE(word, offset);
  marvin32Bytes(bytes.subarray(0, length - 4), seed).copy(bytes, length - 4);
  return urlSafe ? bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '_') : bytes.toString('base64');
}
