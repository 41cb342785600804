import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createLocalAccess, isLoopbackAddress, refuseWithoutAccess } from '../../../shared/localHost/localAccess';

/** A request and a response as the front door sees them: only what the access check reads and writes. */
function exchange(remoteAddress: string, headers: Record<string, string> = {}) {
  const written: { status?: number; headers?: Record<string, string>; body?: string } = {};
  const request = { socket: { remoteAddress }, headers, resume() {} } as unknown as IncomingMessage;
  const response = {
    writeHead(status: number, h: Record<string, string>) {
      written.status = status;
      written.headers = h;
    },
    end(body?: string) {
      written.body = body;
    },
  } as unknown as ServerResponse;
  return { request, response, written };
}

describe('who may read the overview on the local host', () => {
  const access = createLocalAccess('t0ken-for-this-start');

  it('refuses another machine with 403, even with the token', () => {
    const { request, response, written } = exchange('192.168.1.20', { authorization: 'Bearer t0ken-for-this-start' });
    expect(refuseWithoutAccess(access, 'overview', request, new URL('http://h/api/overview'), response)).toBe(true);
    expect(written.status).toBe(403);
  });

  it('lets the webhook and the health check through from anywhere, without a token', () => {
    for (const name of ['webhook', 'health']) {
      const { request, response } = exchange('203.0.113.9');
      expect(refuseWithoutAccess(access, name, request, new URL('http://h/api/health'), response)).toBe(false);
    }
  });

  it('answers 401 on this machine without the token, and serves with it as a bearer or a cookie', () => {
    const none = exchange('127.0.0.1');
    expect(refuseWithoutAccess(access, 'apiRisks', none.request, new URL('http://h/api/risks'), none.response)).toBe(true);
    expect(none.written.status).toBe(401);
    const asBearer = exchange('::1', { authorization: 'Bearer t0ken-for-this-start' });
    expect(refuseWithoutAccess(access, 'apiRisks', asBearer.request, new URL('http://h/api/risks'), asBearer.response)).toBe(false);
    const asCookie = exchange('::ffff:127.0.0.1', { cookie: 'other=1; vigil_token=t0ken-for-this-start' });
    expect(refuseWithoutAccess(access, 'overview', asCookie.request, new URL('http://h/api/overview'), asCookie.response)).toBe(false);
  });

  it('knows loopback addresses, IPv4, IPv6 and IPv4-mapped', () => {
    expect(['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1'].every(isLoopbackAddress)).toBe(true);
    expect(['10.0.0.1', '::ffff:10.0.0.1', 'fe80::1', '', undefined].some(isLoopbackAddress)).toBe(false);
  });

  it('makes a fresh unguessable token at every start', () => {
    const a = createLocalAccess().token;
    expect(a).toMatch(/^[\w-]{32}$/);
    expect(createLocalAccess().token).not.toBe(a);
  });
});
