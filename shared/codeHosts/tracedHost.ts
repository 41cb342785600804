import { telemetry } from '../telemetry';
import type { PullRequestHost } from './pullRequestHost';

/** The port's calls that are one request (or a few) to the platform: each becomes a client span. */
const tracedCalls = [
  'describePush',
  'fileContent',
  'pullRequestOf',
  'pullRequest',
  'pullRequestFiles',
  'identity',
  'setStatus',
  'postSummary',
  'updateSummary',
  'deleteSummary',
  'findSummary',
  'postThread',
  'listThreads',
  'reply',
  'resolveThread',
  'reopenThread',
  'thread',
  'comment',
] as const satisfies ReadonlyArray<keyof PullRequestHost>;

const platformNames = { 'azure-devops': 'Azure DevOps', github: 'GitHub', gitlab: 'GitLab' } as const;

/**
 * A code host whose calls are spans named by platform and call (`GitHub setStatus`), with the
 * organization; a status posted is counted (`vigil.pullrequest.statuses`). Bodies, comments and
 * tokens stay out of them. Wrapped only when telemetry is on.
 */
export function tracedHost(host: PullRequestHost, organization: string): PullRequestHost {
  if (!telemetry().enabled) return host;
  const traced = Object.create(host) as PullRequestHost;
  for (const call of tracedCalls) {
    const original = host[call] as (...args: unknown[]) => Promise<unknown>;
    Object.assign(traced, {
      [call]: (...args: unknown[]) =>
        telemetry().inSpan(
          `${platformNames[host.source]} ${call}`,
          { kind: 'client', attributes: { 'vigil.platform': host.source, 'vigil.organization': organization } },
          async () => {
            const result = await original.apply(host, args);
            if (call === 'setStatus') telemetry().count('vigil.pullrequest.statuses', 1, { platform: host.source });
            return result;
          },
        ),
    });
  }
  return traced;
}
