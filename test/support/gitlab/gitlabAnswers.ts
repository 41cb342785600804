import type * as http from 'node:http';

/**
 * Pieces every loopback GitLab route answers with: users as GitLab writes them, offset pages
 * (`page`, `per_page` default 20, capped at 100) with `Link`, `X-Page`, `X-Per-Page`,
 * `X-Next-Page`, `X-Prev-Page`, `X-Total` and `X-Total-Pages` (gitbeaker follows them), and JSON.
 */
export interface GitLabUser {
  id: number;
  username: string;
  name?: string;
  bot?: boolean;
}

export function gitlabUser(user: GitLabUser, origin: string) {
  return {
    id: user.id,
    username: user.username,
    name: user.name ?? user.username,
    state: 'active',
    locked: false,
    avatar_url: `${origin}/uploads/-/system/user/avatar/${user.id}/avatar.png`,
    web_url: `${origin}/${user.username}`,
  };
}

export function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
  return true;
}

export function sendPage<T>(res: http.ServerResponse, origin: string, url: URL, items: T[], render: (item: T) => unknown): true {
  const perPage = Math.min(Number(url.searchParams.get('per_page') ?? '20') || 20, 100);
  const page = Math.max(Number(url.searchParams.get('page') ?? '1') || 1, 1);
  const pages = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number, rel: string) => {
    const target = new URL(`${origin}${url.pathname}`);
    for (const [key, value] of url.searchParams) target.searchParams.set(key, value);
    target.searchParams.set('page', String(n));
    target.searchParams.set('per_page', String(perPage));
    return `<${target.toString()}>; rel="${rel}"`;
  };
  const links = [
    ...(page > 1 ? [link(page - 1, 'prev')] : []),
    ...(page < pages ? [link(page + 1, 'next')] : []),
    link(1, 'first'),
    link(pages, 'last'),
  ];
  return send(res, 200, items.slice((page - 1) * perPage, page * perPage).map(render), {
    link: links.join(', '),
    'x-page': String(page),
    'x-per-page': String(perPage),
    'x-next-page': page < pages ? String(page + 1) : '',
    'x-prev-page': page > 1 ? String(page - 1) : '',
    'x-total': String(items.length),
    'x-total-pages': String(pages),
  });
}

/**
 * A request's parameters as GitLab reads them: the query string, then the body — JSON, a
 * urlencoded form, or multipart form data (gitbeaker sends a discussion's `position` that way, as
 * `position[new_line]` fields); bracketed names become nested objects.
 */
export async function parameters(body: string, url: URL, contentType: string | undefined): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = Object.fromEntries(url.searchParams);
  if (body) {
    if (/multipart\/form-data/i.test(contentType ?? '')) {
      const form = await new Request('http://loopback/', {
        method: 'POST',
        body,
        headers: { 'content-type': contentType ?? '' },
      }).formData();
      for (const [key, value] of form) fields[key] = String(value);
    } else {
      try {
        const value = JSON.parse(body) as unknown;
        if (value && typeof value === 'object' && !Array.isArray(value)) Object.assign(fields, value);
      } catch {
        Object.assign(fields, Object.fromEntries(new URLSearchParams(body)));
      }
    }
  }
  return nest(fields);
}

/** `{ 'position[new_line]': '3' }` → `{ position: { new_line: '3' } }`. */
function nest(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const parts = key.match(/^([^[]+)((?:\[[^\]]*\])+)$/);
    if (!parts) {
      out[key] = value;
      continue;
    }
    let target = out;
    const path = [parts[1], ...[...parts[2].matchAll(/\[([^\]]*)\]/g)].map((m) => m[1])];
    for (const segment of path.slice(0, -1)) target = (target[segment] ??= {}) as Record<string, unknown>;
    target[path[path.length - 1]] = value;
  }
  return out;
}
