import { auditEndpointEvent } from '../audit/auditServiceConnections';
import { NotImplementedError } from '../errors';
import type { UseCase } from '../azureFunctions/queueTrigger';
import { scanAzurePipelinesBuild } from './scanAzurePipelinesBuild';
import { scanGitHubWorkflowRun } from './scanGitHubWorkflowRun';

/**
 * The `build-scan` queue's use case. Azure Pipelines builds and GitHub Actions runs (a whole run,
 * or one job) are scanned through their CI providers; a created or updated service connection is
 * audited. GitLab pipelines are not built yet and park their events with that reason.
 */
export const scanBuild: UseCase = async (envelope, context) => {
  if (envelope.source === 'azure-devops' && (envelope.type === 'build.complete' || envelope.type === 'ms.vss-pipelines.run-state-changed-event')) {
    return scanAzurePipelinesBuild(envelope, context);
  }
  if (envelope.source === 'github' && (envelope.type === 'workflow_run.completed' || envelope.type === 'workflow_job.completed')) {
    return scanGitHubWorkflowRun(envelope, context);
  }
  if (envelope.source === 'azure-devops' && (envelope.type === 'ms.vss-endpoint.endpoint-created' || envelope.type === 'ms.vss-endpoint.endpoint-updated')) {
    return auditEndpointEvent(envelope, context);
  }
  throw new NotImplementedError(`build-log scanning for ${envelope.source} '${envelope.type}'`);
};
