/**
 * Posting a SARIF log to `POST /api/hooks/ci` with retries (docs/ci-results.md): a network error,
 * 408, 429, 502, 503 and 504 are tried again, after the time `Retry-After` names (seconds or an HTTP
 * date, at most `maxWaitMs`), else after 1, 2, 4… seconds. Anything else is the answer.
 */
export interface PostOptions {
  url: string;
  token: string;
  body: Buffer;
  retries: number;
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  onRetry?: (attempt: number, waitMs: number, why: string) => void;
}

export interface PostAnswer {
  status: number;
  body: Record<string, unknown>;
  attempts: number;
}

const retriedStatuses = new Set([408, 429, 502, 503, 504]);

export async function postResults(options: PostOptions): Promise<PostAnswer> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  for (let attempt = 1; ; attempt++) {
    let why: string;
    let retryAfter: string | null = null;
    try {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/sarif+json', authorization: `Bearer ${options.token}` },
        body: options.body,
      });
      const text = await response.text();
      if (!retriedStatuses.has(response.status) || attempt > options.retries) {
        return { status: response.status, body: parsed(text), attempts: attempt };
      }
      why = `HTTP ${response.status}`;
      retryAfter = response.headers.get('retry-after');
    } catch (error) {
      if (attempt > options.retries) throw error;
      why = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
    const wait = Math.min(retryAfterMs(retryAfter, now()) ?? 1000 * 2 ** (attempt - 1), maxWaitMs);
    options.onRetry?.(attempt, wait, why);
    await sleep(wait);
  }
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

function parsed(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : { text };
  } catch {
    return { text: text.slice(0, 500) };
  }
}
