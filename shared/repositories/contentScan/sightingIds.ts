import { createHash } from 'node:crypto';

/**
 * A repository sighting's id: deterministic per (commit, path, line, fingerprint), and short (risks
 * keep the last fifty). A push scan and a triage from a pull request give the same finding the same id.
 */
export function repositorySightingId(commitId: string, path: string, line: number, fingerprint: string): string {
  const digest = createHash('sha256').update([path, line, fingerprint].join('\u0000')).digest('base64url').slice(0, 22);
  return `git:${commitId}:${digest}`;
}
