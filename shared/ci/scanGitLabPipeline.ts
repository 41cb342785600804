import type { UseCaseContext } from '../app';
import { PermanentError } from '../errors';
import type { EventEnvelope } from '../events';
import { gitlabCiProviderName } from './providers/gitlabCiProvider';
import type { CiRunScanRecord } from './scanCiRun';
import { scanOwnedRun } from './scanOwnedRun';

/**
 * A finished GitLab CI pipeline (a `Pipeline Hook` whose status is success, failed or canceled):
 * scanned through the gitlab-ci provider with the organization's GitLab connection. The envelope's
 * organization is the project's top-level group; a project of another group is refused, so one
 * organization's token never reads another's pipelines.
 */
export async function scanGitLabPipeline(envelope: EventEnvelope, context: UseCaseContext): Promise<CiRunScanRecord> {
  const project = String(envelope.subject.repository ?? '');
  const pipelineId = Number(envelope.subject.pipelineId);
  if (!/^[^/\s]+(\/[^/\s]+)+$/.test(project) || !Number.isSafeInteger(pipelineId) || pipelineId <= 0) {
    throw new PermanentError(`event '${envelope.id}' names no GitLab project and pipeline to scan`);
  }
  return scanOwnedRun(gitlabCiProviderName, envelope, context, {
    id: String(pipelineId),
    repository: project,
    names: { path: 'project', owner: 'group' },
  });
}
