import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { WebApi } from 'azure-devops-node-api';
import type { IRequestOptions } from 'azure-devops-node-api/interfaces/common/VsoBaseInterfaces';
import type { IBuildApi } from 'azure-devops-node-api/BuildApi';
import type { IGitApi } from 'azure-devops-node-api/GitApi';
import type { IServiceEndpointApi } from 'azure-devops-node-api/ServiceEndpointApi';
import { TypeInfo as BuildTypeInfo, type Build, type BuildLog } from 'azure-devops-node-api/interfaces/BuildInterfaces';
import { ContractSerializer } from 'azure-devops-node-api/Serialization';
import {
  GitVersionType,
  type GitChange,
  type GitCommit,
  type GitCommitRef,
  type GitPullRequest,
  type GitPullRequestChange,
  type GitPullRequestIteration,
  type GitPush,
  type GitRepository,
} from 'azure-devops-node-api/interfaces/GitInterfaces';
import type { ServiceEndpoint } from 'azure-devops-node-api/interfaces/ServiceEndpointInterfaces';
import type { TeamProjectReference } from 'azure-devops-node-api/interfaces/CoreInterfaces';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { ConfigurationError, PermanentError, ThrottledError, TransientError, VigilError } from '../errors';
import { systemClock, type Clock } from '../clock';
import type { Vault } from '../vault/port';
import { requireSecret } from '../vault/managedVault';
import { scrubSecrets, type Logger } from '../logging/logger';
import type { OrganizationSettings } from '../organizations/organizationSettings';
import { AzureDevOpsAuthError, type AzureDevOpsAuthDescription } from './errors';
import { sharedDownloadThread, type DownloadThread, type LentBody } from './downloadThread';
import {
  bearerAuthorization,
  OriginBoundAuthHandler,
  patAuthorization,
  TokenUnavailableError,
  type AuthorizationSource,
} from './credentials';
import {
  classifyError,
  decideRetry,
  defaultRetrySettings,
  headerValue,
  isHtml,
  type FailureClass,
  type HttpHeaders,
  type RetrySettings,
} from './retryPolicy';

export type { Build, BuildLog, GitChange, GitPush, GitRepository, ServiceEndpoint, TeamProjectReference };
export type { GitCommit, GitCommitRef, GitPullRequest, GitPullRequestChange, GitPullRequestIteration };

/** `GET {project}/_apis/pipelines/pipelinePermissions/endpoint/{id}` (no node-api method). */
export interface ResourcePipelinePermissions {
  resource?: { type?: string; id?: string };
  allPipelines?: { authorized?: boolean; authorizedBy?: unknown; authorizedOn?: string };
  pipelines?: Array<{ id: number; authorized?: boolean; authorizedBy?: unknown; authorizedOn?: string }>;
}

/** A service hook subscription as `_apis/hooks/subscriptions` takes and returns it. */
export interface ServiceHookSubscription {
  id?: string;
  url?: string;
  publisherId: string;
  eventType: string;
  resourceVersion?: string;
  consumerId: string;
  consumerActionId: string;
  publisherInputs?: Record<string, string>;
  consumerInputs?: Record<string, string>;
  status?: string;
  [field: string]: unknown;
}

export interface ServiceHookSubscriptionFilter {
  publisherId?: string;
  eventType?: string;
  consumerId?: string;
  consumerActionId?: string;
}

/** Which builds `listBuilds` returns; `top` caps the total, `pageSize` each request (default 100). */
export interface BuildListFilter {
  statusFilter?: 'inProgress' | 'completed' | 'notStarted' | 'all';
  definitionId?: number;
  top?: number;
  pageSize?: number;
}

/** What Vigil's use cases need from Azure DevOps, for one organization. */
export interface AzureDevOpsClient {
  readonly organization: string;
  /** The organization URL, e.g. `https://dev.azure.com/contoso`. */
  readonly url: string;
  /** `GET _apis/connectionData`: proves the credential works (AzureDevOpsAuthError otherwise). */
  verifyConnection(): Promise<void>;

  getBuild(project: string, buildId: number): Promise<Build>;
  listBuildLogs(project: string, buildId: number): Promise<BuildLog[]>;
  /**
   * The log's text as it arrives, from the download thread; never buffered whole, and each chunk lent
   * until the next is read (`LentBody`). Status is checked before it is returned.
   */
  streamBuildLog(project: string, buildId: number, logId: number): Promise<LentBody>;
  /** A project's builds, newest first, page by page (`x-ms-continuationtoken`); `top` caps the total. */
  listBuilds(project: string, filter?: BuildListFilter): AsyncIterable<Build>;

