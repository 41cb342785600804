/**
 * Where a redirect may take a request that carries a credential: anywhere over https, but never from
 * https down to http; and the credential (`Authorization`) only within the origin it was meant for,
 * so a blob store or a hostile host never receives it. Returns the next URL and the headers to send there.
 */
export function followRedirect(
  from: URL,
  location: string,
  headers: Record<string, string>,
): { url: URL; headers: Record<string, string> } {
  const url = new URL(location, from);
  if (from.protocol === 'https:' && url.protocol !== 'https:') {
    throw Object.assign(new Error(`refused a redirect from https to ${url.protocol.replace(':', '')} (${url.origin})`), {
      code: 'EREDIRECTDOWNGRADE',
    });
  }
  if (url.origin === from.origin) return { url, headers };
  return { url, headers: Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization')) };
}
