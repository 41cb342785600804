import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestBodyTooLargeError } from '../azureFunctions';
import { ThrottledError, TransientError } from '../errors';

export { RequestBodyTooLargeError };

/**
 * How the local host reads a request body: only when the function asks for it (so a webhook can
 * refuse a caller from its headers without holding a byte of what it sends), never past a limit,
 * and only while the bytes all requests hold together stay under a bound. The Functions front end
 * does its own buffering in Azure; this is the local host's equivalent.
 */

/** The client closed the connection before its body arrived: not an error of ours, nothing to answer. */
export class ClientHungUpError extends TransientError {
  constructor() {
    super('the client closed the connection before sending its whole body');
  }
}

/** How long a caller is asked to wait when the bytes in flight are at their bound. */
export const busyRetryAfterMs = 5_000;

/** Bytes held by request bodies across all requests, up to a fixed total. */
export interface RequestByteBudget {
  /** Takes `bytes` from the budget, or returns false (and takes nothing) when they would exceed it. */
  tryReserve(bytes: number): boolean;
  release(bytes: number): void;
  readonly inFlight: number;
  readonly limit: number;
}

export function createRequestByteBudget(limit: number): RequestByteBudget {
  let inFlight = 0;
  return {
    tryReserve(bytes) {
      if (inFlight + bytes > limit) return false;
      inFlight += bytes;
      return true;
    },
    release(bytes) {
      inFlight = Math.max(0, inFlight - bytes);
    },
    get inFlight() {
      return inFlight;
    },
    limit,
  };
}

function busy(budget: RequestByteBudget): ThrottledError {
  return new ThrottledError(
    `the host is already holding ${budget.inFlight} bytes of request bodies (bound ${budget.limit}); retry later`,
    busyRetryAfterMs,
  );
}

/**
 * A reader of `request`'s body, read once on the first call (later calls share the result). The
 * bytes it holds count against `budget` until `response` closes, when the function is done with them.
 * Past the limit or the budget it stops keeping bytes and drains the rest, so the client still
 * reads our answer instead of a reset connection.
 */
export function lazyRequestBody(
  request: IncomingMessage,
  response: ServerResponse,
  options: { limit: number; budget: RequestByteBudget },
): () => Promise<Buffer> {
  let reading: Promise<Buffer> | undefined;
  return () => (reading ??= readBody(request, response, options));
}

function readBody(
  request: IncomingMessage,
  response: ServerResponse,
  { limit, budget }: { limit: number; budget: RequestByteBudget },
): Promise<Buffer> {
  let reserved = 0;
  const reserve = (bytes: number): boolean => {
    if (!budget.tryReserve(bytes)) return false;
    reserved += bytes;
    return true;
  };
  response.once('close', () => budget.release(reserved));

  // Gone before the function asked for the body: its 'close' has already been and will not come again.
  if (request.destroyed) return Promise.reject(new ClientHungUpError());
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new RequestBodyTooLargeError(limit));
  // A declared length is taken whole before the first byte is read: a caller past the bound is refused, not half-read.
  if (Number.isFinite(declared) && declared > 0 && !reserve(declared)) return Promise.reject(busy(budget));

  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (error: Error) => {
      failed = true;
      chunks.length = 0;
      reject(error);
    };
    request.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) return fail(new RequestBodyTooLargeError(limit));
      if (size > reserved && !reserve(size - reserved)) return fail(busy(budget));
      chunks.push(chunk);
    });
    request.once('end', () => {
      if (!failed) resolve(Buffer.concat(chunks, size));
    });
    request.once('close', () => {
      if (!failed && !request.complete) fail(new ClientHungUpError());
    });
    request.once('error', () => {
      if (!failed) fail(new ClientHungUpError());
    });
  });
}
