import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { type HttpHeaders, isHtml } from './retryPolicy';

/**
 * Answers read off a raw response, turned into the error shape typed-rest-client gives its errors
 * (`statusCode`, `responseHeaders`), so `classifyError` treats raw and typed calls alike.
 */
export class HttpAnswerError extends Error {
  constructor(
    readonly statusCode: number,
    readonly responseHeaders: HttpHeaders,
    message: string,
  ) {
    super(message);
  }
}

const errorBodyLimit = 64 * 1024;

/** A raw answer must be a 2xx with JSON; 404, 203 and non-JSON become errors the classifier knows. */
export function expectJson<T>(response: { statusCode: number; result: T | null; headers: unknown }): T {
  const headers = (response.headers ?? {}) as HttpHeaders;
  if (response.statusCode === 404) throw new HttpAnswerError(404, headers, 'not found');
  if (response.statusCode === 203 || response.result === null || response.result === undefined) {
    throw new HttpAnswerError(203, headers, 'no JSON in the answer (a sign-in page?)');
  }
  return response.result;
}

/** node-api hands back the raw response of a stream call whatever its status: checked as `checkedBody`. */
export async function checkedStream(stream: NodeJS.ReadableStream): Promise<Readable> {
  const message = stream as IncomingMessage;
  return checkedBody(message.statusCode ?? 0, message.headers as HttpHeaders, message);
}

/**
 * A streamed answer: a success is returned as is (the caller consumes it chunk by chunk); anything
 * else is drained (bounded) and turned into the error shape the classifier reads.
 */
export async function checkedBody<T extends AsyncIterable<unknown>>(statusCode: number, headers: HttpHeaders, stream: T): Promise<T> {
  if (statusCode === 200 && !isHtml(headers)) return stream;
  let body = '';
  for await (const chunk of stream) {
    if (body.length < errorBodyLimit) body += String(chunk).slice(0, errorBodyLimit - body.length);
  }
  let text = body;
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') text = parsed.message;
  } catch {
    // not JSON
  }
  throw new HttpAnswerError(statusCode === 200 ? 203 : statusCode, headers, text || `Failed request: (${statusCode})`);
}
