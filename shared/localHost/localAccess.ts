import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Who may read the overview on the local host (docs/overview.md, "Access"): a caller on this machine
 * holding the per-start token `npm start` prints as a URL, the way Jupyter does. The first visit with
 * `?token=` stores it in an HttpOnly, SameSite=Strict cookie and redirects to the same page without
 * it, so it does not stay in the address bar or history. The webhook and the health check stay open:
 * they authenticate their callers themselves, or have nothing to hide.
 */
export interface LocalAccess {
  token: string;
  /** Functions served without the token (by name). */
  openFunctions: ReadonlySet<string>;
}

export const accessCookieName = 'vigil_token';
const openByDefault = ['webhook', 'health'];

export function createLocalAccess(token: string = randomBytes(24).toString('base64url')): LocalAccess {
  return { token, openFunctions: new Set(openByDefault) };
}

/** True for 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

/**
 * Answers the request itself (and returns true) when it may not go on: 403 from another machine, 401
 * without the token, or the redirect that trades `?token=` for the cookie.
 */
export function refuseWithoutAccess(
  access: LocalAccess,
  functionName: string,
  request: IncomingMessage,
  url: URL,
  response: ServerResponse,
): boolean {
  if (access.openFunctions.has(functionName)) return false;
  if (!isLoopbackAddress(request.socket.remoteAddress)) {
    request.resume();
    answer(response, 403, 'forbidden', 'the overview answers only on this machine (loopback)');
    return true;
  }
  const offered = url.searchParams.get('token');
  if (offered !== null) {
    request.resume();
    if (!sameToken(offered, access.token)) {
      answer(response, 401, 'unauthenticated', "the token is not this host's: open the URL `npm start` printed");
      return true;
    }
    url.searchParams.delete('token');
    response.writeHead(303, {
      location: `${url.pathname}${url.search}`,
      'set-cookie': `${accessCookieName}=${access.token}; HttpOnly; SameSite=Strict; Path=/`,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    response.end();
    return true;
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  const cookie = cookieValue(request.headers.cookie, accessCookieName);
  if ((bearer && sameToken(bearer, access.token)) || (cookie && sameToken(cookie, access.token))) return false;
  request.resume();
  answer(response, 401, 'unauthenticated', "open the URL `npm start` printed (it carries this start's token)");
  return true;
}

function sameToken(offered: string, token: string): boolean {
  const a = Buffer.from(offered);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function answer(response: ServerResponse, status: number, error: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  response.end(JSON.stringify({ error, message }));
}
