/**
 * The only form in which a secret leaves the engine: a fixed-width row of stars between the
 * token's public prefix (`ghp_`, `xoxb-`, at most 16 characters and never more than a quarter of
 * the secret) and its last four characters. Short secrets show no tail at all.
 * `redactSecret('ghp_' + 36 chars)` → `ghp_****************************3kT9`.
 */
export function redactSecret(secret: string, prefixLength = 0): string {
  const safePrefix = Math.min(prefixLength, 16, Math.floor(secret.length / 4));
  const tailLength = secret.length >= 16 ? 4 : 0;
  const hidden = Math.max(secret.length - safePrefix - tailLength, 4);
  const stars = '*'.repeat(Math.min(hidden, 28));
  return `${secret.slice(0, safePrefix)}${stars}${tailLength > 0 ? secret.slice(secret.length - tailLength) : ''}`;
}
