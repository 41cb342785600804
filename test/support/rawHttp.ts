import { type ClientRequest, request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/**
 * HTTP as an attacker or a broken client speaks it: any path and Host header, a body that is sent
 * late, in part or not at all. `fetch` normalises too much for that.
 */
export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

export interface RawRequestOptions {
  method?: string;
  /** The request target exactly as sent, e.g. `/api/hooks/%ff`. */
  path: string;
  headers?: Record<string, string>;
  /** Sent whole, then the request ends. Leave out to send headers only (see `headersOnly`). */
  body?: string | Buffer;
}

export function rawRequest(baseUrl: string, options: RawRequestOptions): Promise<RawAnswer> {
  const { request, answer } = open(baseUrl, options);
  request.end(options.body);
  return answer;
}

/**
 * Sends only the headers (a Content-Length may promise a body) and waits for the answer: a host
 * that reads the body before answering never answers. The connection is closed afterwards.
 */
export async function headersOnly(baseUrl: string, options: RawRequestOptions): Promise<RawAnswer> {
  const { request, answer } = open(baseUrl, options);
  request.flushHeaders();
  try {
    return await answer;
  } finally {
    request.destroy();
  }
}

/** A request whose body the test writes (and abandons) itself. `continued` resolves once the host has taken the request (100-continue). */
export function openRequest(
  baseUrl: string,
  options: RawRequestOptions,
): { request: ClientRequest; answer: Promise<RawAnswer>; continued: Promise<void> } {
  const { request, answer } = open(baseUrl, { ...options, headers: { expect: '100-continue', ...options.headers } });
  const continued = new Promise<void>((resolve) => request.once('continue', () => resolve()));
  request.flushHeaders();
  return { request, answer, continued };
}

function open(baseUrl: string, options: RawRequestOptions): { request: ClientRequest; answer: Promise<RawAnswer> } {
  const url = new URL(baseUrl);
  let request!: ClientRequest;
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method ?? 'POST',
        path: options.path,
        headers: options.headers,
        setHost: !options.headers?.host,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
  return { request, answer };
}
