/**
 * Strict base64 decoding for validators: Node's decoder silently skips junk, so this checks the
 * alphabet first. Accepts the standard and the URL-safe alphabet, with or without padding.
 */
const standard = /^[A-Za-z0-9+/]*={0,2}$/;
const urlSafe = /^[A-Za-z0-9_-]*={0,2}$/;

export function decodeBase64Strict(text: string): Buffer | undefined {
  if (standard.test(text)) return Buffer.from(text, 'base64');
  if (urlSafe.test(text)) return Buffer.from(text, 'base64url');
  return undefined;
}
