import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HttpRequest, type HttpRequestInit, HttpResponse, type HttpResponseInit, InvocationContext } from '@azure/functions';
import type { HttpFunctionDefinition } from '../azureFunctions';
import { invocationLogHandler } from '../azureFunctions';
import { failureKindOf, type ThrottledError } from '../errors';
import type { Logger } from '../logging';
import { BufferedRequest } from './bufferedRequest';
import { type LocalAccess, refuseWithoutAccess } from './localAccess';
import {
  ClientHungUpError,
  createRequestByteBudget,
  lazyRequestBody,
  RequestBodyTooLargeError,
  type RequestByteBudget,
} from './requestBody';

/** The Functions host's route prefix (host.json `extensions.http.routePrefix`). */
export const routePrefix = '/api';

/**
 * Larger requests are refused before any function runs, as the Functions front end does (its limit
 * is 100 MB; ours is the webhook's need: a CI's SARIF log of up to 10 MB). Each function's own
 * `maxBodyBytes` bounds it further.
 */
export const maxRequestBytes = 10 * 1024 * 1024;

interface CompiledRoute {
  definition: HttpFunctionDefinition;
  pattern: RegExp;
  parameterNames: string[];
}

/** Bytes of request bodies the local host holds at once, across requests, unless configured otherwise. */
export const defaultMaxBodyBytesInFlight = 16 * 1024 * 1024;

export interface HttpFrontDoorOptions {
  /** The bound on bytes of request bodies held at once; past it a body is refused with 503 and Retry-After. */
  maxBodyBytesInFlight?: number;
  /** Who may call functions other than the webhook and health check (the overview); everyone when absent. */
  access?: LocalAccess;
}

export interface HttpFrontDoor {
  server: Server;
  /** Bytes of request bodies held right now (read and not yet released by a finished response). */
  bodyBytesInFlight(): number;
}

/** Serves HTTP-triggered functions the way the Functions host does: `/api/<route>`, `{name}` route parameters. */
export function createHttpFrontDoor(
  definitions: HttpFunctionDefinition[],
  logger: Logger,
  options: HttpFrontDoorOptions = {},
): HttpFrontDoor {
  const routes = definitions.map(compileRoute);
  const budget = createRequestByteBudget(options.maxBodyBytesInFlight ?? defaultMaxBodyBytesInFlight);
  const server = createServer((request, response) => {
    serve(routes, request, response, logger, budget, options.access).catch((error: unknown) => {
      if (error instanceof ClientHungUpError || (request.destroyed && !request.complete)) {
        // A client that hangs up is not a failure of ours; there is nobody left to answer.
        logger.debug('the client closed the connection before the answer', { url: request.url });
        response.destroy();
        return;
      }
      if (response.headersSent) {
        logger.error('request failed', { error, url: request.url });
        response.destroy();
        return;
      }
      if (error instanceof RequestBodyTooLargeError) {
        return writeJson(response, 413, { error: 'payload_too_large', message: `requests are limited to ${error.limit} bytes` });
      }
      if (failureKindOf(error) === 'throttled') {
        response.setHeader('retry-after', String(Math.ceil((error as ThrottledError).retryAfterMs / 1000)));
        return writeJson(response, 503, { error: 'unavailable', message: (error as Error).message });
      }
      logger.error('request failed', { error, url: request.url });
      writeJson(response, 500, { error: 'internal_error', message: 'the function failed; see the host log' });
    });
  });
  return { server, bodyBytesInFlight: () => budget.inFlight };
}

function compileRoute(definition: HttpFunctionDefinition): CompiledRoute {
  const parameterNames: string[] = [];
  const source = definition.route
    .split('/')
    .map((segment) => {
      const parameter = /^\{(\w+)\??\}$/.exec(segment);
      if (!parameter) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      parameterNames.push(parameter[1]);
      return '([^/]+)';
    })
    .join('/');
  return { definition, pattern: new RegExp(`^${routePrefix}/${source}/?$`, 'i'), parameterNames };
}

