import type { UseCase } from '../../app';
import { connectAzureDevOps } from '../../devops';
import { PermanentError } from '../../errors';
import { recordScan } from '../../telemetry';
import { scanDefaultBranch } from './fullContentScan';

/**
 * `vigil:repository.scan-requested` (subject `{ repositoryId, reason }`, envelope `project`): a new
 * asset, a changed default branch or `vigil repos scan` ask for a full content scan. The event
 * carries ids only; the repository, its branch head and its content are fetched fresh.
 */
export const scanRepositoryContent: UseCase = async (envelope, { services, logger }) => {
  const repositoryId = envelope.subject.repositoryId;
  const project = envelope.project;
  if (typeof repositoryId !== 'string' || repositoryId === '' || !project) {
    throw new PermanentError(`event '${envelope.id}' names no repository id and project to scan`);
  }
  const settings = await services.stores.organizations.get(envelope.organization);
  const client = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock, options: { logger, verify: false } });
  try {
    const outcome = await scanDefaultBranch(client.git, services, {
      organization: settings.organization,
      project,
      repository: repositoryId,
      reason: String(envelope.subject.reason ?? 'requested'),
      cause: envelope,
    });
    if (outcome.status === 'not-scanned') {
      logger.info('repository not scanned', { repository: outcome.repository, why: outcome.why });
      return { scanned: false, why: outcome.why };
    }
    const { record } = outcome;
    recordScan('repository', record.bytesScanned, record.durationMs);
    logger.info('repository scanned', {
      repository: record.repository,
      commitId: record.commitId,
      files: record.filesScanned,
      bytes: record.bytesScanned,
      findings: record.findings,
    });
    // The idempotency record keeps this: counts and ids, not the findings list.
    return {
      scanId: record.id,
      commitId: record.commitId,
      filesScanned: record.filesScanned,
      filesSkipped: record.filesSkipped,
      findings: record.findings,
      risksOpened: record.risksOpened,
    };
  } finally {
    client.close();
  }
};
