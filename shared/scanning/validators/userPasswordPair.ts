/**
 * `curl -u user:password` and friends. Quotes around either part are dropped, as are the braces
 * of documentation-style `{value}`. The password is the secret; when only a user is given with a
 * trailing colon (`-u "apikey:"`), services treat the user as the key, so that becomes the secret.
 */
export function secretFromUserPasswordPair(value: string): string | undefined {
  const unquoted = value.replace(/["']/g, '');
  const colon = unquoted.indexOf(':');
  if (colon < 0) return undefined;
  const unbrace = (part: string) => part.replace(/^\{(.*)\}$/, '$1');
  const user = unbrace(unquoted.slice(0, colon));
  const password = unbrace(unquoted.slice(colon + 1));
  if (password.length > 0) return password;
  return user.length > 0 ? user : undefined;
}