  /** Every project, page by page (`x-ms-continuationtoken`). */
  listProjects(options?: { pageSize?: number }): AsyncIterable<TeamProjectReference>;
  listRepositories(project: string): Promise<GitRepository[]>;
  getPush(project: string, repositoryId: string, pushId: number): Promise<GitPush>;
  /** Every change of a commit (paged with top/skip under the hood). */
  getCommitChanges(project: string, repositoryId: string, commitId: string): Promise<GitChange[]>;
  /** One file's content at a commit, streamed. */
  streamItem(project: string, repositoryId: string, path: string, commitId?: string): Promise<Readable>;
  /** Every repository of the organization in one call (`GET _apis/git/repositories`, which Azure DevOps does not page). */
  listOrganizationRepositories(): Promise<GitRepository[]>;
  /** One repository by id, or undefined when Azure DevOps has none (deleted, or its project is gone): for events that may name a deleted one. */
  findRepository(project: string, repositoryId: string): Promise<GitRepository | undefined>;
  /** Requests this client has sent, retries included (node-api's one-time route look-ups are not counted). */
  requestCount(): number;
  /** One repository by id: name, project, default branch, web URL. */
  getRepository(project: string, repositoryId: string): Promise<GitRepository>;
  /** The commit a branch (`refs/heads/main`) points at; undefined when it does not exist (an empty repository). */
  getBranchHead(project: string, repositoryId: string, branch: string): Promise<string | undefined>;
  /** The whole tree at a commit as a zip (`items?path=/&$format=zip`), as it arrives on the socket; never buffered whole. */
  streamRepositoryZip(project: string, repositoryId: string, commitId: string): Promise<Readable>;
  /** One commit with its author, committer and parents. */
  getCommit(project: string, repositoryId: string, commitId: string): Promise<GitCommit>;
  /** Every commit a push brought (paged under the hood), for pushes whose answer left them out. */
  listPushCommits(project: string, repositoryId: string, pushId: number): Promise<GitCommitRef[]>;
  getPullRequest(project: string, pullRequestId: number): Promise<GitPullRequest>;
  listPullRequestIterations(project: string, repositoryId: string, pullRequestId: number): Promise<GitPullRequestIteration[]>;
  /** Every file an iteration changes against the merge base (paged with $top/$skip under the hood). */
  getPullRequestIterationChanges(project: string, repositoryId: string, pullRequestId: number, iterationId: number): Promise<GitPullRequestChange[]>;

  listServiceEndpoints(project: string): Promise<ServiceEndpoint[]>;
  getPipelinePermissionsForEndpoint(project: string, endpointId: string): Promise<ResourcePipelinePermissions>;
  /** One service connection by id, without confidential data (PermanentError when it does not exist). */
  getServiceEndpoint(project: string, endpointId: string): Promise<ServiceEndpoint>;
  /** The newest `top` uses of a service connection, newest first (`executionhistory`). */
  listServiceEndpointExecutions(
    project: string,
    endpointId: string,
    top: number,
  ): Promise<Array<import('azure-devops-node-api/interfaces/ServiceEndpointInterfaces').ServiceEndpointExecutionRecord>>;
  /** The approvals and checks on a resource, settings included (`pipelines/checks/configurations`); raw JSON, validate before use. */
  listCheckConfigurations(project: string, resourceType: string, resourceId: string): Promise<Array<Record<string, unknown>>>;

  listServiceHookSubscriptions(filter?: ServiceHookSubscriptionFilter): Promise<ServiceHookSubscription[]>;
  createServiceHookSubscription(subscription: ServiceHookSubscription): Promise<ServiceHookSubscription>;
  replaceServiceHookSubscription(id: string, subscription: ServiceHookSubscription): Promise<ServiceHookSubscription>;
  deleteServiceHookSubscription(id: string): Promise<void>;

  /** Close kept-alive sockets. */
  close(): void;
}

export interface AzureDevOpsClientOptions {
  retry?: Partial<RetrySettings>;
  /** How waits happen; tests pass one that returns at once. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Socket timeout per request (node-api's default is 3 minutes). */
  socketTimeoutMs?: number;
  maxSockets?: number;
  /** Probe `_apis/connectionData` while connecting (default true). */
  verify?: boolean;
  logger?: Logger;
  /** Where build logs are downloaded (default: the process's shared download thread). */
  downloads?: DownloadThread;
}

