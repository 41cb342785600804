import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the stand-in answers instead of doing the work: a status of our choosing, or a dropped connection. */
export type CosmosFault =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: Record<string, unknown> }
  | { kind: 'reset' };

export interface CosmosRequestInfo {
  method: string;
  /** The path without the query string, e.g. `/dbs/vigil/colls/risks/docs`. */
  path: string;
  headers: IncomingMessage['headers'];
}

interface FaultRule {
  matches(request: CosmosRequestInfo): boolean;
  remaining: number;
  fault: CosmosFault;
}

/**
 * Faults for the Cosmos stand-in, which never throttles or fails by itself: a test arms a rule
 * (which requests, how many times, what to answer) and the server consults it before the real
 * handler. Lets throttling and outage handling run through the real SDK without sleeping, and lets
 * a test see what the SDK sent (how it authenticated).
 */
export class CosmosFaults {
  private rules: FaultRule[] = [];
  private observers: Array<(request: CosmosRequestInfo) => void> = [];
  private served = 0;

  /** Sees every request (headers included) before any fault applies; until `clear()`. */
  observe(observer: (request: CosmosRequestInfo) => void): void {
    this.observers.push(observer);
  }

  inject(matches: (request: CosmosRequestInfo) => boolean, times: number, fault: CosmosFault): void {
    this.rules.push({ matches, remaining: times, fault });
  }

  /** How many faults have been served since the last `clear()`. */
  get servedCount(): number {
    return this.served;
  }

  clear(): void {
    this.rules = [];
    this.observers = [];
    this.served = 0;
  }

  /** Answers the request with a fault if a rule wants it; true when it did. */
  intercept(request: IncomingMessage, response: ServerResponse): boolean {
    const info: CosmosRequestInfo = {
      method: request.method ?? 'GET',
      path: (request.url ?? '/').split('?', 1)[0].replace(/^\/\//, '/'),
      headers: request.headers,
    };
    for (const observer of this.observers) observer(info);
    const rule = this.rules.find((candidate) => candidate.remaining > 0 && candidate.matches(info));
    if (!rule) return false;
    rule.remaining -= 1;
    this.served += 1;
    const { fault } = rule;
    if (fault.kind === 'reset') {
      request.socket.destroy();
      return true;
    }
    request.resume();
    response.statusCode = fault.status;
    response.setHeader('content-type', 'application/json');
    for (const [name, value] of Object.entries(fault.headers ?? {})) response.setHeader(name, value);
    response.end(JSON.stringify(fault.body ?? { code: String(fault.status), message: `injected ${fault.status}` }));
    return true;
  }
}

/** Document writes and reads (not queries, not metadata) of one container. */
export function documentRequests(container: string, method: string): (request: CosmosRequestInfo) => boolean {
  const pattern = new RegExp(`^/dbs/[^/]+/colls/${container}/docs(/[^/]+)?$`);
  return (request) => request.method === method && pattern.test(request.path) && request.headers['x-ms-documentdb-isquery'] === undefined;
}
