/**
 * A JWT's first segment is base64url JSON: an object whose first member is a short header
 * parameter (`alg`, `typ`, `kid`, `apu`, ...). This drops `eyJ...` look-alikes that merely start
 * like one.
 */
export function looksLikeJwtHeader(token: string): boolean {
  const header = token.slice(0, token.indexOf('.'));
  const decoded = Buffer.from(header, 'base64url').toString('latin1');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a JSON key holds no raw control character.
  return /^\{[ \t\r\n]{0,4}"[^"\\\x00-\x1f]{1,24}"[ \t]{0,4}:/.test(decoded);
}
