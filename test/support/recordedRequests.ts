/**
 * Everything the loopback stand-ins (Azure DevOps, GitHub, GitLab) were sent, as one text, so a
 * test can assert that a secret value appears nowhere: not in a body, not in a path, not in a
 * query string. Authorization headers are left out: they carry the test's own token.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: string;
}

export function recordedRequestText(...callLists: Array<readonly RecordedRequest[]>): string {
  return callLists
    .flat()
    .map(
      (call) =>
        `${call.method} ${call.path}${Object.keys(call.query).length ? `?${new URLSearchParams(call.query).toString()}` : ''}\n${call.body ?? ''}`,
    )
    .join('\n');
}

/** The bodies alone, parsed as JSON where they are JSON (for assertions on what was posted). */
export function recordedBodies(calls: readonly RecordedRequest[], filter: { method?: string; path?: string | RegExp } = {}): unknown[] {
  return calls
    .filter((c) => c.body && (!filter.method || c.method.toUpperCase() === filter.method.toUpperCase()))
    .filter((c) => !filter.path || (typeof filter.path === 'string' ? c.path.includes(filter.path) : filter.path.test(c.path)))
    .map((c) => {
      try {
        return JSON.parse(c.body ?? '') as unknown;
      } catch {
        return c.body;
      }
    });
}
