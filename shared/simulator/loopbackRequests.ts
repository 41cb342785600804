import * as http from 'node:http';

/**
 * What every loopback platform (the Azure DevOps simulator here; the GitHub and GitLab stand-ins of
 * the tests) does the same way: record each request with the status it was answered with, read its
 * body, answer an injected fault instead of the route, and turn a route's own failure into a 500.
 */
export interface RecordedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The Authorization header as received (tests only). */
  authorization?: string;
  /** The request body as received ('' when none). */
  body?: string;
  status?: number;
}

/** An injected fault: answered instead of the route for the next `remaining` requests that match. */
export interface InjectedFault {
  method?: string;
  /** Substring of the request path or a pattern over it. */
  path: string | RegExp;
  remaining: number;
}

/** An HTTP server whose handler's failure answers 500 (or drops a response already started). */
export function loopbackServer(
  handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>,
  answerError: (res: http.ServerResponse, message: string) => void,
): http.Server {
  return http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) answerError(res, `loopback error: ${String(error)}`);
      else res.destroy();
    });
  });
}

/** Records the request in `calls` (its status once answered) and reads its body into the record. */
export async function recordCall(
  calls: RecordedCall[],
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<RecordedCall> {
  const call: RecordedCall = {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    authorization: req.headers.authorization,
  };
  calls.push(call);
  res.on('finish', () => {
    call.status = res.statusCode;
  });
  call.body = await readRequestBody(req);
  return call;
}

export async function readRequestBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The first fault with requests left that matches the method and path, counted down; undefined when none does. */
export function takeFault<F extends InjectedFault>(faults: readonly F[], method: string, path: string): F | undefined {
  const fault = faults.find(
    (f) =>
      f.remaining > 0 &&
      (!f.method || f.method.toUpperCase() === method.toUpperCase()) &&
      (typeof f.path === 'string' ? path.includes(f.path) : f.path.test(path)),
  );
  if (fault) fault.remaining--;
  return fault;
}
