import { z } from 'zod';
import { ConfigurationError, PermanentError, ThrottledError, TransientError, type VigilError } from '../../errors';
import { scrubSecrets } from '../../logging';

/**
 * GitHub refused the token (HTTP 401): it expired, was revoked, or is not a token at all.
 * Retrying cannot help until an operator replaces the secret, so it is a configuration error
 * naming the organization and the vault secret (never the token).
 */
export class GitHubAuthError extends ConfigurationError {
  constructor(
    readonly organization: string,
    readonly tokenSecret: string,
    readonly statusCode: number,
  ) {
    super(
      `GitHub rejected the token for organization '${organization}' (secret '${tokenSecret}'; HTTP ${statusCode}): ` +
        `check that the token has not expired or been revoked, then set it again with: vigil secrets set ${tokenSecret}`,
    );
  }
}

/** What Octokit throws for an answer (RequestError), read by shape: `status`, and headers when there was an answer. */
const requestErrorShape = z.object({
  status: z.number().int(),
  message: z.string().optional(),
  response: z.object({ headers: z.record(z.string(), z.unknown()) }).optional(),
});

export interface GitHubCallDescription {
  organization: string;
  tokenSecret: string;
  /** What was asked for, for messages: `run 42 of octo-org/app`. */
  resource: string;
  /** Now, in ms since the epoch: rate-limit resets are absolute times. */
  now: number;
}

/** GitHub asks for at least a minute when it says "slow down" without saying how long. */
const defaultThrottleMs = 60_000;

/**
 * Turn a failed GitHub call into Vigil's error taxonomy (docs/architecture.md, "Queues and settlement"). Rate limits become a
 * ThrottledError with GitHub's own delay so the queue handler reschedules the event rather than
 * retrying at once: `retry-after` (secondary limits), or `x-ratelimit-remaining: 0` with
 * `x-ratelimit-reset` (the hourly quota).
 */
export function gitHubFailure(error: unknown, call: GitHubCallDescription): VigilError {
  const where = `${call.resource} in organization '${call.organization}'`;
  const parsed = requestErrorShape.safeParse(error);
  if (!parsed.success || !parsed.data.response) {
    // No answer at all: DNS, refused connection, reset socket. Octokit reports these as status 500 without a response.
    const detail = error instanceof Error ? oneLine(error.message) : 'no answer';
    return new TransientError(`could not reach GitHub for ${where}: ${detail}`);
  }
  const status = parsed.data.status;
  const headers = parsed.data.response.headers;
  if (status === 401) return new GitHubAuthError(call.organization, call.tokenSecret, status);
  if (status === 403 || status === 429) {
    const delayMs = throttleDelayMs(headers, call.now) ?? (status === 429 ? defaultThrottleMs : undefined);
    if (delayMs !== undefined) {
      return new ThrottledError(
        `GitHub rate-limited the request for ${where} (HTTP ${status}): retry after ${Math.ceil(delayMs / 1000)}s`,
        delayMs,
      );
    }
    return new PermanentError(
      `GitHub refused access to ${where} (HTTP 403): give the token of secret '${call.tokenSecret}' read access to Actions (classic: scope 'repo'; fine-grained: 'Actions: read')`,
    );
  }
  if (status === 404) {
    return new PermanentError(`GitHub has no ${where} (HTTP 404), or the token of secret '${call.tokenSecret}' cannot see it`);
  }
  if (status === 410)
    return new PermanentError(`GitHub no longer has ${where} (HTTP 410): logs are deleted after the repository's retention period`);
  if (status >= 500) return new TransientError(`GitHub failed the request for ${where} (HTTP ${status})`);
  return new PermanentError(`GitHub refused the request for ${where} (HTTP ${status}): ${oneLine(parsed.data.message ?? '')}`);
}

/** The wait GitHub asked for, in ms, or undefined when the answer carries no rate-limit signal. */
export function throttleDelayMs(headers: Record<string, unknown>, now: number): number | undefined {
  const retryAfter = Number(headerText(headers, 'retry-after'));
  if (headerText(headers, 'retry-after') !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0)
    return Math.max(1_000, retryAfter * 1_000);
  const remaining = headerText(headers, 'x-ratelimit-remaining');
  const reset = Number(headerText(headers, 'x-ratelimit-reset'));
  if (remaining === '0' && Number.isFinite(reset) && reset > 0) {
    // Reset is in epoch seconds; a second more covers clock skew between GitHub and us.
    return Math.max(1_000, reset * 1_000 - now + 1_000);
  }
  return undefined;
}

function headerText(headers: Record<string, unknown>, name: string): string | undefined {
  const value = headers[name];
  if (value === undefined || value === null) return undefined;
  return String(value).trim();
}

function oneLine(text: string): string {
  const line = scrubSecrets(text).replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