export interface AzureDevOpsDependencies {
  vault: Vault;
  /** For managed identity; DefaultAzureCredential when absent. */
  credential?: TokenCredential;
  clock?: Clock;
  options?: AzureDevOpsClientOptions;
}

const apiVersion = '7.1';
const productName = 'vigil';
const productVersion = '0.1.0';
const maxRedirects = 5;
const pipelinePermissionsApiVersion = '7.1-preview.1';
const errorBodyLimit = 64 * 1024;

/** Connect to one organization's Azure DevOps with the auth its settings name. */
export async function connectAzureDevOps(
  organization: OrganizationSettings,
  deps: AzureDevOpsDependencies,
): Promise<AzureDevOpsClient> {
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
  const client = new RestAzureDevOpsClient(organization.organization, settings.url.replace(/\/+$/, ''), auth, authorization, clock, deps.options ?? {});
  if (deps.options?.verify !== false) {
    try {
      await client.verifyConnection();
    } catch (error) {
      client.close();
      throw error;
    }
  }
  return client;
}

/** Thrown inside an operation when a typed call resolved to `null` (node-api's 404 — or a 203). */
class NoResult extends Error {}

/** A non-success answer read off a raw response, in the shape typed-rest-client gives its errors. */
class HttpAnswerError extends Error {
  constructor(
    readonly statusCode: number,
    readonly responseHeaders: HttpHeaders,
    message: string,
  ) {
    super(message);
  }
}

interface CallOptions {
  /** What is being fetched, for messages: `build 42 in project 'web'`. */
  resource: string;
  idempotent?: boolean;
}

class RestAzureDevOpsClient implements AzureDevOpsClient {
  private readonly webApi: WebApi;
  private readonly retry: RetrySettings;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly logger: Logger | undefined;
  private readonly downloads: DownloadThread;
  private readonly socketTimeoutMs: number;
  private readonly authHandler: OriginBoundAuthHandler;
  private buildApi: Promise<IBuildApi> | undefined;
  private gitApi: Promise<IGitApi> | undefined;
  private endpointApi: Promise<IServiceEndpointApi> | undefined;
  private readonly disposables: Array<{ dispose(): void }> = [];

