import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackServer, readRequestBody, takeFault } from '../../shared/simulator/loopbackRequests';
import { sendPage } from './gitlab/gitlabAnswers';
import type { LoopbackCommit, LoopbackGitHistory } from './loopbackGitHistory';

/**
 * A loopback GitLab REST API (v4) for the real gitbeaker: the calls a push scan makes, answered in
 * the shapes GitLab's REST docs show — `GET /projects/:id` (default branch), `GET
 * /projects/:id/repository/compare?from&to` (commits oldest first, aggregate diffs), `GET
 * /projects/:id/repository/commits/:sha`, `GET /projects/:id/repository/commits/:sha/diff`
 * (offset-paged with `Link`, `X-Page`, `X-Next-Page`, `X-Total`), and `GET
 * /projects/:id/repository/files/:file_path/raw?ref=` (raw bytes). The token is checked in
 * `PRIVATE-TOKEN`. Every call is recorded (with its body); faults (401, 403, 429 with Retry-After,
 * 5xx) are injected per path and method; extensions add routes (merge requests, ...).
 */
export interface LoopbackGitLabProject {
  id: number;
  pathWithNamespace: string;
  defaultBranch: string;
  history: LoopbackGitHistory;
}

export interface GitLabApiServerOptions {
  /** The token gitbeaker must send in `PRIVATE-TOKEN`. */
  token: string;
  projects: LoopbackGitLabProject[];
  /** More routes (merge requests, ...), asked in order after the token is checked, before the built-in ones. */
  extensions?: GitLabLoopbackExtension[];
}

/** One authenticated request, as an extension sees it. */
export interface GitLabLoopbackRequest {
  method: string;
  url: URL;
  /** The raw path after `/api/v4` (ids and file paths still URL-encoded). */
  path: string;
  headers: http.IncomingHttpHeaders;
  /** `http://127.0.0.1:PORT`, to write links that point back here. */
  origin: string;
  /** The request body as text ('' when none). */
  body: string;
}

/** Routes kept in their own file: answer (and return true) or leave the request to the next. */
export interface GitLabLoopbackExtension {
  handle(request: GitLabLoopbackRequest, res: http.ServerResponse): boolean | Promise<boolean>;
}

export interface GitLabFault {
  /** Substring of the request path (after /api/v4) or a pattern over it. */
  path: string | RegExp;
  /** Only calls with this method (default: any). */
  method?: string;
  status: 401 | 403 | 429 | 500 | 502 | 503;
  retryAfterSeconds?: number;
  /** How many matching calls get the fault (default: all). */
  times?: number;
}

export interface GitLabRecordedCall {
  method: string;
  /** The path after `/api/v4`, decoded: `/projects/15/repository/files/src/app.ts/raw`. */
  path: string;
  query: Record<string, string>;
  /** The request body as received ('' when none). */
  body?: string;
  status?: number;
}

export interface GitLabApiServer {
  /** The instance URL to configure (`gitlab.url`); the API is under `/api/v4`. */
  readonly url: string;
  readonly calls: GitLabRecordedCall[];
  /** Every header value received, for checking a token never went elsewhere. */
  readonly receivedTokens: string[];
  injectFault(fault: GitLabFault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

/** GitLab's default page size. */

export async function startGitLabApiServer(options: GitLabApiServerOptions): Promise<GitLabApiServer> {
  const calls: GitLabRecordedCall[] = [];
  const receivedTokens: string[] = [];
  const faults: Array<GitLabFault & { remaining: number }> = [];
  let origin = '';

  const server = loopbackServer(handle, (res, message) => send(res, 500, { message }));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const body = await readRequestBody(req);
    if (!url.pathname.startsWith('/api/v4/')) return send(res, 404, { error: '404 Not Found' });
    const path = url.pathname.slice('/api/v4'.length);
    const call: GitLabRecordedCall = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(path),
      query: Object.fromEntries(url.searchParams),
      body,
    };
    calls.push(call);
    res.on('finish', () => {
      call.status = res.statusCode;
    });
    const token = req.headers['private-token'];
    if (typeof token === 'string') receivedTokens.push(token);

    const fault = takeFault(faults, call.method, call.path);
    if (fault) {
      if (fault.status === 401) return send(res, 401, { message: '401 Unauthorized' });
      if (fault.status === 403) return send(res, 403, { message: '403 Forbidden' });
      if (fault.status === 429) {
        return send(res, 429, 'Retry later', {
          'content-type': 'text/plain',
          ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
          'ratelimit-limit': '600',
          'ratelimit-remaining': '0',
        });
      }
      return send(res, fault.status, { message: `${fault.status} Server Error` });
    }
    if (token !== options.token) return send(res, 401, { message: '401 Unauthorized' });
    for (const extension of options.extensions ?? []) {
      if (await extension.handle({ method: call.method.toUpperCase(), url, path, headers: req.headers, origin, body }, res)) return;
    }
    if (call.method !== 'GET') return send(res, 405, { message: '405 Method Not Allowed' });

    // The project id and a file path arrive URL-encoded (`src%2Fapp.ts`); match on the raw path.
    const match = path.match(/^\/projects\/([^/]+)(\/.*)?$/);
    const project = match
      ? options.projects.find((p) => String(p.id) === decodeURIComponent(match[1]) || p.pathWithNamespace === decodeURIComponent(match[1]))
      : undefined;
    if (!match || !project) return send(res, 404, { message: '404 Project Not Found' });
    const rest = match[2] ?? '';
    const web = `${origin}/${project.pathWithNamespace}`;
    let m: RegExpMatchArray | null;
    if (rest === '' || rest === '/') return send(res, 200, projectJson(project, web));
    if (rest === '/repository/compare') return compare(res, project, url, web);
    if ((m = rest.match(/^\/repository\/commits\/([^/]+)$/))) {
      const commit = project.history.commit(project.history.resolve(decodeURIComponent(m[1])) ?? '');
      return commit ? send(res, 200, commitJson(project, commit, web)) : send(res, 404, { message: '404 Commit Not Found' });
    }
    if ((m = rest.match(/^\/repository\/commits\/([^/]+)\/diff$/))) return diff(res, project, decodeURIComponent(m[1]), url);
    if ((m = rest.match(/^\/repository\/files\/([^/]+)\/raw$/))) return raw(res, project, decodeURIComponent(m[1]), url);
    return send(res, 404, { error: '404 Not Found' });
  }

