import { createHmac, timingSafeEqual } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Loopback stand-ins for the services verification asks (shared/verification/): Slack's
 * `auth.test`, the npm registry's `whoami`, Azure Blob Storage's List Containers with SharedKey,
 * and a trap that records any request (a host named in scanned text must never get one). Each
 * records its calls with their headers, so tests can see where a credential went.
 */
export interface RecordedVerificationCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface LoopbackService {
  readonly url: string;
  readonly calls: RecordedVerificationCall[];
  close(): Promise<void>;
}

type Answer = (req: http.IncomingMessage, url: URL, res: http.ServerResponse) => void;

async function serve(answer: Answer): Promise<LoopbackService> {
  const calls: RecordedVerificationCall[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    calls.push({ method: req.method ?? 'GET', path: `${url.pathname}${url.search}`, headers: req.headers });
    req.resume();
    req.on('end', () => answer(req, url, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function bearer(req: http.IncomingMessage): string | undefined {
  return /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
}

/** Slack Web API: `POST /auth.test` answers 200 with `ok: true` for a live token, `ok: false` otherwise, as Slack does. */
export function startSlackServer(options: { liveTokens: readonly string[]; revokedTokens?: readonly string[] }): Promise<LoopbackService> {
  return serve((req, url, res) => {
    if (req.method !== 'POST' || url.pathname !== '/auth.test') return json(res, 404, { ok: false, error: 'unknown_method' });
    const token = bearer(req);
    if (token === undefined) return json(res, 200, { ok: false, error: 'not_authed' });
    if (options.liveTokens.includes(token)) {
      return json(res, 200, {
        ok: true,
        url: 'https://contoso.slack.com/',
        team: 'Contoso',
        user: 'vigil-bot',
        team_id: 'T0001',
        user_id: 'U0001',
      });
    }
    if (options.revokedTokens?.includes(token)) return json(res, 200, { ok: false, error: 'token_revoked' });
    return json(res, 200, { ok: false, error: 'invalid_auth' });
  });
}

/** npm registry: `GET /-/whoami` answers the user for a live token, 401 otherwise. */
export function startNpmRegistryServer(options: { liveTokens: readonly string[] }): Promise<LoopbackService> {
  return serve((req, url, res) => {
    if (req.method !== 'GET' || url.pathname !== '/-/whoami') return json(res, 404, { error: 'Not found' });
    const token = bearer(req);
    if (token !== undefined && options.liveTokens.includes(token)) return json(res, 200, { username: 'contoso-ci' });
    return json(res, 401, { error: 'Unauthorized' });
  });
}

/**
 * Azure Blob Storage, path-style (`/{account}/?comp=list&maxresults=1`, so the verifier's endpoint
 * is `http://127.0.0.1:PORT/{account}`): checks the SharedKey signature against each account's
 * current key, computed here from the documented string-to-sign, and answers an enumeration (200)
 * or 403 AuthenticationFailed, as Azure does.
 */
export function startAzureStorageServer(options: { accounts: Record<string, string> }): Promise<LoopbackService> {
  return serve((req, url, res) => {
    const account = /^\/([a-z0-9]{3,24})\/?$/.exec(url.pathname)?.[1];
    const key = account === undefined ? undefined : options.accounts[account];
    if (req.method !== 'GET' || account === undefined || key === undefined || url.searchParams.get('comp') !== 'list') {
      res.writeHead(400, { 'content-type': 'application/xml' });
      return res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>InvalidUri</Code></Error>');
    }
    const date = String(req.headers['x-ms-date'] ?? '');
    const version = String(req.headers['x-ms-version'] ?? '');
    const query = [...url.searchParams.entries()]
      .map(([name, value]) => `${name.toLowerCase()}:${value}`)
      .sort()
      .join('\n');
    const stringToSign = `GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:${date}\nx-ms-version:${version}\n/${account}/\n${query}`;
    const expected = Buffer.from(
      `SharedKey ${account}:${createHmac('sha256', Buffer.from(key, 'base64')).update(stringToSign).digest('base64')}`,
    );
    const received = Buffer.from(String(req.headers.authorization ?? ''));
    if (received.length !== expected.length || !timingSafeEqual(received, expected)) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      return res.end(
        '<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.</Message></Error>',
      );
    }
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="${url.origin}/${account}/"><MaxResults>1</MaxResults><Containers><Container><Name>drops</Name></Container></Containers><NextMarker /></EnumerationResults>`,
    );
  });
}

/** Answers 200 to anything and records it: nothing should ever reach it. */
export function startTrapServer(): Promise<LoopbackService> {
  return serve((_req, _url, res) => json(res, 200, { ok: true }));
}

/** Accepts connections and never answers: for time-outs. */
export async function startSilentServer(): Promise<LoopbackService> {
  return serve(() => undefined);
}