  constructor(
    readonly organization: string,
    readonly url: string,
    private readonly auth: AzureDevOpsAuthDescription,
    private readonly authorization: AuthorizationSource,
    private readonly clock: Clock,
    options: AzureDevOpsClientOptions,
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

  // ── connection ──────────────────────────────────────────────────────────────────────────────
  async verifyConnection(): Promise<void> {
    await this.call({ resource: 'connection data' }, async () => {
      await this.rawGet<unknown>('_apis/connectionData', {}, true);
    });
  }

  // ── builds ──────────────────────────────────────────────────────────────────────────────────
  getBuild(project: string, buildId: number): Promise<Build> {
    return this.callTyped({ resource: `build ${buildId} in project '${project}'` }, async () =>
      (await this.builds()).getBuild(project, buildId),
    );
  }

  listBuildLogs(project: string, buildId: number): Promise<BuildLog[]> {
    return this.callTyped({ resource: `logs of build ${buildId} in project '${project}'` }, async () =>
      (await this.builds()).getBuildLogs(project, buildId),
    );
  }

  // Logs are the bulk of a build scan's bytes: they come through the download thread, not node-api (docs/performance.md).
  streamBuildLog(project: string, buildId: number, logId: number): Promise<LentBody> {
    return this.call({ resource: `log ${logId} of build ${buildId} in project '${project}'` }, async () => {
      const url = new URL(this.resolve(`${encodeURIComponent(project)}/_apis/build/builds/${buildId}/logs/${logId}`, {}));
      // The same credential headers node-api's requests get, from the same handler.
      const request = { host: url.hostname, port: url.port, protocol: url.protocol, headers: { accept: 'text/plain', 'user-agent': `${productName}/${productVersion}` } };
      this.authHandler.prepareRequest(request);
      const response = await this.downloads.open({ url: url.toString(), headers: request.headers, maxRedirects, socketTimeoutMs: this.socketTimeoutMs });
      return checkedBody(response.statusCode, response.headers, response.body);
    });
  }

  // node-api's getBuilds never surfaces the continuation token (notes/azure-devops.md), so builds are paged raw.
  async *listBuilds(project: string, filter: BuildListFilter = {}): AsyncIterable<Build> {
    const pageSize = Math.min(filter.pageSize ?? 100, filter.top ?? Number.POSITIVE_INFINITY);
    const seen = new Set<string>();
    let remaining = filter.top ?? Number.POSITIVE_INFINITY;
    let continuationToken: string | undefined;
    do {
      const query: Record<string, string> = { $top: String(Math.min(pageSize, remaining)), queryOrder: 'queueTimeDescending' };
      if (filter.statusFilter) query.statusFilter = filter.statusFilter;
      if (filter.definitionId !== undefined) query.definitions = String(filter.definitionId);
      if (continuationToken) query.continuationToken = continuationToken;
      const page = await this.call({ resource: `builds of project '${project}'` }, () =>
        this.rawGetWithHeaders<{ value?: unknown[] }>(`${encodeURIComponent(project)}/_apis/build/builds`, query),
      );
      // The typed calls turn enum names and dates into numbers and Dates; do the same for raw pages.
      const builds = ContractSerializer.deserialize(page.result.value ?? [], BuildTypeInfo.Build, false, true) as Build[];
      for (const build of builds.slice(0, remaining)) yield build;
      remaining -= builds.length;
      continuationToken = headerValue(page.headers, 'x-ms-continuationtoken') || undefined;
      if (continuationToken !== undefined) {
        if (seen.has(continuationToken)) {
          throw new TransientError(`Azure DevOps repeated a continuation token while listing builds of project '${project}' in organization '${this.organization}'`);
        }
        seen.add(continuationToken);
      }
    } while (continuationToken && remaining > 0);
  }

  // ── projects and repositories ───────────────────────────────────────────────────────────────
  async *listProjects(options: { pageSize?: number } = {}): AsyncIterable<TeamProjectReference> {
    const pageSize = options.pageSize ?? 100;
    const seen = new Set<string>();
    let continuationToken: string | undefined;
    do {
      const query: Record<string, string> = { $top: String(pageSize) };
      if (continuationToken) query.continuationToken = continuationToken;
      const page = await this.call({ resource: 'projects' }, () =>
        this.rawGetWithHeaders<{ value?: TeamProjectReference[] }>('_apis/projects', query),
      );
      yield* page.result.value ?? [];
      continuationToken = headerValue(page.headers, 'x-ms-continuationtoken') || undefined;
      if (continuationToken !== undefined) {
        if (seen.has(continuationToken)) {
          throw new TransientError(`Azure DevOps repeated a continuation token while listing projects of organization '${this.organization}'`);
        }
        seen.add(continuationToken);
      }
    } while (continuationToken);
  }

  listRepositories(project: string): Promise<GitRepository[]> {
    return this.callTyped({ resource: `repositories of project '${project}'` }, async () => (await this.git()).getRepositories(project));
  }

  getPush(project: string, repositoryId: string, pushId: number): Promise<GitPush> {
    return this.callTyped({ resource: `push ${pushId} of repository ${repositoryId} in project '${project}'` }, async () =>
      (await this.git()).getPush(repositoryId, pushId, project, undefined, true),
    );
  }

  async getCommitChanges(project: string, repositoryId: string, commitId: string): Promise<GitChange[]> {
    const top = 1000;
    const all: GitChange[] = [];
    for (let skip = 0; ; skip += top) {
      const page = await this.callTyped({ resource: `changes of commit ${commitId} in repository ${repositoryId} of project '${project}'` }, async () =>
        (await this.git()).getChanges(commitId, repositoryId, project, top, skip),
      );
      const changes = page.changes ?? [];
      all.push(...changes);
      if (changes.length < top) return all;
    }
  }

  streamItem(project: string, repositoryId: string, path: string, commitId?: string): Promise<Readable> {
    const version = commitId ? { version: commitId, versionType: GitVersionType.Commit } : undefined;
    return this.call({ resource: `item '${path}' of repository ${repositoryId} in project '${project}'` }, async () =>
      checkedStream(
        await (await this.git()).getItemContent(repositoryId, path, project, undefined, undefined, undefined, undefined, true, version),
      ),
    );
  }

  getRepository(project: string, repositoryId: string): Promise<GitRepository> {
    return this.callTyped({ resource: `repository ${repositoryId} in project '${project}'` }, async () =>
      (await this.git()).getRepository(repositoryId, project),
    );
  }

  async getBranchHead(project: string, repositoryId: string, branch: string): Promise<string | undefined> {
    const name = branch.startsWith('refs/') ? branch : `refs/heads/${branch}`;
    // The filter is a prefix (`heads/main` also lists `heads/main-old`): keep the exact name.
    const refs = await this.callTyped({ resource: `branch '${name}' of repository ${repositoryId} in project '${project}'` }, async () =>
      (await this.git()).getRefs(repositoryId, project, name.slice('refs/'.length)),
    );
    return refs.find((ref) => ref.name === name)?.objectId;
  }

  streamRepositoryZip(project: string, repositoryId: string, commitId: string): Promise<Readable> {
    // Raw, because node-api's getItemZip cannot send `$format=zip`; the Accept header says the same for servers that ignore it.
    const url = this.resolve(`${encodeURIComponent(project)}/_apis/git/repositories/${encodeURIComponent(repositoryId)}/items`, {
      path: '/',
      recursionLevel: 'Full',
      $format: 'zip',
      download: 'true',
      'versionDescriptor.version': commitId,
      'versionDescriptor.versionType': 'commit',
    });
    return this.call({ resource: `the content of repository ${repositoryId} at ${commitId} in project '${project}'` }, async () =>
      checkedStream((await this.webApi.rest.client.get(url, { Accept: 'application/zip' })).message),
    );
  }

  getCommit(project: string, repositoryId: string, commitId: string): Promise<GitCommit> {
    return this.callTyped({ resource: `commit ${commitId} of repository ${repositoryId} in project '${project}'` }, async () =>
      (await this.git()).getCommit(commitId, repositoryId, project),
    );
  }

  async listPushCommits(project: string, repositoryId: string, pushId: number): Promise<GitCommitRef[]> {
    const top = 100;
    const all: GitCommitRef[] = [];
    for (let skip = 0; ; skip += top) {
      const page = await this.callTyped({ resource: `commits of push ${pushId} of repository ${repositoryId} in project '${project}'` }, async () =>
        (await this.git()).getPushCommits(repositoryId, pushId, project, top, skip),
      );
      all.push(...page);
      if (page.length < top) return all;
    }
  }

  getPullRequest(project: string, pullRequestId: number): Promise<GitPullRequest> {
    return this.callTyped({ resource: `pull request ${pullRequestId} in project '${project}'` }, async () =>
      (await this.git()).getPullRequestById(pullRequestId, project),
    );
  }

  listPullRequestIterations(project: string, repositoryId: string, pullRequestId: number): Promise<GitPullRequestIteration[]> {
    return this.callTyped({ resource: `iterations of pull request ${pullRequestId} in project '${project}'` }, async () =>
      (await this.git()).getPullRequestIterations(repositoryId, pullRequestId, project),
    );
  }

  async getPullRequestIterationChanges(project: string, repositoryId: string, pullRequestId: number, iterationId: number): Promise<GitPullRequestChange[]> {
    const all: GitPullRequestChange[] = [];
    for (let skip = 0, top = 1000; top > 0; ) {
      const page = await this.callTyped({ resource: `changes of iteration ${iterationId} of pull request ${pullRequestId} in project '${project}'` }, async () =>
        (await this.git()).getPullRequestIterationChanges(repositoryId, pullRequestId, iterationId, project, top, skip),
      );
      const entries = page.changeEntries ?? [];
      all.push(...entries);
      // nextTop is 0 when nothing remains; a server that leaves it out has answered everything when the page was short.
      if (!page.nextTop || entries.length === 0) return all;
      skip = page.nextSkip ?? skip + entries.length;
      top = page.nextTop;
    }
    return all;
  }

  listOrganizationRepositories(): Promise<GitRepository[]> {
    return this.call({ resource: 'repositories' }, async () =>
      (await this.rawGet<{ value?: GitRepository[] }>('_apis/git/repositories', {})).value ?? [],
    );
  }

  async findRepository(project: string, repositoryId: string): Promise<GitRepository | undefined> {
    const repository = await this.call({ resource: `repository ${repositoryId} in project '${project}'` }, async () =>
      (await this.git()).getRepository(repositoryId, project),
    );
    if (repository) return repository;
    await this.verifyConnection(); // node-api answers null for a 404 and for a sign-in page: this tells them apart
    return undefined;
  }

  requestCount(): number {
    return this.requests;
  }

  /** Counted in `call`, once per attempt: what rate limits and the inventory's `apiCalls` measure. */
  private requests = 0;

  // ── service connections ─────────────────────────────────────────────────────────────────────
  listServiceEndpoints(project: string): Promise<ServiceEndpoint[]> {
    return this.callTyped({ resource: `service connections of project '${project}'` }, async () =>
      (await this.endpoints()).getServiceEndpoints(project, undefined, undefined, undefined, undefined, undefined, true),
    );
  }

  getPipelinePermissionsForEndpoint(project: string, endpointId: string): Promise<ResourcePipelinePermissions> {
    return this.call({ resource: `pipeline permissions of service connection ${endpointId} in project '${project}'` }, () =>
      this.rawGet<ResourcePipelinePermissions>(
        `${encodeURIComponent(project)}/_apis/pipelines/pipelinePermissions/endpoint/${encodeURIComponent(endpointId)}`,
        { 'api-version': pipelinePermissionsApiVersion },
      ),
    );
  }

  getServiceEndpoint(project: string, endpointId: string): Promise<ServiceEndpoint> {
    // No actionFilter and no loadConfidentialData: the audit needs settings, never credentials.
    return this.callTyped({ resource: `service connection ${endpointId} in project '${project}'` }, async () =>
      (await this.endpoints()).getServiceEndpointDetails(project, endpointId),
    );
  }

  async listServiceEndpointExecutions(
    project: string,
    endpointId: string,
    top: number,
  ): Promise<Array<import('azure-devops-node-api/interfaces/ServiceEndpointInterfaces').ServiceEndpointExecutionRecord>> {
    const records = await this.callTyped({ resource: `execution history of service connection ${endpointId} in project '${project}'` }, async () =>
      (await this.endpoints()).getServiceEndpointExecutionRecords(project, endpointId, top),
    );
    return [...records];
  }

  async listCheckConfigurations(project: string, resourceType: string, resourceId: string): Promise<Array<Record<string, unknown>>> {
    // No node-api method; `$expand=settings` is what carries the approvers and the allowed branches.
    const list = await this.call({ resource: `checks on ${resourceType} ${resourceId} in project '${project}'` }, () =>
      this.rawGet<{ value?: Array<Record<string, unknown>> }>(`${encodeURIComponent(project)}/_apis/pipelines/checks/configurations`, {
        resourceType,
        resourceId,
        $expand: 'settings',
        'api-version': '7.1-preview.1', // the Approvals and Checks area has no GA version
      }),
    );
    return list.value ?? [];
  }

  // ── service hooks ───────────────────────────────────────────────────────────────────────────
  async listServiceHookSubscriptions(filter: ServiceHookSubscriptionFilter = {}): Promise<ServiceHookSubscription[]> {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(filter)) if (value) query[key] = value;
    const list = await this.call({ resource: 'service hook subscriptions' }, () =>
      this.rawGet<{ value?: ServiceHookSubscription[] }>('_apis/hooks/subscriptions', query),
    );
    return list.value ?? [];
  }

