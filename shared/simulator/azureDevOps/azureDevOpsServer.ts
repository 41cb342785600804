import { randomUUID } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loopbackServer, type RecordedCall, recordCall, takeFault } from '../loopbackRequests';
import { recordedShapesDir } from './recordedShapes';

export type { RecordedCall };

/**
 * A loopback Azure DevOps for the real azure-devops-node-api client. It answers the calls Vigil's
 * client makes (including node-api's own ResourceAreas and OPTIONS route-table calls) with the
 * shapes recorded in test/fixtures/azure-devops/rest/, rewritten to point at itself; generates
 * build logs of any size on the fly, streamed with backpressure; pages projects with
 * x-ms-continuationtoken; records every call; and injects faults per path.
 */

const fixturesDir = recordedShapesDir('rest');

export interface LoopbackLog {
  id: number;
  /** Exact size of the generated text. Ignored when `content` is given. */
  sizeBytes?: number;
  /** Fixed content (for logs that must contain something, e.g. a secret). */
  content?: string;
  /** A file on disk served as the log, streamed (benchmarks serve realistic logs this way)... */
  file?: string;
  /** ...or the bytes `start` to `end` (inclusive) of it. */
  range?: { start: number; end: number };
}

export interface LoopbackBuild {
  id: number;
  project: string;
  result?: string;
  /** The pipeline it ran (the recorded build's definition when absent). */
  definition?: { id: number; name: string };
  logs: LoopbackLog[];
  /** ISO 8601 (default: the recorded sample's). */
  startTime?: string;
  finishTime?: string;
}

export interface LoopbackProject {
  id?: string;
  name: string;
}

export interface LoopbackRepository {
  id?: string;
  name: string;
  isDisabled?: boolean;
}

export interface LoopbackCommit {
  commitId: string;
  repositoryId: string;
  /** path → content at that commit */
  files: Record<string, string>;
}

export interface AzureDevOpsServerOptions {
  organization?: string;
  /** The PAT that Basic auth must carry (any user name). */
  pat?: string;
  /** Bearer tokens accepted; any non-empty one when undefined. */
  bearerTokens?: string[];
  projects?: LoopbackProject[];
  /** project name → repositories */
  repositories?: Record<string, LoopbackRepository[]>;
  builds?: LoopbackBuild[];
  commits?: LoopbackCommit[];
  /** endpoint id → whether it is open to all pipelines */
  openEndpoints?: Record<string, boolean>;
  /** Largest page the server hands out for `_apis/projects` (default 100). */
  maxProjectsPage?: number;
  /** How an unauthenticated call is answered: 401 (default) or the 203 sign-in page. */
  unauthenticatedAnswer?: 401 | 203;
  /** More routes (and the route-table entries node-api needs for them), tried before the built-in ones. */
  extensions?: LoopbackExtension[];
}

/** One authenticated request, as an extension sees it. */
export interface LoopbackRequest {
  method: string;
  url: URL;
  /** Path after the organization: `/_apis/projects`, or `/{project}/_apis/...`. */
  route: string;
  /** The project segment, when the route has one. */
  project?: string;
  /** The route after the project segment: `/_apis/...`. */
  projectRoute?: string;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** `http://127.0.0.1:PORT/ORG`, to write links that point back here. */
  orgUrl: string;
}

/** Routes kept in their own file (audit, repositories, ...): answer and return true, or return false to pass. */
export interface LoopbackExtension {
  /** area → route-table entries (see `routeLocation`), merged into the answers to `OPTIONS _apis/{area}`. */
  locations?: Record<string, RouteLocation[]>;
  handle(request: LoopbackRequest, res: http.ServerResponse): boolean | Promise<boolean>;
}

export interface Fault {
  /** Substring of the request path (organization included) or a pattern over it. */
  path: string | RegExp;
  method?: string;
  status: 429 | 500 | 502 | 503 | 401 | 403 | 203 | 302;
  retryAfterSeconds?: number;
  rateLimitDelaySeconds?: number;
  /** For 302. */
  location?: string;
  /** How many matching calls get the fault (default: all). */
  times?: number;
}

