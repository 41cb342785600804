import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type DownloadResponse, DownloadThread } from '../../../shared/devops/downloadThread';
import { blockBytes } from '../../../shared/devops/downloadThreadProtocol';
import { classifyError } from '../../../shared/devops/retryPolicy';

/**
 * The download thread against real HTTP servers on loopback: what reaches the reader, the lending of
 * blocks, redirects and the credential, stopping early, and failures the retry policy can classify.
 */
const downloads = new DownloadThread();
const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(() => downloads.close());

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function get(url: string, headers: Record<string, string> = {}): Promise<DownloadResponse> {
  return downloads.open({ url, headers, maxRedirects: 5, socketTimeoutMs: 30_000 });
}

describe('the download thread', () => {
  it('delivers the body byte for byte, in blocks of at most 1 MiB', async () => {
    const content = randomBytes(3 * blockBytes + 12_345);
    const url = await serve((_request, response) => response.end(content));

    const { statusCode, headers, body } = await get(`${url}/log`);
    const digest = createHash('sha256');
    const sizes: number[] = [];
    for await (const chunk of body) {
      digest.update(chunk);
      sizes.push(chunk.length);
    }
    expect(statusCode).toBe(200);
    expect(headers['content-length']).toBe(String(content.length));
    expect(digest.digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    expect(sizes).toEqual([blockBytes, blockBytes, blockBytes, 12_345]);
    expect(body.readableEnded).toBe(true);
  });

  it('lends each block until the next is read: a chunk kept past that is emptied, never overwritten', async () => {
    const url = await serve((_request, response) => response.end(Buffer.alloc(2 * blockBytes, 'a')));

    const { body } = await get(url);
    const kept: Buffer[] = [];
    for await (const chunk of body) kept.push(chunk);
    expect(kept.map((chunk) => chunk.length)).toEqual([0, 0]);
  });

  it('answers a refusal with its status, headers and body, for the caller to classify', async () => {
    const url = await serve((_request, response) => {
      response.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' });
      response.end('{"message":"slow down"}');
    });

    const { statusCode, headers, body } = await get(url);
    let text = '';
    for await (const chunk of body) text += chunk.toString('utf8');
    expect(statusCode).toBe(429);
    expect(headers['retry-after']).toBe('7');
    expect(text).toBe('{"message":"slow down"}');
  });

  it('keeps the credential on a redirect within the origin and drops it on one that leaves it', async () => {
    const seen: Array<{ path: string; authorization?: string }> = [];
    const elsewhere = await serve((request, response) => {
      seen.push({ path: `elsewhere${request.url}`, authorization: request.headers.authorization });
      response.end('blob');
    });
    const organization = await serve((request, response) => {
      seen.push({ path: request.url ?? '', authorization: request.headers.authorization });
      if (request.url === '/first') response.writeHead(302, { location: '/second' }).end();
      else if (request.url === '/second') response.writeHead(307, { location: `${elsewhere}/blob` }).end();
      else response.end();
    });

    const { statusCode, body } = await get(`${organization}/first`, { authorization: 'Basic c2VjcmV0' });
    let text = '';
    for await (const chunk of body) text += chunk.toString('utf8');
    expect([statusCode, text]).toEqual([200, 'blob']);
    expect(seen).toEqual([
      { path: '/first', authorization: 'Basic c2VjcmV0' },
      { path: '/second', authorization: 'Basic c2VjcmV0' },
      { path: 'elsewhere/blob', authorization: undefined },
    ]);
  });

  it('aborts the request when the reader stops early', async () => {
    let closed: () => void = () => undefined;
    const requestClosed = new Promise<void>((resolve) => (closed = resolve));
    const url = await serve((request, response) => {
      request.socket.on('close', () => closed());
      // Far more than the thread may hold ahead of its reader: the rest waits on TCP.
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const write = () => {
        while (response.write(chunk));
        response.once('drain', write);
      };
      write();
    });

    const { body } = await get(url);
    for await (const chunk of body) {
      expect(chunk.length).toBe(blockBytes);
      break;
    }
    await requestClosed;
    expect(body.readableEnded).toBe(false);
  });

  it('fails with a network code the retry policy knows when the server cannot be reached or cuts the body', async () => {
    const unreachable = await serve(() => undefined);
    const port = new URL(unreachable).port;
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const refused = await get(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(classifyError(refused, 0)).toEqual({ kind: 'network', code: 'ECONNREFUSED' });

    const url = await serve((_request, response) => {
      response.writeHead(200, { 'content-length': String(4 * blockBytes) });
      response.write(Buffer.alloc(blockBytes + 10, 'y'), () => response.socket?.destroy());
    });
    const { body } = await get(url);
    const cut = await (async () => {
      for await (const _ of body);
    })().catch((error: unknown) => error);
    expect(classifyError(cut, 0)).toMatchObject({ kind: 'network' });
  });
});
