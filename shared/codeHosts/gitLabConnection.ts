import type { AppServices } from '../app';
import { ConfigurationError, PermanentError, ThrottledError, TransientError, type VigilError } from '../errors';
import { scrubSecrets } from '../logging';
import type { OrganizationSettings } from '../organizations';
import { requireSecret } from '../vault';

/**
 * gitbeaker's `Gitlab` for one organization: its GitLab URL (`gitlab.url`) and token
 * (`gitlab.tokenSecret` in the vault). gitbeaker's own requester retries 429 and 502 itself, up to
 * ten times with growing sleeps, and drops GitLab's `Retry-After`; ours makes one request per call
 * so a rate limit becomes a ThrottledError at GitLab's stated time (the queue reschedules the
 * event), and a refused token a GitLabAuthError naming the secret (never the token).
 */
type GitLabModule = typeof import('@gitbeaker/rest');
export type GitLabApi = Awaited<ReturnType<typeof createApi>>;

export class GitLabAuthError extends ConfigurationError {
  constructor(
    readonly organization: string,
    readonly tokenSecret: string,
  ) {
    super(
      `GitLab rejected the token for organization '${organization}' (secret '${tokenSecret}'; HTTP 401): ` +
        `check that the token has not expired or been revoked, then set it again with: vigil secrets set ${tokenSecret}`,
    );
  }
}

/** One answer GitLab refused, as our requester reports it to `call`. */
class GitLabAnswer extends Error {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly description: string,
  ) {
    super(`GitLab answered HTTP ${status}`);
  }
}

export type GitLabAccess = 'read' | 'write';

/** GitLab's refusal of one request, for a caller that expects some (`tolerate`). */
export interface GitLabRefusal {
  status: number;
  description: string;
}

export interface GitLabConnection {
  call<T>(resource: string, operation: (gitlab: GitLabApi) => Promise<T>, access?: GitLabAccess): Promise<T>;
  /** As `call`, but a refusal `tolerate` accepts answers undefined instead of failing (a status already in that state). */
  callTolerating<T>(
    resource: string,
    operation: (gitlab: GitLabApi) => Promise<T>,
    tolerate: (refusal: GitLabRefusal) => boolean,
  ): Promise<T | undefined>;
}

type GitlabOptions = NonNullable<ConstructorParameters<GitLabModule['Gitlab']>[0]>;
type RequesterFn = NonNullable<GitlabOptions['requesterFn']>;
type ResourceOptions = Parameters<RequesterFn>[0];
type Requester = ReturnType<RequesterFn>;
interface RequestOptions {
  searchParams?: Record<string, unknown>;
  /** A JSON body (camelCased by gitbeaker) or a form (discussions with a diff position). */
  body?: Record<string, unknown> | FormData;
  asStream?: boolean;
  signal?: AbortSignal;
}

/** GitLab asks for at least a minute when it says "slow down" without saying how long. */
const defaultThrottleMs = 60_000;

export async function connectGitLab(
  settings: OrganizationSettings,
  services: Pick<AppServices, 'vault' | 'clock'>,
): Promise<GitLabConnection> {
  const organization = settings.organization;
  const gitlab = settings.gitlab;
  if (!gitlab) {
    throw new ConfigurationError(
      `organization '${organization}' has no GitLab connection (set one with: vigil orgs add ${organization} --gitlab-url URL --gitlab-token-secret SECRET)`,
    );
  }
  const token = await requireSecret(services.vault, gitlab.tokenSecret);
  const api = await createApi(gitlab.url.replace(/\/+$/, ''), token);
  const describe = (resource: string) => ({ organization, tokenSecret: gitlab.tokenSecret, resource, now: services.clock.now() });
  return {
    async call(resource, operation, access = 'read') {
      try {
        return await operation(api);
      } catch (error) {
        throw gitLabFailure(error, describe(resource), access);
      }
    },
    async callTolerating(resource, operation, tolerate) {
      try {
        return await operation(api);
      } catch (error) {
        if (error instanceof GitLabAnswer && tolerate({ status: error.status, description: error.description })) return undefined;
        throw gitLabFailure(error, describe(resource), 'write');
      }
    },
  };
}

async function createApi(host: string, token: string) {
  const { Gitlab } = await import('@gitbeaker/rest');
  return new Gitlab({ host, token, requesterFn: singleRequestRequester });
}

