import type * as http from 'node:http';
import type { GitHubLoopbackRequest } from '../githubApiServer';

/**
 * Pieces every loopback GitHub route answers with: users as GitHub writes them, pages with a
 * `Link` header (`per_page`, default 30, capped; `page`), JSON with the rate-limit headers
 * Octokit reads, and GitHub's 422 "Validation Failed" body.
 */
export interface GitHubUser {
  login: string;
  id: number;
  type?: 'User' | 'Bot' | 'Organization';
  name?: string;
}

export function githubUser(user: GitHubUser, origin: string, full = false) {
  const url = `${origin}/users/${user.login}`;
  return {
    login: user.login,
    id: user.id,
    node_id: `U_${user.id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `https://github.com/${user.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: user.type ?? 'User',
    site_admin: false,
    ...(full
      ? {
          name: user.name ?? user.login,
          company: null,
          blog: '',
          location: null,
          email: null,
          hireable: null,
          bio: null,
          public_repos: 0,
          followers: 0,
          following: 0,
          created_at: '2020-01-01T00:00:00Z',
          updated_at: '2026-01-01T00:00:00Z',
        }
      : {}),
  };
}

/** One page of `items` as GitHub pages, with a `Link` header to the others. */
export function githubPage<T>(
  request: Pick<GitHubLoopbackRequest, 'url' | 'origin'>,
  items: T[],
  maxPerPage = 100,
): { slice: T[]; headers: Record<string, string> } {
  const { url, origin } = request;
  const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '30') || 30, maxPerPage);
  const current = Math.max(Number(url.searchParams.get('page') ?? '1') || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number, rel: string) => {
    const target = new URL(`${origin}${url.pathname}`);
    for (const [key, value] of url.searchParams) target.searchParams.set(key, value);
    target.searchParams.set('per_page', String(perPage));
    target.searchParams.set('page', String(n));
    return `<${target.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (current < last) links.push(link(current + 1, 'next'), link(last, 'last'));
  if (current > 1) links.push(link(1, 'first'), link(current - 1, 'prev'));
  return { slice: items.slice((current - 1) * perPage, current * perPage), headers: links.length ? { link: links.join(', ') } : {} };
}

let requestCount = 1;

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': '4999',
    'x-ratelimit-reset': '1999999999',
    'x-ratelimit-resource': 'core',
    'x-github-request-id': `B2C3:${(requestCount++).toString(16).toUpperCase()}`,
    ...headers,
  });
  res.end(text);
  return true;
}

/** GitHub's 422 for a field that fails validation. */
export function validationFailed(
  res: http.ServerResponse,
  resource: string,
  field: string,
  code: string,
  message: string,
  docAnchor: string,
): true {
  const area =
    resource === 'IssueComment'
      ? 'issues/comments'
      : resource === 'Status'
        ? 'commits/statuses'
        : resource === 'CheckRun'
          ? 'checks/runs'
          : 'pulls/comments';
  return send(res, 422, {
    message: 'Validation Failed',
    errors: [{ resource, code, field, message }],
    documentation_url: `https://docs.github.com/rest/${area}#${docAnchor}`,
    status: '422',
  });
}

/** GitHub's 422 "Invalid request." (the check runs API answers size and count limits with it). */
export function invalidRequest(res: http.ServerResponse, detail: string, docAnchor: string): true {
  return send(res, 422, {
    message: `Invalid request.\n\n${detail}`,
    documentation_url: `https://docs.github.com/rest/checks/runs#${docAnchor}`,
    status: '422',
  });
}
