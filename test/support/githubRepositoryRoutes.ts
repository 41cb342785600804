import type * as http from 'node:http';
import type { GitHubLoopbackExtension } from './githubApiServer';
import { blobSha, type LoopbackCommit, type LoopbackGitHistory } from './loopbackGitHistory';

/**
 * Repository content routes for the loopback GitHub (test/support/githubApiServer.ts): the calls a
 * push scan makes with Octokit, answered in the shapes GitHub's REST reference documents —
 * `GET /repos/{owner}/{repo}` (default branch), `GET /repos/{owner}/{repo}/compare/{base}...{head}`
 * (commits oldest first, paged), `GET /repos/{owner}/{repo}/commits/{ref}` (one commit with its
 * files, paged), and `GET /repos/{owner}/{repo}/contents/{path}?ref=` (raw with
 * `application/vnd.github.raw`, else the JSON object with base64 content). The server records
 * every call; these routes only answer.
 */
export interface LoopbackGitHubRepository {
  /** `owner/name`. */
  fullName: string;
  defaultBranch: string;
  history: LoopbackGitHistory;
}

export class GitHubRepositoryRoutes implements GitHubLoopbackExtension {
  constructor(private readonly repositories: LoopbackGitHubRepository[]) {}

  handle(request: { method: string; url: URL; headers: http.IncomingHttpHeaders; origin: string }, res: http.ServerResponse): boolean {
    if (request.method !== 'GET') return false;
    const match = request.url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)(?:\/(compare|commits|contents)\/(.+))?\/?$/);
    if (!match) return false;
    const repository = this.repositories.find((r) => r.fullName.toLowerCase() === `${match[1]}/${match[2]}`.toLowerCase());
    if (!repository) return false;
    const api = `${request.origin}/repos/${repository.fullName}`;
    const web = `https://github.com/${repository.fullName}`;
    const { url } = request;
    switch (match[3]) {
      case undefined:
        send(res, 200, repositoryJson(repository, api, web));
        return true;
      case 'compare':
        return compare(res, repository, decodeURIComponent(match[4]), url, api, web);
      case 'commits':
        return commit(res, repository, decodeURIComponent(match[4]), url, api, web);
      case 'contents':
        return contents(res, repository, decodeURIComponent(match[4]), url, request.headers, api);
      default:
        return false;
    }
  }
}

function compare(
  res: http.ServerResponse,
  repository: LoopbackGitHubRepository,
  basehead: string,
  url: URL,
  api: string,
  web: string,
): boolean {
  const [baseRef, headRef] = basehead.split('...');
  const base = repository.history.resolve(baseRef);
  const head = repository.history.resolve(headRef ?? '');
  if (!base || !head) return notFound(res);
  const commits = repository.history.between(base, head);
  if (!commits) {
    send(res, 404, {
      message: `No common ancestor between ${baseRef} and ${headRef}.`,
      documentation_url: 'https://docs.github.com/rest/commits/commits#compare-two-commits',
      status: '404',
    });
    return true;
  }
  const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '250') || 250, 250);
  const page = Math.max(Number(url.searchParams.get('page') ?? '1') || 1, 1);
  send(res, 200, {
    url: `${api}/compare/${basehead}`,
    html_url: `${web}/compare/${basehead}`,
    permalink_url: `${web}/compare/${base.slice(0, 7)}...${head.slice(0, 7)}`,
    diff_url: `${web}/compare/${basehead}.diff`,
    patch_url: `${web}/compare/${basehead}.patch`,
    base_commit: commitJson(repository, repository.history.commit(base)!, api, web),
    merge_base_commit: commitJson(repository, repository.history.commit(base)!, api, web),
    status: commits.length === 0 ? 'identical' : 'ahead',
    ahead_by: commits.length,
    behind_by: 0,
    total_commits: commits.length,
    commits: commits.slice((page - 1) * perPage, page * perPage).map((c) => commitJson(repository, c, api, web)),
    // GitHub lists the aggregate files on the first page only.
    files: page === 1 ? commits.flatMap((c) => filesOf(repository, c, api, web)) : [],
  });
  return true;
}