  createServiceHookSubscription(subscription: ServiceHookSubscription): Promise<ServiceHookSubscription> {
    return this.call({ resource: `a service hook subscription for '${subscription.eventType}'`, idempotent: false }, async () =>
      this.expectJson(await this.webApi.rest.create<ServiceHookSubscription>(this.resolve('_apis/hooks/subscriptions', {}), subscription)),
    );
  }

  replaceServiceHookSubscription(id: string, subscription: ServiceHookSubscription): Promise<ServiceHookSubscription> {
    return this.call({ resource: `service hook subscription ${id}` }, async () =>
      this.expectJson(
        await this.webApi.rest.replace<ServiceHookSubscription>(
          this.resolve(`_apis/hooks/subscriptions/${encodeURIComponent(id)}`, {}),
          { ...subscription, id },
        ),
      ),
    );
  }

  async deleteServiceHookSubscription(id: string): Promise<void> {
    await this.call({ resource: `service hook subscription ${id}` }, async () => {
      const response = await this.webApi.rest.del<unknown>(this.resolve(`_apis/hooks/subscriptions/${encodeURIComponent(id)}`, {}));
      if (response.statusCode === 404) throw new HttpAnswerError(404, response.headers as HttpHeaders, 'not found');
      if (response.statusCode === 203) throw new HttpAnswerError(203, response.headers as HttpHeaders, 'sign-in page');
    });
  }