export interface AzureDevOpsServer {
  /** `http://127.0.0.1:PORT/ORG` — the organization URL. */
  readonly url: string;
  readonly origin: string;
  readonly organization: string;
  readonly calls: RecordedCall[];
  readonly options: AzureDevOpsServerOptions;
  injectFault(fault: Fault): void;
  clearFaults(): void;
  addBuild(build: LoopbackBuild): void;
  /** Calls whose path contains `fragment` (and method, when given). */
  callsTo(fragment: string, method?: string): RecordedCall[];
  /** Service hook subscriptions as stored, confidential inputs included (answers mask them, as Azure DevOps does). */
  hookSubscriptions(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export type RouteLocation = ReturnType<typeof routeLocation>;

/** A route-table entry as `OPTIONS _apis/{area}` lists it; the id is node-api's location id for the call. */
export const routeLocation = (id: string, area: string, resourceName: string, routeTemplate: string) => ({
  id,
  area,
  resourceName,
  routeTemplate,
  resourceVersion: 9,
  minVersion: '1.0',
  maxVersion: '7.2',
  releasedVersion: '7.1',
});

/** The route tables node-api reads with `OPTIONS _apis/{area}` (ids from the installed node-api). */
const areaLocations: Record<string, RouteLocation[]> = {
  location: [routeLocation('e81700f7-3be2-46de-8624-2eb35882fcaa', 'Location', 'ResourceAreas', '_apis/{resource}/{areaId}')],
  build: [
    routeLocation('0cd358e1-9217-4d94-8269-1c1ee6f93dcf', 'build', 'builds', '{project}/_apis/build/{resource}/{buildId}'),
    routeLocation('35a80daf-7f30-45fc-86e8-6b813d9c90df', 'build', 'logs', '{project}/_apis/build/builds/{buildId}/{resource}/{logId}'),
  ],
  git: [
    routeLocation('225f7195-f9c7-4d14-ab28-a83f7ff77e1f', 'git', 'repositories', '{project}/_apis/git/{resource}/{repositoryId}'),
    routeLocation(
      'ea98d07b-3c87-4971-8ede-a613694ffb55',
      'git',
      'pushes',
      '{project}/_apis/git/repositories/{repositoryId}/{resource}/{pushId}',
    ),
    routeLocation(
      '5bf884f5-3e07-42e9-afb8-1b872267bf16',
      'git',
      'changes',
      '{project}/_apis/git/repositories/{repositoryId}/commits/{commitId}/{resource}',
    ),
    routeLocation(
      'fb93c0db-47ed-4a31-8c20-47552878fb44',
      'git',
      'items',
      '{project}/_apis/git/repositories/{repositoryId}/{resource}/{*path}',
    ),
  ],
  serviceendpoint: [
    routeLocation(
      'e85f1c62-adfc-4b74-b618-11a150fb195e',
      'serviceendpoint',
      'endpoints',
      '{project}/_apis/serviceendpoint/{resource}/{endpointId}',
    ),
  ],
};

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8')) as Record<string, unknown>;
}

/** The response body of a fixture in either recorded format. */
export function fixtureBody(name: string): unknown {
  const data = fixture(name) as { responseBody?: unknown; responses?: Record<string, { body?: unknown }> };
  if (data.responseBody !== undefined) return data.responseBody;
  const responses = data.responses ?? {};
  return (responses['200'] ?? responses['201'] ?? Object.values(responses)[0])?.body;
}

/** Point every recorded host at this server. */
export function rewrite<T>(value: T, orgUrl: string): T {
  const text = JSON.stringify(value)
    .replaceAll('https://fabrikam-fiber-inc.visualstudio.com/DefaultCollection', orgUrl)
    .replaceAll('https://dev.azure.com/fabrikam', orgUrl);
  return JSON.parse(text) as T;
}

export const projectIdFor = (name: string) => `00000000-0000-4000-8000-${Buffer.from(name).toString('hex').padEnd(12, '0').slice(0, 12)}`;

/** Deterministic build log text, exactly `size` bytes, produced in 64 KB chunks as it is read. */
export function generatedLog(size: number): Readable {
  const line = (n: number) =>
    `2025-01-01T00:00:${String(n % 60).padStart(2, '0')}.0000000Z ##[section] step output line ${n}: compiling module ${n % 97}\n`;
  async function* chunks(): AsyncGenerator<Buffer> {
    let remaining = size;
    let n = 0;
    while (remaining > 0) {
      const parts: string[] = [];
      let length = 0;
      while (length < 64 * 1024) {
        const text = line(n++);
        parts.push(text);
        length += text.length;
      }
      const chunk = Buffer.from(parts.join(''));
      const piece = remaining >= chunk.length ? chunk : chunk.subarray(0, remaining);
      remaining -= piece.length;
      yield piece;
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

export async function startAzureDevOpsServer(options: AzureDevOpsServerOptions = {}): Promise<AzureDevOpsServer> {
  const organization = options.organization ?? 'contoso';
  const calls: RecordedCall[] = [];
  const faults: Array<Fault & { remaining: number }> = [];
  const builds = new Map<string, LoopbackBuild>();
  for (const build of options.builds ?? []) builds.set(`${build.project}/${build.id}`, build);
  const subscriptions = new Map<string, Record<string, unknown>>();
  let orgUrl = '';

  const server = loopbackServer(handle, (res, message) => sendJson(res, 500, { message }));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const { method, body = '' } = await recordCall(calls, req, res, url);

    const fault = takeFault(faults, method, url.pathname);
    if (fault) return answerFault(res, fault, url.pathname);
    if (!authorized(req.headers.authorization)) {
      if (options.unauthenticatedAnswer === 203) return signInPage(res);
      res.writeHead(401, {
        'content-type': 'text/plain',
        'www-authenticate':
          'Bearer authorization_uri=https://login.microsoftonline.com/common, Basic realm="https://tfsprodweu2.app.visualstudio.com/"',
      });
      res.end('Access Denied: The Personal Access Token used has expired.');
      return;
    }

    const prefix = `/${organization}`;
    if (!url.pathname.startsWith(`${prefix}/`)) return sendJson(res, 404, { message: `no organization at ${url.pathname}` });
    const route = url.pathname.slice(prefix.length);
    let match: RegExpMatchArray | null;

    if (method === 'OPTIONS' && (match = route.match(/^\/_apis\/([^/]+)\/?$/))) {
      const area = decodeURIComponent(match[1]).toLowerCase();
      const extra = (options.extensions ?? []).flatMap((e) =>
        Object.entries(e.locations ?? {})
          .filter(([a]) => a.toLowerCase() === area)
          .flatMap(([, l]) => l),
      );
      const locations = [...(areaLocations[area] ?? []), ...extra];
      return sendJson(res, 200, { count: locations.length, value: locations });
    }
    if (options.extensions?.length && method !== 'OPTIONS') {
      const scoped = route.match(/^\/([^/]+)\/(_apis\/.*)$/);
      const request: LoopbackRequest = {
        method,
        url,
        route,
        body,
        headers: req.headers,
        orgUrl,
        ...(scoped && scoped[1] !== '_apis' ? { project: decodeURIComponent(scoped[1]), projectRoute: `/${scoped[2]}` } : {}),
      };
      for (const extension of options.extensions) if (await extension.handle(request, res)) return;
    }
    if (method === 'GET' && /^\/_apis\/ResourceAreas\/?$/i.test(route)) {
      // On-premises style: no areas elsewhere, every area lives at the organization URL.
      return sendJson(res, 200, { count: 0, value: [] });
    }
    if (method === 'GET' && /^\/_apis\/connectionData\/?$/i.test(route)) {
      return sendJson(res, 200, {
        authenticatedUser: { id: 'aaaaaaaa-0000-4000-8000-000000000001', providerDisplayName: 'Vigil', isActive: true },
        authorizedUser: { id: 'aaaaaaaa-0000-4000-8000-000000000001', providerDisplayName: 'Vigil', isActive: true },
        instanceId: 'bbbbbbbb-0000-4000-8000-000000000002',
        locationServiceData: { serviceOwner: '00025394-6065-48ca-87d9-7f5672854ef7', defaultAccessMappingMoniker: 'PublicAccessMapping' },
      });
    }
    if (method === 'GET' && /^\/_apis\/projects\/?$/i.test(route)) return listProjects(res, url);
    if ((match = route.match(/^\/_apis\/hooks\/subscriptions(?:\/([^/]+))?\/?$/i))) {
      return hookSubscriptions(res, method, match[1] ? decodeURIComponent(match[1]) : undefined, body, url);
    }

    if (!(match = route.match(/^\/([^/]+)\/(_apis\/.*)$/))) return sendJson(res, 404, { message: `no route for ${route}` });
    const project = decodeURIComponent(match[1]);
    const rest = `/${match[2]}`;

    if (method === 'GET' && (match = rest.match(/^\/_apis\/build\/builds\/(\d+)\/?$/i))) return getBuild(res, project, Number(match[1]));
    if (method === 'GET' && (match = rest.match(/^\/_apis\/build\/builds\/(\d+)\/logs\/?$/i)))
      return listLogs(res, project, Number(match[1]));
    if (method === 'GET' && (match = rest.match(/^\/_apis\/build\/builds\/(\d+)\/logs\/(\d+)\/?$/i))) {
      return streamLog(res, project, Number(match[1]), Number(match[2]));
    }
    if (method === 'GET' && /^\/_apis\/git\/repositories\/?$/i.test(rest)) return listRepositories(res, project);
    if (method === 'GET' && (match = rest.match(/^\/_apis\/git\/repositories\/([^/]+)\/pushes\/(\d+)\/?$/i))) {
      return getPush(res, project, decodeURIComponent(match[1]), Number(match[2]));
    }
    if (method === 'GET' && (match = rest.match(/^\/_apis\/git\/repositories\/([^/]+)\/commits\/([^/]+)\/changes\/?$/i))) {
      return getChanges(res, decodeURIComponent(match[1]), decodeURIComponent(match[2]), url);
    }
    if (method === 'GET' && (match = rest.match(/^\/_apis\/git\/repositories\/([^/]+)\/items\/?$/i))) {
      return getItem(res, decodeURIComponent(match[1]), url);
    }
    if (method === 'GET' && /^\/_apis\/serviceendpoint\/endpoints\/?$/i.test(rest)) return listEndpoints(res, project);
    if (method === 'GET' && (match = rest.match(/^\/_apis\/pipelines\/pipelinePermissions\/endpoint\/([^/]+)\/?$/i))) {
      return pipelinePermissions(res, decodeURIComponent(match[1]));
    }
    return sendJson(res, 404, { message: `no route for ${method} ${url.pathname}` });
  }

  function authorized(header: string | undefined): boolean {
    if (!header) return false;
    const [scheme, value = ''] = header.split(' ', 2);
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      return options.pat !== undefined && decoded.includes(':') && password === options.pat;
    }
    if (/^bearer$/i.test(scheme)) return value.length > 0 && (options.bearerTokens === undefined || options.bearerTokens.includes(value));
    return false;
  }

  function answerFault(res: http.ServerResponse, fault: Fault, requestPath: string): void {
    const headers: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    if (fault.rateLimitDelaySeconds !== undefined) headers['x-ratelimit-delay'] = String(fault.rateLimitDelaySeconds);
    switch (fault.status) {
      case 203:
        return signInPage(res);
      case 401:
        res.writeHead(401, { 'content-type': 'text/plain' });
        res.end('Access Denied: The Personal Access Token used has expired.');
        return;
      case 302:
        res.writeHead(302, { location: fault.location ?? '/' });
        res.end();
        return;
      case 403:
        // What a token without write access gets, in the shape Azure DevOps answers it.
        return sendJson(
          res,
          403,
          /\/_apis\/wit\//i.test(requestPath)
            ? {
                $id: '1',
                innerException: null,
                message: 'TF237111: The current user does not have permissions to save work items under the specified area path.',
                typeName:
                  'Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemUnauthorizedAccessException, Microsoft.TeamFoundation.WorkItemTracking.Server',
                typeKey: 'WorkItemUnauthorizedAccessException',
                errorCode: 0,
                eventId: 3000,
              }
            : {
                $id: '1',
                innerException: null,
                message: "TF401027: You need the Git 'PullRequestContribute' permission to perform this action.",
                typeName: 'Microsoft.TeamFoundation.Git.Server.GitNeedsPermissionException, Microsoft.TeamFoundation.Git.Server',
                typeKey: 'GitNeedsPermissionException',
                errorCode: 0,
                eventId: 3000,
              },
          headers,
        );
      case 429:
        if (fault.retryAfterSeconds === undefined && fault.rateLimitDelaySeconds === undefined) headers['retry-after'] = '30';
        headers['x-ratelimit-resource'] = 'ATCPU';
        return sendJson(res, 429, { message: 'TF400733: The request has been throttled.' }, headers);
      default:
        return sendJson(res, fault.status, { message: `loopback fault ${fault.status}` }, headers);
    }
  }

  function signInPage(res: http.ServerResponse): void {
    res.writeHead(203, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head><body>Sign in to your account</body></html>');
  }

  function projectsList(): Array<Required<LoopbackProject>> {
    return (options.projects ?? [{ name: 'Fabrikam-Fiber-Git' }]).map((p) => ({ id: p.id ?? projectIdFor(p.name), name: p.name }));
  }

  function projectRef(name: string) {
    const found = projectsList().find((p) => p.name === name || p.id === name);
    const id = found?.id ?? projectIdFor(name);
    return {
      id,
      name: found?.name ?? name,
      url: `${orgUrl}/_apis/projects/${id}`,
      state: 'wellFormed',
      revision: 1,
      visibility: 'private',
    };
  }

  function listProjects(res: http.ServerResponse, url: URL): void {
    const all = projectsList();
    const max = options.maxProjectsPage ?? 100;
    const top = Math.min(Number(url.searchParams.get('$top') ?? max) || max, max);
    const start = Number(url.searchParams.get('continuationToken') ?? '0') || 0;
    const page = all.slice(start, start + top).map((p) => projectRef(p.name));
    const headers: Record<string, string> = {};
    if (start + top < all.length) headers['x-ms-continuationtoken'] = String(start + top);
    sendJson(res, 200, { count: page.length, value: page }, headers);
  }

  function buildUrl(project: string, id: number): string {
    return `${orgUrl}/${projectRef(project).id}/_apis/build/Builds/${id}`;
  }

  function getBuild(res: http.ServerResponse, project: string, id: number): void {
    const build = builds.get(`${project}/${id}`);
    if (!build) return sendJson(res, 404, { message: `TF215016: The requested build ${id} could not be found.` });
    const recorded = rewrite(fixtureBody('build.get.json') as Record<string, unknown>, orgUrl);
    sendJson(res, 200, {
      ...recorded,
      id,
      buildNumber: `2025.${id}`,
      status: 'completed',
      result: build.result ?? 'succeeded',
      ...(build.definition ? { definition: { ...(recorded.definition as object), ...build.definition } } : {}),
      ...(build.startTime ? { startTime: build.startTime } : {}),
      ...(build.finishTime ? { finishTime: build.finishTime } : {}),
      url: buildUrl(project, id),
      project: projectRef(project),
      logs: { id: 0, type: 'Container', url: `${buildUrl(project, id)}/logs` },
    });
  }

  function logSize(log: LoopbackLog): number {
    if (log.file !== undefined) return log.range ? log.range.end - log.range.start + 1 : statSync(log.file).size;
    return log.content !== undefined ? Buffer.byteLength(log.content) : (log.sizeBytes ?? 0);
  }

  function listLogs(res: http.ServerResponse, project: string, id: number): void {
    const build = builds.get(`${project}/${id}`);
    if (!build) return sendJson(res, 404, { message: `TF215016: The requested build ${id} could not be found.` });
    const value = build.logs.map((log) => ({
      id: log.id,
      type: 'Container',
      url: `${buildUrl(project, id)}/logs/${log.id}`,
      lineCount: Math.max(1, Math.round(logSize(log) / 90)),
      createdOn: '2025-01-01T00:00:00.000Z',
      lastChangedOn: '2025-01-01T00:05:00.000Z',
    }));
    sendJson(res, 200, { count: value.length, value });
  }

  async function streamLog(res: http.ServerResponse, project: string, buildId: number, logId: number): Promise<void> {
    const log = builds.get(`${project}/${buildId}`)?.logs.find((l) => l.id === logId);
    if (!log) return sendJson(res, 404, { message: `log ${logId} of build ${buildId} not found` });
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(logSize(log)) });
    const source =
      log.file !== undefined
        ? createReadStream(log.file, { highWaterMark: 256 * 1024, ...log.range })
        : log.content !== undefined
          ? Readable.from([Buffer.from(log.content)])
          : generatedLog(log.sizeBytes ?? 0);
    await pipeline(source, res).catch(() => undefined); // the client may stop reading
  }

  function repositoriesOf(project: string) {
    const ref = projectRef(project);
    const configured = options.repositories?.[project];
    if (!configured) {
      return rewrite((fixtureBody('git.repositories.list.json') as { value: unknown[] }).value, orgUrl);
    }
    return configured.map((repo) => {
      const id = repo.id ?? projectIdFor(`${project}/${repo.name}`);
      return {
        id,
        name: repo.name,
        url: `${orgUrl}/_apis/git/repositories/${id}`,
        project: ref,
        defaultBranch: 'refs/heads/main',
        remoteUrl: `${orgUrl}/${encodeURIComponent(ref.name)}/_git/${encodeURIComponent(repo.name)}`,
        ...(repo.isDisabled !== undefined ? { isDisabled: repo.isDisabled } : {}),
      };
    });
  }

  function listRepositories(res: http.ServerResponse, project: string): void {
    const value = repositoriesOf(project);
    sendJson(res, 200, { count: value.length, value });
  }

  function getPush(res: http.ServerResponse, project: string, repositoryId: string, pushId: number): void {
    const commits = (options.commits ?? []).filter((c) => c.repositoryId === repositoryId);
    sendJson(res, 200, {
      pushId,
      date: '2025-01-01T00:00:00Z',
      pushedBy: { id: 'aaaaaaaa-0000-4000-8000-000000000003', displayName: 'Developer' },
      url: `${orgUrl}/${encodeURIComponent(project)}/_apis/git/repositories/${repositoryId}/pushes/${pushId}`,
      commits: commits.map((c) => ({
        commitId: c.commitId,
        comment: 'change',
        url: `${orgUrl}/_apis/git/repositories/${repositoryId}/commits/${c.commitId}`,
      })),
      refUpdates: [{ name: 'refs/heads/main', oldObjectId: '0'.repeat(40), newObjectId: commits[0]?.commitId ?? '1'.repeat(40) }],
      repository: { id: repositoryId, name: repositoryId, project: projectRef(project) },
    });
  }

  function getChanges(res: http.ServerResponse, repositoryId: string, commitId: string, url: URL): void {
    const commit = (options.commits ?? []).find((c) => c.repositoryId === repositoryId && c.commitId === commitId);
    if (!commit) return sendJson(res, 404, { message: `TF401175: commit ${commitId} not found` });
    const all = Object.keys(commit.files).map((p) => ({
      item: {
        objectId: projectIdFor(p),
        path: p,
        gitObjectType: 'blob',
        commitId,
        url: `${orgUrl}/_apis/git/repositories/${repositoryId}/items${p}`,
      },
      changeType: 'add',
    }));
    const skip = Number(url.searchParams.get('skip') ?? '0') || 0;
    const top = Number(url.searchParams.get('top') ?? '100') || 100;
    const changes = all.slice(skip, skip + top);
    sendJson(res, 200, { changeCounts: { Add: all.length }, changes });
  }

  function getItem(res: http.ServerResponse, repositoryId: string, url: URL): void {
    const itemPath = url.searchParams.get('path') ?? '';
    const version = url.searchParams.get('versionDescriptor.version') ?? undefined;
    const commit = (options.commits ?? []).find(
      (c) => c.repositoryId === repositoryId && (!version || c.commitId === version) && itemPath in c.files,
    );
    if (!commit) return sendJson(res, 404, { message: `TF401174: The item '${itemPath}' could not be found.` });
    const content = Buffer.from(commit.files[itemPath]);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(content.length) });
    res.end(content);
  }

  function listEndpoints(res: http.ServerResponse, project: string): void {
    const ref = projectRef(project);
    const value = rewrite(
      (fixtureBody('serviceendpoint.endpoints.list.json') as { value: Array<Record<string, unknown>> }).value,
      orgUrl,
    ).map((e) => ({
      ...e,
      serviceEndpointProjectReferences: [{ projectReference: { id: ref.id, name: ref.name }, name: e.name }],
    }));
    sendJson(res, 200, { count: value.length, value });
  }

  function pipelinePermissions(res: http.ServerResponse, endpointId: string): void {
    const recorded = fixtureBody('pipelinepermissions.get.json') as Record<string, unknown>;
    const open = options.openEndpoints?.[endpointId];
    sendJson(res, 200, {
      ...recorded,
      resource: { type: 'endpoint', id: endpointId },
      ...(open === undefined ? {} : { allPipelines: { authorized: open, authorizedOn: '2025-01-01T00:00:00Z' } }),
    });
  }

  function hookSubscriptions(res: http.ServerResponse, method: string, id: string | undefined, body: string, url: URL): void {
    const template = rewrite(fixtureBody('hooks.subscription.create.json') as Record<string, unknown>, orgUrl);
    const parse = (): Record<string, unknown> => (body ? (JSON.parse(body) as Record<string, unknown>) : {});
    // Azure DevOps never hands a confidential input (the Basic-auth password) back.
    const masked = (s: Record<string, unknown> | undefined) => {
      const inputs = s?.consumerInputs as Record<string, unknown> | undefined;
      return inputs?.basicAuthPassword === undefined ? s : { ...s, consumerInputs: { ...inputs, basicAuthPassword: '********' } };
    };
    if (!id && method === 'GET') {
      const filters = ['publisherId', 'eventType', 'consumerId', 'consumerActionId'] as const;
      const value = [...subscriptions.values()].filter((s) =>
        filters.every((f) => !url.searchParams.get(f) || s[f] === url.searchParams.get(f)),
      );
      return sendJson(res, 200, { count: value.length, value: value.map(masked) });
    }
    if (!id && method === 'POST') {
      const newId = randomUUID();
      const created = { ...template, ...parse(), id: newId, url: `${orgUrl}/_apis/hooks/subscriptions/${newId}`, status: 'enabled' };
      subscriptions.set(newId, created);
      return sendJson(res, 200, masked(created));
    }
    if (id && !subscriptions.has(id)) return sendJson(res, 404, { message: `subscription ${id} not found` });
    if (id && method === 'GET') return sendJson(res, 200, masked(subscriptions.get(id)));
    if (id && method === 'PUT') {
      const replaced = { ...template, ...parse(), id, url: `${orgUrl}/_apis/hooks/subscriptions/${id}` };
      subscriptions.set(id, replaced);
      return sendJson(res, 200, masked(replaced));
    }
    if (id && method === 'DELETE') {
      subscriptions.delete(id);
      res.writeHead(204);
      res.end();
      return;
    }
    sendJson(res, 405, { message: `${method} not allowed` });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  orgUrl = `${origin}/${organization}`;

  return {
    url: orgUrl,
    origin,
    organization,
    calls,
    options,
    injectFault: (fault) => faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY }),
    clearFaults: () => {
      faults.length = 0;
    },
    addBuild: (build) => {
      builds.set(`${build.project}/${build.id}`, build);
    },
    callsTo: (fragment, method) => calls.filter((c) => c.path.includes(fragment) && (!method || c.method === method.toUpperCase())),
    hookSubscriptions: () => [...subscriptions.values()].map((s) => structuredClone(s)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8; api-version=7.1',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
