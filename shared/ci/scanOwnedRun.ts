import type { UseCaseContext } from '../app';
import { PermanentError } from '../errors';
import type { EventEnvelope } from '../events';
import { type CiRunScanRecord, scanCiRun } from './scanCiRun';
import { withCiProvider } from './withCiProvider';

/** A run on a hosted platform, named by its repository's path (`owner/name`, GitLab's `group/sub/project`). */
export interface OwnedRun {
  id: string;
  repository: string;
  /** What the platform calls the path and its first segment, for messages: `repository` of an `owner`, `project` of a `group`. */
  names: { path: 'repository' | 'project'; owner: 'owner' | 'group' };
  /** Scan just this log (a GitHub job). */
  logId?: string;
}

/**
 * Scans a GitHub workflow run or a GitLab pipeline for the organization its path's first segment
 * names. A path of another owner or group is refused, so one organization's token never reads
 * another's runs; the run goes through the named provider with the organization's settings and
 * trigger rules.
 */
export async function scanOwnedRun(
  providerName: string,
  envelope: EventEnvelope,
  context: UseCaseContext,
  run: OwnedRun,
): Promise<CiRunScanRecord> {
  const owner = run.repository.slice(0, run.repository.indexOf('/'));
  if (owner.toLowerCase() !== envelope.organization.toLowerCase()) {
    throw new PermanentError(
      `event '${envelope.id}' is for organization '${envelope.organization}' but names ${run.names.path} '${run.repository}' of another ${run.names.owner}`,
    );
  }
  const settings = await context.services.stores.organizations.get(envelope.organization);
  return withCiProvider(providerName, settings, context, (provider) =>
    scanCiRun(provider, { id: run.id, repository: run.repository }, context, {
      cause: envelope,
      organization: settings.organization,
      ...(settings.triggerRules ? { triggerRules: settings.triggerRules } : {}),
      ...(run.logId === undefined ? {} : { logId: run.logId }),
    }),
  );
}