  function compare(res: http.ServerResponse, project: LoopbackGitLabProject, url: URL, web: string): void {
    const from = project.history.resolve(url.searchParams.get('from') ?? '');
    const to = project.history.resolve(url.searchParams.get('to') ?? '');
    if (!from || !to) return send(res, 404, { message: '404 Ref Not Found' });
    // GitLab compares from the merge base; unrelated histories compare to nothing.
    const commits = project.history.between(from, to) ?? [];
    send(res, 200, {
      commit: commits.length ? commitJson(project, commits.at(-1)!, web) : null,
      commits: commits.map((c) => commitJson(project, c, web)),
      diffs: commits.flatMap((c) => diffsOf(project, c)),
      compare_timeout: false,
      compare_same_ref: from === to,
      web_url: `${web}/-/compare/${url.searchParams.get('from')}...${url.searchParams.get('to')}`,
    });
  }

  function diff(res: http.ServerResponse, project: LoopbackGitLabProject, ref: string, url: URL): void {
    const commit = project.history.commit(project.history.resolve(ref) ?? '');
    if (!commit) return send(res, 404, { message: '404 Commit Not Found' });
    const all = diffsOf(project, commit);
    sendPage(res, origin, url, all, (diff) => diff);
  }

  function raw(res: http.ServerResponse, project: LoopbackGitLabProject, path: string, url: URL): void {
    const sha = project.history.resolve(url.searchParams.get('ref') ?? project.defaultBranch);
    const content = sha ? project.history.contentAt(sha, path) : undefined;
    if (content === undefined) return send(res, 404, { message: '404 File Not Found' });
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(content.length),
      'x-gitlab-file-path': path,
    });
    res.end(content);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    calls,
    receivedTokens,
    injectFault: (fault) => faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY }),
    clearFaults: () => {
      faults.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function projectJson(project: LoopbackGitLabProject, web: string) {
  const name = project.pathWithNamespace.split('/').at(-1);
  return {
    id: project.id,
    description: null,
    name,
    name_with_namespace: project.pathWithNamespace.replace(/\//g, ' / '),
    path: name,
    path_with_namespace: project.pathWithNamespace,
    created_at: '2026-01-10T09:00:00.000Z',
    default_branch: project.defaultBranch,
    visibility: 'private',
    web_url: web,
    http_url_to_repo: `${web}.git`,
    namespace: {
      id: 9,
      name: project.pathWithNamespace.split('/')[0],
      path: project.pathWithNamespace.split('/')[0],
      kind: 'group',
      full_path: project.pathWithNamespace.split('/')[0],
    },
  };
}

function commitJson(project: LoopbackGitLabProject, commit: LoopbackCommit, web: string) {
  const parent = project.history.parentOf(commit.sha);
  const message = commit.message ?? 'Update files';
  return {
    id: commit.sha,
    short_id: commit.sha.slice(0, 8),
    title: message.split('\n')[0],
    message,
    author_name: commit.author.name,
    author_email: commit.author.email,
    authored_date: commit.author.date,
    committer_name: commit.author.name,
    committer_email: commit.author.email,
    committed_date: commit.author.date,
    created_at: commit.author.date,
    parent_ids: parent ? [parent] : [],
    trailers: {},
    extended_trailers: {},
    web_url: `${web}/-/commit/${commit.sha}`,
  };
}

function diffsOf(project: LoopbackGitLabProject, commit: LoopbackCommit) {
  const parent = project.history.parentOf(commit.sha);
  return Object.entries(commit.changes).map(([path, content]) => {
    const existed = parent ? project.history.contentAt(parent, path) !== undefined : false;
    const deleted = content === null;
    return {
      diff: deleted ? '@@ -1 +0,0 @@\n-…\n' : '@@ -0,0 +1 @@\n+…\n',
      new_path: path,
      old_path: path,
      a_mode: existed ? '100644' : '0',
      b_mode: deleted ? '0' : '100644',
      new_file: !existed && !deleted,
      renamed_file: false,
      deleted_file: deleted,
      generated_file: false,
    };
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}
