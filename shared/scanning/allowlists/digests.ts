/**
 * Hashes and identifiers that have a credential's length and randomness but protect nothing:
 * GUIDs, git SHAs and hex digests, `sha256:`/`sha512-` integrity strings, npm/yarn checksums.
 */
const guid = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;
const hexDigestLengths = new Set([32, 40, 56, 64, 96, 128]);

export function isGuid(value: string): boolean {
  return guid.test(value);
}

/** A bare hex string of a digest's length (MD5, SHA-1/git, SHA-224, SHA-256, SHA-384, SHA-512). */
export function isHexDigest(value: string): boolean {
  return hexDigestLengths.has(value.length) && /^[0-9a-f]+$/i.test(value);
}

/** The text just before a value says it is a digest: `sha256:`, `sha512-`, `integrity`, `checksum`, `@sha256`. */
export function isPrecededByDigestLabel(textBefore: string): boolean {
  return /(?:sha(?:1|224|256|384|512)[:\-~]|md5[:=]|integrity|checksum|digest|commit|revision|hash)["'\s:=]{0,4}$/i.test(
    textBefore.slice(-24),
  );
}
