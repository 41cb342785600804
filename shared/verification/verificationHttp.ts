import type { SendVerificationRequest, VerificationResponse } from './port';

const maximumBodyBytes = 64 * 1024;

/** Thrown for a call that got no answer; the message names the cause, never the request's headers. */
export class VerificationNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationNetworkError';
  }
}

/**
 * Sends one verification request with Node's fetch: a time-out, no redirect followed (an answer
 * elsewhere would receive the credential), and only the first 64 KiB of the body read. Errors say
 * what failed (`timed out after 5 s`, `ECONNREFUSED`) and nothing of the request.
 */
export function createVerificationSender(options: { timeoutMs: number }): SendVerificationRequest {
  return async (request) => {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new VerificationNetworkError(describeFetchFailure(error, options.timeoutMs));
    }
    return { status: response.status, body: await limitedBody(response) };
  };
}

async function limitedBody(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  try {
    while (bytes < maximumBodyBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      bytes += value.byteLength;
    }
  } catch {
    // A body cut short still has its status; what was read is enough.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, maximumBodyBytes).toString('utf8');
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  return code ? `network failure (${code})` : 'network failure';
}

export type { VerificationResponse };
