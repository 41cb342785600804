/**
 * Pure decisions about one failed Azure DevOps call: what kind of failure it is and how long to
 * wait. No I/O here, so the rules are unit-tested without a server.
 */

export type HttpHeaders = Record<string, string | string[] | undefined>;

export type FailureClass =
  | { kind: 'auth'; statusCode?: number; detail?: string }
  | { kind: 'not-found'; statusCode: 404 }
  | { kind: 'throttled'; statusCode?: number; retryAfterMs: number }
  | { kind: 'server'; statusCode?: number }
  | { kind: 'network'; code: string }
  | { kind: 'client'; statusCode: number }
  | { kind: 'unknown' };

export interface RetrySettings {
  /** Attempts in all for a 5xx or network failure (first try included). */
  maxAttempts: number;
  /** In-process waits for a throttled answer before giving up with ThrottledError. */
  maxThrottleWaits: number;
  /** A stated delay longer than this is not waited in process: ThrottledError at once. */
  maxInProcessWaitMs: number;
  /** First backoff delay; doubles each attempt up to maxDelayMs, with full jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Used when a 429 states no delay. */
  defaultThrottleMs: number;
}

export const defaultRetrySettings: RetrySettings = {
  maxAttempts: 4,
  maxThrottleWaits: 2,
  maxInProcessWaitMs: 30_000,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  defaultThrottleMs: 60_000,
};

const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
]);

export function headerValue(headers: HttpHeaders | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * The delay the server asked for, in ms: `Retry-After` (seconds or an HTTP date) or
 * `X-RateLimit-Delay` (seconds, may be fractional), whichever is longer. Undefined when neither.
 */
export function statedDelayMs(headers: HttpHeaders | undefined, now: number): number | undefined {
  const candidates: number[] = [];
  const retryAfter = headerValue(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) candidates.push(Math.ceil(Number(retryAfter) * 1000));
    else {
      const at = Date.parse(retryAfter);
      if (!Number.isNaN(at)) candidates.push(Math.max(0, at - now));
    }
  }
  const delay = headerValue(headers, 'x-ratelimit-delay')?.trim();
  if (delay && /^\d+(\.\d+)?$/.test(delay)) candidates.push(Math.ceil(Number(delay) * 1000));
  return candidates.length === 0 ? undefined : Math.max(...candidates);
}

export function isHtml(headers: HttpHeaders | undefined): boolean {
  return /text\/html/i.test(headerValue(headers, 'content-type') ?? '');
}

/** Classify an HTTP answer that was not a success. */
export function classifyResponse(
  statusCode: number,
  headers: HttpHeaders | undefined,
  now: number,
  settings: Pick<RetrySettings, 'defaultThrottleMs'> = defaultRetrySettings,
): FailureClass {
  if (statusCode === 401) return { kind: 'auth', statusCode };
  if (statusCode === 203) return { kind: 'auth', statusCode, detail: 'HTTP 203 with a sign-in page instead of JSON' };
  if (statusCode >= 200 && statusCode < 300 && isHtml(headers)) {
    return { kind: 'auth', statusCode, detail: `HTTP ${statusCode} with an HTML page instead of JSON` };
  }
  const stated = statedDelayMs(headers, now);
  if (statusCode === 429) return { kind: 'throttled', statusCode, retryAfterMs: stated ?? settings.defaultThrottleMs };
  if (statusCode === 404) return { kind: 'not-found', statusCode };
  if (statusCode >= 500) {
    if (stated !== undefined) return { kind: 'throttled', statusCode, retryAfterMs: stated };
    return { kind: 'server', statusCode };
  }
  if (statusCode >= 400) return { kind: 'client', statusCode };
  return { kind: 'unknown' };
}

/** The shape typed-rest-client and azure-devops-node-api give their errors. */
interface LibraryError {
  statusCode?: unknown;
  responseHeaders?: unknown;
  rateLimit?: { retryAfter?: unknown; delay?: unknown };
  code?: unknown;
  message?: unknown;
}

/** Classify an error thrown by azure-devops-node-api / typed-rest-client (or by the socket). */
export function classifyError(
  error: unknown,
  now: number,
  settings: Pick<RetrySettings, 'defaultThrottleMs'> = defaultRetrySettings,
): FailureClass {
  if (!error || typeof error !== 'object') return { kind: 'unknown' };
  const e = error as LibraryError;
  if (typeof e.statusCode === 'number') {
    const headers: HttpHeaders = { ...((e.responseHeaders as HttpHeaders | undefined) ?? {}) };
    // typed-rest-client drops the headers when the body is not JSON; node-api keeps the rate-limit ones.
    if (
      headerValue(headers, 'retry-after') === undefined &&
      typeof e.rateLimit?.retryAfter === 'number' &&
      !Number.isNaN(e.rateLimit.retryAfter)
    ) {
      headers['retry-after'] = String(e.rateLimit.retryAfter);
    }
    if (
      headerValue(headers, 'x-ratelimit-delay') === undefined &&
      typeof e.rateLimit?.delay === 'number' &&
      !Number.isNaN(e.rateLimit.delay)
    ) {
      headers['x-ratelimit-delay'] = String(e.rateLimit.delay);
    }
    return classifyResponse(e.statusCode, headers, now, settings);
  }
  if (typeof e.code === 'string' && networkCodes.has(e.code)) return { kind: 'network', code: e.code };
  if (typeof e.message === 'string' && /Failed to find api location/i.test(e.message)) {
    // What a 203 sign-in page on the location (OPTIONS) call looks like once node-api is done with it.
    return { kind: 'auth', detail: 'no JSON from the location service (an HTML sign-in page?)' };
  }
  if (typeof e.message === 'string' && /socket hang up|request timeout|timed out/i.test(e.message)) {
    return { kind: 'network', code: 'ESOCKET' };
  }
  return { kind: 'unknown' };
}

/** Exponential backoff with full jitter: attempt 1 → up to base, 2 → up to 2×base, capped. */
export function backoffDelayMs(attempt: number, settings: RetrySettings, random: () => number = Math.random): number {
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type RetryDecision = { action: 'retry'; delayMs: number } | { action: 'fail' };

/**
 * Whether to try again after a failure. `attempt` is the number of tries made so far (≥1);
 * `throttleWaits` the in-process throttle waits already done.
 */
export function decideRetry(
  failure: FailureClass,
  state: { attempt: number; throttleWaits: number; idempotent: boolean },
  settings: RetrySettings,
  random: () => number = Math.random,
): RetryDecision {
  switch (failure.kind) {
    case 'throttled':
      if (state.throttleWaits < settings.maxThrottleWaits && failure.retryAfterMs <= settings.maxInProcessWaitMs) {
        return { action: 'retry', delayMs: failure.retryAfterMs };
      }
      return { action: 'fail' };
    case 'server':
      // A write that failed with a 5xx may have happened: only 503 (not processed) is safe to repeat.
      if (!state.idempotent && failure.statusCode !== 503) return { action: 'fail' };
      return state.attempt < settings.maxAttempts
        ? { action: 'retry', delayMs: backoffDelayMs(state.attempt, settings, random) }
        : { action: 'fail' };
    case 'network':
      if (!state.idempotent) return { action: 'fail' };
      return state.attempt < settings.maxAttempts
        ? { action: 'retry', delayMs: backoffDelayMs(state.attempt, settings, random) }
        : { action: 'fail' };
    default:
      return { action: 'fail' };
  }
}
