import type { UseCaseContext } from '../app';
import { auditAfterBuild } from '../audit';
import { PermanentError } from '../errors';
import type { EventEnvelope } from '../events';
import { azurePipelinesProviderName } from './providers/azurePipelinesProvider';
import { type CiRunScanOutcome, scanCiRun } from './scanCiRun';
import { withCiProvider } from './withCiProvider';

/** The `scans` document of one build: what was read and what was found, never a secret. */
export interface BuildScanRecord extends CiRunScanOutcome {
  id: string;
  organization: string;
  kind: 'build';
  project: string;
  buildId: number;
  buildNumber: string;
  pipeline: string;
}

/**
 * A finished Azure Pipelines build: re-fetch it by id (the payload is never trusted beyond ids),
 * stream every log through the engine, record each finding as a sighting of a risk, store a scan
 * record, and announce opened and reopened risks to the work-item and alert queues. The work is
 * scanCiRun's, through the azure-pipelines provider. Meanwhile, at most hourly per project, the
 * project's service connections are audited.
 */
export async function scanAzurePipelinesBuild(envelope: EventEnvelope, context: UseCaseContext): Promise<BuildScanRecord> {
  const { services } = context;
  const buildId = Number(envelope.subject.buildId ?? envelope.subject.runId);
  const project = envelope.project;
  if (!Number.isInteger(buildId) || !project) throw new PermanentError(`event '${envelope.id}' names no build id and project to scan`);

  const settings = await services.stores.organizations.get(envelope.organization);
  // The audit is independent of the logs: its requests and writes go on while the engine scans. It
  // never throws (a failed audit is logged and retried by the project's next build).
  const audit = auditAfterBuild(envelope, context, settings);
  try {
    return await withCiProvider(azurePipelinesProviderName, settings, context, (provider) =>
      scanCiRun(provider, { id: String(buildId), project }, context, {
        cause: envelope,
        organization: settings.organization,
        ...(settings.triggerRules ? { triggerRules: settings.triggerRules } : {}),
        toRecord: (run, outcome): BuildScanRecord => ({
          id: `build:${project}:${buildId}`,
          organization: settings.organization,
          kind: 'build',
          project,
          buildId,
          buildNumber: run.number,
          pipeline: run.pipeline.name,
          ...outcome,
        }),
      }),
    );
  } finally {
    await audit;
  }
}
