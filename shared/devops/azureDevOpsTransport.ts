import type { Readable } from 'node:stream';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { WebApi } from 'azure-devops-node-api';
import type { IBuildApi } from 'azure-devops-node-api/BuildApi';
import type { IGitApi } from 'azure-devops-node-api/GitApi';
import type { IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import type { IServiceEndpointApi } from 'azure-devops-node-api/ServiceEndpointApi';
import { type Clock, systemClock } from '../clock';
import { ConfigurationError, PermanentError, ThrottledError, TransientError, VigilError } from '../errors';
import { type Logger, scrubSecrets } from '../logging';
import type { OrganizationSettings } from '../organizations';
import { telemetry } from '../telemetry';
import type { Vault } from '../vault';
import { requireSecret } from '../vault';
import {
  type AuthorizationSource,
  bearerAuthorization,
  OriginBoundAuthHandler,
  patAuthorization,
  TokenUnavailableError,
} from './credentials';
import { type DownloadThread, type LentBody, sharedDownloadThread } from './downloadThread';
import { type AzureDevOpsAuthDescription, AzureDevOpsAuthError, AzureDevOpsConflictError, AzureDevOpsForbiddenError } from './errors';
import { checkedBody, checkedStream, expectJson, HttpAnswerError } from './httpAnswers';
import {
  classifyError,
  decideRetry,
  defaultRetrySettings,
  type FailureClass,
  type HttpHeaders,
  isHtml,
  type RetrySettings,
} from './retryPolicy';

export interface AzureDevOpsTransportOptions {
  retry?: Partial<RetrySettings>;
  /** How waits happen; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Socket timeout per request (node-api's default is 3 minutes). */
  socketTimeoutMs?: number;
  maxSockets?: number;
  logger?: Logger;
  /** Where build logs are downloaded (default: the process's shared download thread). */
  downloads?: DownloadThread;
}

export interface AzureDevOpsTransportDependencies {
  vault: Vault;
  /** For managed identity; DefaultAzureCredential when absent. */
  credential?: TokenCredential;
  clock?: Clock;
  options?: AzureDevOpsTransportOptions;
}

/** How one call is described and retried. */
export interface CallOptions {
  /** What is being fetched, for messages: `build 42 in project 'web'`. */
  resource: string;
  /** False for writes that must not be repeated after a 5xx other than 503 (default true). */
  idempotent?: boolean;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface SendOptions {
  /** The request body's type; `application/json; charset=utf-8` when absent. */
  contentType?: string;
  /** What to ask for; `application/json` when absent. */
  accept?: string;
}

const apiVersion = '7.1';
const productName = 'vigil';
const productVersion = '0.1.0';
const maxRedirects = 5;

/** Open the transport to one organization's Azure DevOps with the auth its settings name (no request is sent). */
export async function openAzureDevOpsTransport(
  organization: OrganizationSettings,
  deps: AzureDevOpsTransportDependencies,
): Promise<AzureDevOpsTransport> {
  const settings = organization.azureDevOps;
  if (!settings) {
    throw new ConfigurationError(
      `organization '${organization.organization}' has no Azure DevOps settings (set them with: vigil orgs add ${organization.organization} --azure-devops-url URL --auth ...)`,
    );
  }
  const clock = deps.clock ?? systemClock;
  let authorization: AuthorizationSource;
  let auth: AzureDevOpsAuthDescription;
  if (settings.auth.mode === 'pat') {
    auth = { mode: 'pat', tokenSecret: settings.auth.tokenSecret };
    authorization = patAuthorization(await requireSecret(deps.vault, settings.auth.tokenSecret));
  } else {
    auth = { mode: 'managed-identity' };
    authorization = bearerAuthorization(deps.credential ?? new DefaultAzureCredential(), clock);
  }
  return new AzureDevOpsTransport(
    organization.organization,
    settings.url.replace(/\/+$/, ''),
    auth,
    authorization,
    clock,
    deps.options ?? {},
  );
}

/** Thrown inside an operation when a typed call resolved to `null` (node-api's 404 — or a 203). */
class NoResult extends Error {}

/**
 * Everything the area clients share for one organization: the credential on every request to its
 * origin only, node-api's `WebApi` and its API objects (created once, on first use), the retry loop
 * with throttling and error mapping (`call`), raw requests for what node-api lacks, streamed bodies,
 * and the request count. Area clients run each request inside `call` (or `callTyped`).
 */
export class AzureDevOpsTransport {
  private readonly webApi: WebApi;
  private readonly retry: RetrySettings;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly logger: Logger | undefined;
  private readonly downloads: DownloadThread;
  private readonly socketTimeoutMs: number;
  private readonly authHandler: OriginBoundAuthHandler;
  private builds: Promise<IBuildApi> | undefined;
  private git: Promise<IGitApi> | undefined;
  private endpoints: Promise<IServiceEndpointApi> | undefined;
  private readonly disposables: Array<{ dispose(): void }> = [];
  /** Counted in `call`, once per attempt: what rate limits and the inventory's `apiCalls` measure. */
  private requests = 0;

  constructor(
    readonly organization: string,
    /** The organization URL, e.g. `https://dev.azure.com/contoso`. */
    readonly url: string,
    private readonly auth: AzureDevOpsAuthDescription,
    private readonly authorization: AuthorizationSource,
    private readonly clock: Clock,
    options: AzureDevOpsTransportOptions,
  ) {
    this.retry = { ...defaultRetrySettings, ...options.retry };
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.logger = options.logger?.child({ component: 'azure-devops', organization });
    this.downloads = options.downloads ?? sharedDownloadThread();
    this.socketTimeoutMs = options.socketTimeoutMs ?? 180_000;
    const requestOptions: IRequestOptions = {
      keepAlive: true,
      maxSockets: options.maxSockets ?? 16,
      // Retries are ours (backoff, Retry-After, bounded); the library's would sleep blindly.
      allowRetries: false,
      allowRedirects: true,
      allowRedirectDowngrade: false,
      maxRedirects,
      socketTimeout: this.socketTimeoutMs,
    };
    this.authHandler = new OriginBoundAuthHandler(url, () => authorization.header());
    this.webApi = new WebApi(url, this.authHandler, requestOptions, { productName, productVersion });
    this.track(this.webApi.rest.client);
  }

  /** `GET _apis/connectionData`: proves the credential works (AzureDevOpsAuthError otherwise). */
  async verifyConnection(): Promise<void> {
    await this.call({ resource: 'connection data' }, async () => {
      await this.getJson<unknown>('_apis/connectionData');
    });
  }

  /** Requests sent so far, retries included (node-api's one-time route look-ups are not counted). */
  requestCount(): number {
    return this.requests;
  }

  /** Close kept-alive sockets. */
  close(): void {
    for (const disposable of this.disposables.splice(0)) {
      try {
        disposable.dispose();
      } catch {
        // already disposed
      }
    }
    this.resetApis();
  }

  // ── node-api's API objects ──────────────────────────────────────────────────────────────────
  buildApi(): Promise<IBuildApi> {
    this.builds ??= this.webApi.getBuildApi().then((api) => this.trackApi(api));
    return this.builds;
  }

  gitApi(): Promise<IGitApi> {
    this.git ??= this.webApi.getGitApi().then((api) => this.trackApi(api));
    return this.git;
  }

  serviceEndpointApi(): Promise<IServiceEndpointApi> {
    this.endpoints ??= this.webApi.getServiceEndpointApi().then((api) => this.trackApi(api));
    return this.endpoints;
  }

  // ── raw requests (run them inside `call`) ───────────────────────────────────────────────────
  /** `GET {url}/{path}?api-version=7.1&…`: the JSON answer (404, 203 and non-JSON are errors `call` maps). */
  async getJson<T>(path: string, query: Record<string, string> = {}): Promise<T> {
    return expectJson(await this.webApi.rest.get<T>(this.resolve(path, query)));
  }

  /** As `getJson`, with the answer's headers (continuation tokens). */
  async getJsonWithHeaders<T>(path: string, query: Record<string, string> = {}): Promise<{ result: T; headers: HttpHeaders }> {
    const response = await this.webApi.rest.get<T>(this.resolve(path, query));
    return { result: expectJson(response), headers: response.headers as HttpHeaders };
  }

  async postJson<T>(path: string, query: Record<string, string>, body: unknown): Promise<T> {
    return expectJson(await this.webApi.rest.create<T>(this.resolve(path, query), body));
  }

  async putJson<T>(path: string, query: Record<string, string>, body: unknown): Promise<T> {
    return expectJson(await this.webApi.rest.replace<T>(this.resolve(path, query), body));
  }

  /** A PATCH with a JSON body (`application/json`); a JSON Patch document goes through `send` with its own content type. */
  async patchJson<T>(path: string, query: Record<string, string>, body: unknown): Promise<T> {
    return expectJson(await this.webApi.rest.update<T>(this.resolve(path, query), body));
  }

  /** `DELETE`: any 2xx is done; 404 and a sign-in page are errors `call` maps. */
  async deleteResource(path: string, query: Record<string, string> = {}): Promise<void> {
    const response = await this.webApi.rest.del<unknown>(this.resolve(path, query));
    if (response.statusCode === 404) throw new HttpAnswerError(404, response.headers as HttpHeaders, 'not found');
    if (response.statusCode === 203) throw new HttpAnswerError(203, response.headers as HttpHeaders, 'sign-in page');
  }

  /**
   * Any JSON request, for calls node-api lacks or serializes wrongly (a JSON Patch with
   * `application/json-patch+json`): the parsed answer, or undefined for an empty 2xx (204). A 404,
   * a sign-in page, an answer that is not JSON and every non-2xx become errors `call` maps (409 and
   * 412 to AzureDevOpsConflictError).
   */
  async send<T>(
    method: HttpMethod,
    path: string,
    query: Record<string, string> = {},
    body?: unknown,
    options: SendOptions = {},
  ): Promise<T | undefined> {
    const data = body === undefined ? '' : JSON.stringify(body);
    const headers: Record<string, string> = { Accept: options.accept ?? 'application/json' };
    if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json; charset=utf-8';
    const response = await this.webApi.rest.client.request(method, this.resolve(path, query), data, headers);
    const statusCode = response.message.statusCode ?? 0;
    const answerHeaders = response.message.headers as HttpHeaders;
    const text = await response.readBody();
    if (statusCode < 200 || statusCode > 299) throw new HttpAnswerError(statusCode, answerHeaders, errorText(text, statusCode));
    if (statusCode === 203 || isHtml(answerHeaders))
      throw new HttpAnswerError(203, answerHeaders, 'no JSON in the answer (a sign-in page?)');
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new HttpAnswerError(203, answerHeaders, 'no JSON in the answer (a sign-in page?)');
    }
  }

  // ── streamed bodies (run them inside `call`) ────────────────────────────────────────────────
  /**
   * A text body downloaded on the download thread, never buffered whole; each chunk lent until the
   * next is read. The same credential headers node-api's requests get, from the same handler.
   */
  async download(path: string, query: Record<string, string>, accept: string): Promise<LentBody> {
    const url = new URL(this.resolve(path, query));
    const request = {
      host: url.hostname,
      port: url.port,
      protocol: url.protocol,
      headers: { accept, 'user-agent': `${productName}/${productVersion}` },
    };
    this.authHandler.prepareRequest(request);
    const response = await this.downloads.open({
      url: url.toString(),
      headers: request.headers,
      maxRedirects,
      socketTimeoutMs: this.socketTimeoutMs,
    });
    return checkedBody(response.statusCode, response.headers, response.body);
  }

  /** A body as it arrives on node-api's socket (zips), status checked first. */
  async stream(path: string, query: Record<string, string>, accept: string): Promise<Readable> {
    return checkedStream((await this.webApi.rest.client.get(this.resolve(path, query), { Accept: accept })).message);
  }

  // ── calls ───────────────────────────────────────────────────────────────────────────────────
  /** A typed node-api call: `null` means 404 or a 203 sign-in page; the probe tells which. */
  async callTyped<T>(options: CallOptions, operation: () => Promise<T | null>): Promise<T> {
    try {
      return await this.call(options, async () => {
        const result = await operation();
        if (result === null || result === undefined) throw new NoResult();
        return result;
      });
    } catch (error) {
      if (!(error instanceof NoResult)) throw error;
      await this.verifyConnection(); // throws AzureDevOpsAuthError when the credential is what failed
      throw new PermanentError(`Azure DevOps has no ${options.resource} in organization '${this.organization}' (HTTP 404)`);
    }
  }

  /**
   * Run one operation with the credential ready, retrying 5xx with backoff and waiting out throttling a bounded number
   * of times: one client span per call (its retries inside), throttling counted (docs/operations.md).
   */
  async call<T>(options: CallOptions, operation: () => Promise<T>): Promise<T> {
    return telemetry().inSpan(
      // Named by the kind of resource, so Application Insights groups the calls; the ids are an attribute.
      `Azure DevOps ${options.resource.replace(/'[^']*'/g, '{name}').replace(/\b\d+\b/g, '{id}')}`,
      {
        kind: 'client',
        attributes: {
          'vigil.organization': this.organization,
          'vigil.devops.resource': options.resource,
          'server.address': new URL(this.url).host,
        },
      },
      () => this.attempts(options, operation),
    );
  }

  private async attempts<T>(options: CallOptions, operation: () => Promise<T>): Promise<T> {
    const idempotent = options.idempotent ?? true;
    let throttleWaits = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.authorization.ready();
      } catch (error) {
        if (error instanceof TokenUnavailableError) throw new AzureDevOpsAuthError(this.organization, this.auth, undefined, error.message);
        throw error;
      }
      try {
        this.requests++;
        return await operation();
      } catch (error) {
        if (error instanceof NoResult || error instanceof VigilError) throw error;
        const failure = classifyError(error, this.clock.now(), this.retry);
        if (failure.kind === 'auth') {
          this.resetApis();
          throw new AzureDevOpsAuthError(this.organization, this.auth, failure.statusCode, failure.detail);
        }
        const decision = decideRetry(failure, { attempt, throttleWaits, idempotent }, this.retry, this.random);
        if (failure.kind === 'throttled') {
          // The delay honoured: waited out here, or handed to the queue's reschedule (settlement.ts) past the waits allowed.
          telemetry().count('vigil.devops.throttled', 1, { status: failure.statusCode ?? 429 });
          telemetry().record('vigil.devops.throttle_delay', decision.action === 'retry' ? decision.delayMs : failure.retryAfterMs);
        }
        if (decision.action === 'retry') {
          if (failure.kind === 'throttled') throttleWaits++;
          this.logger?.warn('azure devops call failed; retrying', {
            resource: options.resource,
            failure: describeFailure(failure),
            attempt,
            delayMs: decision.delayMs,
          });
          await this.sleep(decision.delayMs);
          continue;
        }
        throw this.toVigilError(failure, options, attempt, error);
      }
    }
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────────
  private trackApi<T extends object>(api: T): T {
    const base = api as unknown as { http?: { dispose(): void }; rest?: { client?: { dispose(): void } } };
    this.track(base.http);
    this.track(base.rest?.client);
    return api;
  }

  private track(disposable: { dispose(): void } | undefined): void {
    if (disposable && typeof disposable.dispose === 'function') this.disposables.push(disposable);
  }

  /** Forget API objects: node-api caches an empty route table after a sign-in page answered its OPTIONS call. */
  private resetApis(): void {
    this.builds = this.git = this.endpoints = undefined;
  }

  private resolve(path: string, query: Record<string, string>): string {
    const target = new URL(`${this.url}/${path}`);
    if (!('api-version' in query)) target.searchParams.set('api-version', apiVersion);
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
    return target.toString();
  }

  private toVigilError(failure: FailureClass, options: CallOptions, attempts: number, error: unknown): VigilError {
    const where = `${options.resource} in organization '${this.organization}'`;
    switch (failure.kind) {
      case 'not-found':
        return new PermanentError(`Azure DevOps has no ${where} (HTTP 404)`);
      case 'throttled':
        return new ThrottledError(
          `Azure DevOps throttled the request for ${where}${failure.statusCode ? ` (HTTP ${failure.statusCode})` : ''}: retry after ${Math.ceil(failure.retryAfterMs / 1000)}s`,
          failure.retryAfterMs,
        );
      case 'client':
        if (failure.statusCode === 403) return new AzureDevOpsForbiddenError(this.organization, options.resource);
        if (failure.statusCode === 409 || failure.statusCode === 412) {
          return new AzureDevOpsConflictError(this.organization, options.resource, failure.statusCode, serverMessage(error));
        }
        return new PermanentError(`Azure DevOps refused the request for ${where} (HTTP ${failure.statusCode}): ${serverMessage(error)}`);
      case 'server':
        return new TransientError(
          `Azure DevOps failed the request for ${where} (HTTP ${failure.statusCode ?? '5xx'}) after ${attempts} attempt(s)`,
        );
      case 'network':
        return new TransientError(`could not reach Azure DevOps for ${where} (${failure.code}) after ${attempts} attempt(s)`);
      default:
        return new TransientError(`Azure DevOps request for ${where} failed: ${serverMessage(error)}`);
    }
  }
}

/** The server's message out of an error answer (Azure DevOps sends `{ "message": ... }`), as typed-rest-client reads it. */
function errorText(body: string, statusCode: number): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON
  }
  return body.slice(0, 64 * 1024) || `Failed request: (${statusCode})`;
}

function describeFailure(failure: FailureClass): string {
  if (failure.kind === 'network') return `network ${failure.code}`;
  if ('statusCode' in failure && failure.statusCode !== undefined) return `${failure.kind} HTTP ${failure.statusCode}`;
  return failure.kind;
}

function serverMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const oneLine = scrubSecrets(text).replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine;
}