async function serve(
  routes: CompiledRoute[],
  request: IncomingMessage,
  response: ServerResponse,
  logger: Logger,
  budget: RequestByteBudget,
  access: LocalAccess | undefined,
): Promise<void> {
  const url = requestUrl(request);
  if (!url) {
    request.resume();
    return writeJson(response, 400, { error: 'bad_request', message: 'the Host header or the request target is not a valid URL' });
  }
  if (url.pathname === '/' && access) {
    // The address `npm start` prints is the host's root; the overview lives under the route prefix.
    request.resume();
    response.writeHead(302, { location: `${routePrefix}/overview${url.search}`, 'cache-control': 'no-store' });
    return void response.end();
  }
  const matches = routes
    .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
    .filter((candidate): candidate is { route: CompiledRoute; match: RegExpExecArray } => candidate.match !== null);
  if (matches.length === 0) {
    request.resume();
    return writeJson(response, 404, { error: 'not_found', message: `no function serves ${url.pathname}` });
  }
  const method = (request.method ?? 'GET').toUpperCase();
  const found = matches.find(({ route }) => route.definition.methods.includes(method as 'GET' | 'POST'));
  if (!found) {
    request.resume();
    const allowed = [...new Set(matches.flatMap(({ route }) => route.definition.methods))].join(', ');
    response.setHeader('allow', allowed);
    return writeJson(response, 405, { error: 'method_not_allowed', message: `${method} is not allowed here; use ${allowed}` });
  }
  const declaredLength = Number(request.headers['content-length'] ?? 0);
  if (declaredLength > maxRequestBytes) {
    request.resume();
    return writeJson(response, 413, { error: 'payload_too_large', message: `requests are limited to ${maxRequestBytes} bytes` });
  }

  const { route, match } = found;
  if (access && refuseWithoutAccess(access, route.definition.name, request, url, response)) return;
  const params = routeParameters(route, match);
  if (!params) {
    request.resume();
    return writeJson(response, 404, {
      error: 'not_found',
      message: `no function serves ${url.pathname} (a route parameter is not valid percent-encoding)`,
    });
  }
  // The body is read when the function asks for it, not before: a webhook refuses a caller from its headers first.
  const ownLimit = route.definition.maxBodyBytes;
  const limit = Math.min((typeof ownLimit === 'function' ? ownLimit(params) : ownLimit) ?? maxRequestBytes, maxRequestBytes);
  const body = method === 'GET' ? undefined : lazyRequestBody(request, response, { limit, budget });
  const httpRequest = new HttpRequest({
    query: Object.fromEntries(url.searchParams),
    params,
    nativeRequest: new BufferedRequest(url.toString(), method, new Headers(flattenHeaders(request)), body),
  } as HttpRequestInit);
  const context = new InvocationContext({
    invocationId: randomUUID(),
    functionName: route.definition.name,
    logHandler: invocationLogHandler(logger.child({ function: route.definition.name })),
  });
  const result = await route.definition.handler(httpRequest, context);
  await writeResult(response, result ?? { status: 204 });
}

/** The request's URL, or undefined when the Host header or the target cannot make one (`Host: exa mple`). */
function requestUrl(request: IncomingMessage): URL | undefined {
  try {
    return new URL(request.url ?? '/', `http://${request.headers.host ?? '127.0.0.1'}`);
  } catch {
    return undefined;
  }
}

/** Decoded route parameters, or undefined when one is not valid percent-encoding (`%ff`, `%E0%A4%A`). */
function routeParameters(route: CompiledRoute, match: RegExpExecArray): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  try {
    for (const [index, name] of route.parameterNames.entries()) params[name] = decodeURIComponent(match[index + 1]);
  } catch {
    return undefined;
  }
  return params;
}

function flattenHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function writeResult(response: ServerResponse, result: HttpResponseInit | HttpResponse): Promise<void> {
  if (!(result instanceof HttpResponse) && result.jsonBody !== undefined && result.body === undefined && !result.cookies) {
    // The common case, written directly: building a fetch Response only to read it back costs more than the webhook itself.
    response.statusCode = result.status ?? 200;
    for (const [name, value] of Object.entries(headerRecord(result.headers))) response.setHeader(name, value);
    if (!response.hasHeader('content-type')) response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(result.jsonBody));
    return;
  }
  const reply = result instanceof HttpResponse ? result : new HttpResponse(result);
  response.statusCode = reply.status;
  for (const [name, value] of reply.headers) response.setHeader(name, value);
  const body = reply.body ? Buffer.from(await reply.arrayBuffer()) : undefined;
  response.end(body);
}

function headerRecord(headers: HttpResponseInit['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers) return Object.fromEntries(headers.entries());
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}

function writeJson(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(body));
}