  close(): void {
    for (const disposable of this.disposables.splice(0)) {
      try {
        disposable.dispose();
      } catch {
        // already disposed
      }
    }
    this.buildApi = this.gitApi = this.endpointApi = undefined;
  }

  // ── plumbing ────────────────────────────────────────────────────────────────────────────────
  private builds(): Promise<IBuildApi> {
    this.buildApi ??= this.webApi.getBuildApi().then((api) => this.trackApi(api));
    return this.buildApi;
  }

  private git(): Promise<IGitApi> {
    this.gitApi ??= this.webApi.getGitApi().then((api) => this.trackApi(api));
    return this.gitApi;
  }

  private endpoints(): Promise<IServiceEndpointApi> {
    this.endpointApi ??= this.webApi.getServiceEndpointApi().then((api) => this.trackApi(api));
    return this.endpointApi;
  }

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
    this.buildApi = this.gitApi = this.endpointApi = undefined;
  }

  private resolve(path: string, query: Record<string, string>): string {
    const target = new URL(`${this.url}/${path}`);
    if (!('api-version' in query)) target.searchParams.set('api-version', apiVersion);
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
    return target.toString();
  }

  private async rawGetWithHeaders<T>(path: string, query: Record<string, string>): Promise<{ result: T; headers: HttpHeaders }> {
    const response = await this.webApi.rest.get<T>(this.resolve(path, query));
    return { result: this.expectJson(response), headers: response.headers as HttpHeaders };
  }

  private async rawGet<T>(path: string, query: Record<string, string>, requireBody = true): Promise<T> {
    const response = await this.webApi.rest.get<T>(this.resolve(path, query));
    if (!requireBody && response.statusCode >= 200 && response.statusCode < 300 && response.statusCode !== 203) return response.result as T;
    return this.expectJson(response);
  }

  /** A raw answer must be a 2xx with JSON; 404, 203 and non-JSON become errors the classifier knows. */
  private expectJson<T>(response: { statusCode: number; result: T | null; headers: unknown }): T {
    const headers = (response.headers ?? {}) as HttpHeaders;
    if (response.statusCode === 404) throw new HttpAnswerError(404, headers, 'not found');
    if (response.statusCode === 203 || response.result === null || response.result === undefined) {
      throw new HttpAnswerError(203, headers, 'no JSON in the answer (a sign-in page?)');
    }
    return response.result;
  }

  /** A typed node-api call: `null` means 404 or a 203 sign-in page; the probe tells which. */
  private async callTyped<T>(options: CallOptions, operation: () => Promise<T | null>): Promise<T> {
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

  /** Run one operation with the credential ready, retrying 5xx with backoff and waiting out throttling a bounded number of times. */
  private async call<T>(options: CallOptions, operation: () => Promise<T>): Promise<T> {
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
        if (failure.statusCode === 403) {
          return new PermanentError(`Azure DevOps refused access to ${where} (HTTP 403): grant the identity the permission or the PAT the scope it needs`);
        }
        return new PermanentError(`Azure DevOps refused the request for ${where} (HTTP ${failure.statusCode}): ${serverMessage(error)}`);
      case 'server':
        return new TransientError(`Azure DevOps failed the request for ${where} (HTTP ${failure.statusCode ?? '5xx'}) after ${attempts} attempt(s)`);
      case 'network':
        return new TransientError(`could not reach Azure DevOps for ${where} (${failure.code}) after ${attempts} attempt(s)`);
      default:
        return new TransientError(`Azure DevOps request for ${where} failed: ${serverMessage(error)}`);
    }
  }
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

/** node-api hands back the raw response of a stream call whatever its status: checked as `checkedBody`. */
async function checkedStream(stream: NodeJS.ReadableStream): Promise<Readable> {
  const message = stream as IncomingMessage;
  return checkedBody(message.statusCode ?? 0, message.headers as HttpHeaders, message);
}

/**
 * A streamed answer: a success is returned as is (the caller consumes it chunk by chunk); anything
 * else is drained (bounded) and turned into the error shape the classifier reads.
 */
async function checkedBody<T extends AsyncIterable<unknown>>(statusCode: number, headers: HttpHeaders, stream: T): Promise<T> {
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