function commit(res: http.ServerResponse, repository: LoopbackGitHubRepository, ref: string, url: URL, api: string, web: string): boolean {
  const sha = repository.history.resolve(ref);
  const found = sha ? repository.history.commit(sha) : undefined;
  if (!found) {
    send(res, 422, {
      message: `No commit found for SHA: ${ref}`,
      documentation_url: 'https://docs.github.com/rest/commits/commits#get-a-commit',
      status: '422',
    });
    return true;
  }
  const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '300') || 300, 300);
  const page = Math.max(Number(url.searchParams.get('page') ?? '1') || 1, 1);
  const files = filesOf(repository, found, api, web);
  send(res, 200, {
    ...commitJson(repository, found, api, web),
    stats: { total: files.length, additions: files.length, deletions: 0 },
    files: files.slice((page - 1) * perPage, page * perPage),
  });
  return true;
}

function contents(
  res: http.ServerResponse,
  repository: LoopbackGitHubRepository,
  path: string,
  url: URL,
  headers: http.IncomingHttpHeaders,
  api: string,
): boolean {
  const ref = url.searchParams.get('ref') ?? repository.defaultBranch;
  const sha = repository.history.resolve(ref);
  const content = sha ? repository.history.contentAt(sha, path) : undefined;
  if (content === undefined) return notFound(res);
  // Octokit asks `application/vnd.github.v3.raw`; GitHub's docs now write `application/vnd.github.raw+json`.
  if (/application\/vnd\.github(\.v3)?\.raw/.test(String(headers.accept ?? ''))) {
    res.writeHead(200, { 'content-type': 'application/vnd.github.raw; charset=utf-8', 'content-length': String(content.length) });
    res.end(content);
    return true;
  }
  send(res, 200, {
    type: 'file',
    encoding: 'base64',
    size: content.length,
    name: path.split('/').at(-1),
    path,
    content: content.toString('base64'),
    sha: blobSha(content),
    url: `${api}/contents/${path}?ref=${ref}`,
  });
  return true;
}

function repositoryJson(repository: LoopbackGitHubRepository, api: string, web: string) {
  const [owner, name] = repository.fullName.split('/');
  return {
    id: 1296269,
    node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
    name,
    full_name: repository.fullName,
    owner: { login: owner, id: 1, type: 'Organization' },
    private: true,
    html_url: web,
    url: api,
    default_branch: repository.defaultBranch,
    visibility: 'private',
  };
}

function commitJson(repository: LoopbackGitHubRepository, commit: LoopbackCommit, api: string, web: string) {
  const parent = repository.history.parentOf(commit.sha);
  const person = { name: commit.author.name, email: commit.author.email, date: commit.author.date };
  return {
    sha: commit.sha,
    node_id: `C_${commit.sha.slice(0, 12)}`,
    commit: {
      author: person,
      committer: person,
      message: commit.message ?? 'Update files',
      tree: { sha: blobSha(commit.sha), url: `${api}/git/trees/${blobSha(commit.sha)}` },
      url: `${api}/git/commits/${commit.sha}`,
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null },
    },
    url: `${api}/commits/${commit.sha}`,
    html_url: `${web}/commit/${commit.sha}`,
    comments_url: `${api}/commits/${commit.sha}/comments`,
    author: null,
    committer: null,
    parents: parent ? [{ sha: parent, url: `${api}/commits/${parent}`, html_url: `${web}/commit/${parent}` }] : [],
  };
}

function filesOf(repository: LoopbackGitHubRepository, commit: LoopbackCommit, api: string, web: string) {
  const parent = repository.history.parentOf(commit.sha);
  return Object.entries(commit.changes).map(([path, content]) => {
    const before = parent ? repository.history.contentAt(parent, path) : undefined;
    const removed = content === null;
    const sha = removed ? blobSha(before ?? '') : blobSha(content);
    return {
      sha,
      filename: path,
      status: removed ? 'removed' : before === undefined ? 'added' : 'modified',
      additions: removed ? 0 : 1,
      deletions: removed || before !== undefined ? 1 : 0,
      changes: 1,
      blob_url: `${web}/blob/${commit.sha}/${path}`,
      raw_url: `${web}/raw/${commit.sha}/${path}`,
      contents_url: `${api}/contents/${path}?ref=${commit.sha}`,
    };
  });
}

function notFound(res: http.ServerResponse): boolean {
  send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
  return true;
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}