/** gitbeaker's requester contract, one `fetch` per call, with no retries of its own. */
const singleRequestRequester: RequesterFn = (resource: ResourceOptions) => {
  const request = async (method: string, endpoint: string, options: RequestOptions = {}) => {
    const url = new URL(endpoint, resource.url.endsWith('/') ? resource.url : `${resource.url}/`);
    for (const [key, value] of Object.entries(options.searchParams ?? {})) {
      if (value === undefined || value === null) continue;
      // gitbeaker hands options over camelCased; GitLab reads snake_case (`perPage` → `per_page`).
      url.searchParams.set(snakeCase(key), String(value));
    }
    const headers: Record<string, string> = { ...resource.headers };
    for (const [name, value] of Object.entries(resource.authHeaders)) headers[name] = await value();
    let payload: string | FormData | undefined;
    if (options.body instanceof FormData) payload = options.body;
    else if (options.body) {
      payload = JSON.stringify(snakeCased(options.body));
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(url, {
      method,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const answerHeaders = Object.fromEntries(response.headers.entries());
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new GitLabAnswer(response.status, response.headers, text);
    }
    if (options.asStream) return { body: response.body, headers: answerHeaders, status: response.status };
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim();
    const body =
      response.status === 204
        ? null
        : type === 'application/json'
          ? await response.json()
          : type.startsWith('text/')
            ? await response.text()
            : await response.blob();
    return { body, headers: answerHeaders, status: response.status };
  };
  const requester = {
    get: (endpoint: string, options?: RequestOptions) => request('GET', endpoint, options),
    post: (endpoint: string, options?: RequestOptions) => request('POST', endpoint, options),
    put: (endpoint: string, options?: RequestOptions) => request('PUT', endpoint, options),
    patch: (endpoint: string, options?: RequestOptions) => request('PATCH', endpoint, options),
    delete: (endpoint: string, options?: RequestOptions) => request('DELETE', endpoint, options),
  };
  return requester as unknown as Requester;
};

/** gitbeaker hands options over camelCased; GitLab reads snake_case (`perPage` → `per_page`). */
function snakeCase(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function snakeCased(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(snakeCased);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [snakeCase(key), snakeCased(inner)]));
}

interface GitLabCallDescription {
  organization: string;
  tokenSecret: string;
  resource: string;
  now: number;
}

/** Turn a failed GitLab call into Vigil's error taxonomy (docs/architecture.md, "Queues and settlement"). */
export function gitLabFailure(error: unknown, call: GitLabCallDescription, access: GitLabAccess = 'read'): VigilError {
  const where = `${call.resource} in organization '${call.organization}'`;
  if (!(error instanceof GitLabAnswer)) {
    const detail = error instanceof Error ? oneLine(error.message) : 'no answer';
    return new TransientError(`could not reach GitLab for ${where}: ${detail}`);
  }
  const status = error.status;
  if (status === 401) return new GitLabAuthError(call.organization, call.tokenSecret);
  if (status === 429) {
    const delayMs = throttleDelayMs(error.headers, call.now) ?? defaultThrottleMs;
    return new ThrottledError(
      `GitLab rate-limited the request for ${where} (HTTP 429): retry after ${Math.ceil(delayMs / 1000)}s`,
      delayMs,
    );
  }
  if (status === 403) {
    if (access === 'write') {
      return new PermanentError(
        `GitLab refused to write ${where} (HTTP 403): give the token of secret '${call.tokenSecret}' the 'api' scope and at least Developer access (to comment on merge requests and post commit statuses)`,
      );
    }
    return new PermanentError(
      `GitLab refused access to ${where} (HTTP 403): give the token of secret '${call.tokenSecret}' the 'read_api' and 'read_repository' scopes and at least Reporter access`,
    );
  }
  if (status === 404)
    return new PermanentError(`GitLab has no ${where} (HTTP 404), or the token of secret '${call.tokenSecret}' cannot see it`);
  if (status >= 500) return new TransientError(`GitLab failed the request for ${where} (HTTP ${status})`);
  return new PermanentError(`GitLab refused the request for ${where} (HTTP ${status}): ${oneLine(error.description)}`);
}

/** `Retry-After` (seconds), else `RateLimit-Reset` (epoch seconds), in ms from now. */
function throttleDelayMs(headers: Headers, now: number): number | undefined {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null && retryAfter.trim() !== '' && Number.isFinite(Number(retryAfter)) && Number(retryAfter) >= 0)
    return Math.max(1_000, Number(retryAfter) * 1_000);
  const reset = Number(headers.get('ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) return Math.max(1_000, reset * 1_000 - now + 1_000);
  return undefined;
}

function oneLine(text: string): string {
  const line = scrubSecrets(text).replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
