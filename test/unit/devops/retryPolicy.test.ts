import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  classifyError,
  classifyResponse,
  decideRetry,
  defaultRetrySettings,
  statedDelayMs,
} from '../../../shared/devops/retryPolicy';

const now = Date.parse('2026-01-01T00:00:00Z');

describe('statedDelayMs', () => {
  it('reads Retry-After in seconds and as an HTTP date', () => {
    expect(statedDelayMs({ 'retry-after': '7' }, now)).toBe(7000);
    expect(statedDelayMs({ 'Retry-After': new Date(now + 12_000).toUTCString() }, now)).toBe(12_000);
    expect(statedDelayMs({ 'retry-after': new Date(now - 5_000).toUTCString() }, now)).toBe(0);
  });
  it('reads fractional X-RateLimit-Delay and takes the longer of the two', () => {
    expect(statedDelayMs({ 'x-ratelimit-delay': '2.5' }, now)).toBe(2500);
    expect(statedDelayMs({ 'retry-after': '3', 'x-ratelimit-delay': '9.1' }, now)).toBe(9100);
  });
  it('is undefined without a usable header', () => {
    expect(statedDelayMs({}, now)).toBeUndefined();
    expect(statedDelayMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
    expect(statedDelayMs(undefined, now)).toBeUndefined();
  });
});

describe('classifyResponse', () => {
  it('treats 401, 203 and a 2xx HTML page as auth failures', () => {
    expect(classifyResponse(401, {}, now).kind).toBe('auth');
    expect(classifyResponse(203, { 'content-type': 'text/html' }, now).kind).toBe('auth');
    expect(classifyResponse(200, { 'content-type': 'text/html; charset=utf-8' }, now).kind).toBe('auth');
  });
  it('treats 429 as throttled, with the stated delay or the default', () => {
    expect(classifyResponse(429, { 'retry-after': '4' }, now)).toEqual({ kind: 'throttled', statusCode: 429, retryAfterMs: 4000 });
    expect(classifyResponse(429, {}, now)).toEqual({
      kind: 'throttled',
      statusCode: 429,
      retryAfterMs: defaultRetrySettings.defaultThrottleMs,
    });
  });
  it('treats a 5xx with a stated delay as throttled, without one as a server failure', () => {
    expect(classifyResponse(503, { 'retry-after': '2' }, now)).toEqual({ kind: 'throttled', statusCode: 503, retryAfterMs: 2000 });
    expect(classifyResponse(503, {}, now)).toEqual({ kind: 'server', statusCode: 503 });
  });
  it('treats 404 as not found and other 4xx as client errors', () => {
    expect(classifyResponse(404, {}, now).kind).toBe('not-found');
    expect(classifyResponse(403, {}, now)).toEqual({ kind: 'client', statusCode: 403 });
  });
});

describe('classifyError', () => {
  it('reads typed-rest-client errors, including node-api rateLimit when headers were dropped', () => {
    expect(
      classifyError(Object.assign(new Error('x'), { statusCode: 429, responseHeaders: {}, rateLimit: { retryAfter: 5 } }), now),
    ).toEqual({
      kind: 'throttled',
      statusCode: 429,
      retryAfterMs: 5000,
    });
    expect(classifyError(Object.assign(new Error('x'), { statusCode: 500 }), now)).toEqual({ kind: 'server', statusCode: 500 });
  });
  it('reads network errors and the location failure a sign-in page causes', () => {
    expect(classifyError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), now)).toEqual({ kind: 'network', code: 'ECONNRESET' });
    expect(classifyError(new Error('Failed to find api location for area: build id: 0cd358e1'), now).kind).toBe('auth');
    expect(classifyError(new Error('something else'), now).kind).toBe('unknown');
    expect(classifyError('text', now).kind).toBe('unknown');
  });
});

describe('decideRetry', () => {
  const settings = { ...defaultRetrySettings, maxAttempts: 3, maxThrottleWaits: 2, maxInProcessWaitMs: 10_000 };
  it('waits the stated delay for throttling a bounded number of times', () => {
    const throttled = { kind: 'throttled' as const, retryAfterMs: 3000 };
    expect(decideRetry(throttled, { attempt: 1, throttleWaits: 0, idempotent: true }, settings)).toEqual({
      action: 'retry',
      delayMs: 3000,
    });
    expect(decideRetry(throttled, { attempt: 3, throttleWaits: 1, idempotent: true }, settings)).toEqual({
      action: 'retry',
      delayMs: 3000,
    });
    expect(decideRetry(throttled, { attempt: 3, throttleWaits: 2, idempotent: true }, settings)).toEqual({ action: 'fail' });
  });
  it('does not wait in process for a delay longer than the bound', () => {
    expect(decideRetry({ kind: 'throttled', retryAfterMs: 60_000 }, { attempt: 1, throttleWaits: 0, idempotent: true }, settings)).toEqual({
      action: 'fail',
    });
  });
  it('retries 5xx up to maxAttempts, and writes only on 503', () => {
    const server = { kind: 'server' as const, statusCode: 500 };
    expect(decideRetry(server, { attempt: 1, throttleWaits: 0, idempotent: true }, settings, () => 0.5).action).toBe('retry');
    expect(decideRetry(server, { attempt: 3, throttleWaits: 0, idempotent: true }, settings).action).toBe('fail');
    expect(decideRetry(server, { attempt: 1, throttleWaits: 0, idempotent: false }, settings).action).toBe('fail');
    expect(decideRetry({ kind: 'server', statusCode: 503 }, { attempt: 1, throttleWaits: 0, idempotent: false }, settings).action).toBe(
      'retry',
    );
  });
  it('never retries auth, not-found or client failures', () => {
    for (const failure of [
      { kind: 'auth' as const },
      { kind: 'not-found' as const, statusCode: 404 as const },
      { kind: 'client' as const, statusCode: 400 },
    ]) {
      expect(decideRetry(failure, { attempt: 1, throttleWaits: 0, idempotent: true }, settings)).toEqual({ action: 'fail' });
    }
  });
});

describe('backoffDelayMs', () => {
  it('grows exponentially with jitter and is capped', () => {
    const settings = { ...defaultRetrySettings, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelayMs(1, settings, () => 0)).toBe(50);
    expect(backoffDelayMs(1, settings, () => 1)).toBe(100);
    expect(backoffDelayMs(3, settings, () => 1)).toBe(400);
    expect(backoffDelayMs(10, settings, () => 1)).toBe(1000);
  });
});
