/**
 * Random-looking values that are not secrets, for the generic rule: version strings
 * (`1.2.3-beta.4+build.567`, `v2024.05.01`) and base64 of ordinary text (a user agent, a sentence),
 * which a secret-sounding name (`token:`, `auth:`) would otherwise make look like one.
 */
const versionString = /^v?\d{1,6}(?:\.\d{1,8}){1,4}(?:[-+][0-9A-Za-z.-]{1,64}){0,2}$/;

export function isVersionString(value: string): boolean {
  return versionString.test(value);
}

/**
 * Base64 whose decoded bytes read as prose: printable ASCII, at least one blank in twelve characters,
 * and none of the separators a credential pair or a key-value secret carries (`:`, `=`, `@`). `user:password`
 * (a Docker `auth`, a Basic credential) keeps its colon, so it is never taken for prose.
 */
export function isEncodedProse(value: string): boolean {
  if (value.length < 16 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return false;
  const decoded = Buffer.from(value, 'base64').toString('latin1');
  let blanks = 0;
  for (let i = 0; i < decoded.length; i++) {
    const code = decoded.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x3a || code === 0x3d || code === 0x40) return false;
    if (code === 0x20) blanks++;
  }
  return blanks >= 2 && blanks * 12 >= decoded.length;
}

/**
 * A word or an identifier made of lower-case words: `Refreshing` (Terraform's `api_token: Refreshing
 * state...`), `grant_type` and `refresh_token` (an OAuth body's `"token", "grant_type"`). A secret-sounding
 * name before them is prose or a field list, not an assignment; a password that is one dictionary word is
 * a placeholder at best. Keyword-dense logs are full of these (docs/performance.md, "Keyword-dense logs").
 */
const wordOrIdentifier = /^(?:[A-Z]?[a-z]+|[a-z]+(?:[_.-][a-z]+)+)$/;

export function isWordOrIdentifier(value: string): boolean {
  return wordOrIdentifier.test(value);
}
