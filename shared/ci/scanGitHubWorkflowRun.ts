import type { UseCaseContext } from '../app';
import { PermanentError } from '../errors';
import type { EventEnvelope } from '../events';
import { githubActionsProviderName } from './providers/githubActionsProvider';
import type { CiRunScanRecord } from './scanCiRun';
import { scanOwnedRun } from './scanOwnedRun';

/**
 * A finished GitHub Actions workflow run (`workflow_run.completed`), or one finished job of it
 * (`workflow_job.completed`, which carries `jobId`): scanned through the github-actions provider
 * with the organization's token. The envelope's organization is the repository owner; a
 * repository of another owner is refused, so one organization's token never reads another's runs.
 */
export async function scanGitHubWorkflowRun(envelope: EventEnvelope, context: UseCaseContext): Promise<CiRunScanRecord> {
  const repository = String(envelope.subject.repository ?? '');
  const runId = Number(envelope.subject.runId);
  const jobId = envelope.subject.jobId === undefined ? undefined : Number(envelope.subject.jobId);
  if (!/^[^/\s]+\/[^/\s]+$/.test(repository) || !Number.isSafeInteger(runId) || (jobId !== undefined && !Number.isSafeInteger(jobId))) {
    throw new PermanentError(`event '${envelope.id}' names no GitHub repository and workflow run to scan`);
  }
  return scanOwnedRun(githubActionsProviderName, envelope, context, {
    id: String(runId),
    repository,
    names: { path: 'repository', owner: 'owner' },
    ...(jobId === undefined ? {} : { logId: String(jobId) }),
  });
}
