import { BuildResult, BuildStatus } from 'azure-devops-node-api/interfaces/BuildInterfaces';
import type { Build } from '../../devops';
import { type AzureDevOpsConnection, type AzureDevOpsConnectionOptions, connectAzureDevOps } from '../../devops';
import { PermanentError } from '../../errors';
import type { CiLog, CiProvider, CiProviderConfig, CiRun, CiRunFilter, CiRunRef, CiRunStatus } from './ciProvider';

export const azurePipelinesProviderName = 'azure-pipelines';

/**
 * Azure Pipelines builds through Vigil's Azure DevOps client. The client connects on first use
 * (no probe call: the first request tells a credential failure apart) and is kept for the
 * provider's life, so a scan pays node-api's route look-ups once.
 */
export function createAzurePipelinesProvider(config: CiProviderConfig, clientOptions: AzureDevOpsConnectionOptions = {}): CiProvider {
  let connecting: Promise<AzureDevOpsConnection> | undefined;
  const client = () =>
    (connecting ??= connectAzureDevOps(config.organization, {
      vault: config.vault,
      clock: config.clock,
      options: { logger: config.logger, verify: false, ...clientOptions },
    }).catch((error: unknown) => {
      connecting = undefined;
      throw error;
    }));

  const organization = config.organization.organization;
  const projectOf = (where: { project?: string }, what: string): string => {
    if (!where.project) throw new PermanentError(`${what} in organization '${organization}' names no Azure DevOps project`);
    return where.project;
  };

  return {
    name: azurePipelinesProviderName,

    async *listRuns(filter: CiRunFilter) {
      const project = projectOf(filter, 'a build listing');
      const builds = (await client()).builds.listBuilds(project, {
        ...(filter.status === 'completed' ? { statusFilter: 'completed' as const } : {}),
        ...(filter.top !== undefined ? { top: filter.top } : {}),
      });
      for await (const build of builds) yield toRun(build, project);
    },

    async getRun(ref: CiRunRef) {
      const project = projectOf(ref, `build ${ref.id}`);
      const buildId = Number(ref.id);
      if (!Number.isInteger(buildId) || buildId <= 0) throw new PermanentError(`'${ref.id}' is not an Azure Pipelines build id`);
      return toRun(await (await client()).builds.getBuild(project, buildId), project);
    },

    async *streamLogs(run: CiRun, options: { logId?: string } = {}) {
      const project = projectOf(run, `build ${run.id}`);
      const buildId = Number(run.id);
      const builds = (await client()).builds;
      for (const log of await builds.listBuildLogs(project, buildId)) {
        if (log.id === undefined) continue;
        const logId = log.id;
        if (options.logId !== undefined && options.logId !== String(logId)) continue;
        const entry: CiLog = {
          id: String(logId),
          name: `log ${logId}`,
          // A log's own URL is an API address; people read logs on the build's page.
          ...(run.webUrl ? { url: run.webUrl } : {}),
          open: () => builds.streamBuildLog(project, buildId, logId),
        };
        yield entry;
      }
    },

    async close() {
      const pending = connecting;
      connecting = undefined;
      if (pending) (await pending.catch(() => undefined))?.close();
    },
  };
}

function toRun(build: Build, project: string): CiRun {
  const id = build.id ?? 0;
  const number = build.buildNumber ?? String(id);
  const definitionId = build.definition?.id ?? 'unknown';
  const pipelineName = build.definition?.name ?? `build ${id}`;
  const webUrl = (build._links as { web?: { href?: string } } | undefined)?.web?.href;
  const result = build.result !== undefined && build.result !== BuildResult.None ? BuildResult[build.result] : undefined;
  return {
    provider: azurePipelinesProviderName,
    id: String(id),
    project,
    number,
    label: `build ${number}`,
    pipeline: { id: String(definitionId), name: pipelineName },
    asset: { id: `pipeline:${project}:${definitionId}`, name: pipelineName },
    // Build ids are unique in an organization (the collection), whatever the project.
    key: `build:${id}`,
    ...(webUrl ? { webUrl } : {}),
    status: statusOf(build.status),
    ...(result ? { result: `${result[0].toLowerCase()}${result.slice(1)}` } : {}),
    ...(build.sourceBranch ? { branch: build.sourceBranch } : {}),
    ...isoTime('startedAt', build.startTime),
    ...isoTime('finishedAt', build.finishTime),
  };
}

/** node-api turns the build's times into Dates (an invalid one when the field is malformed). */
function isoTime(field: 'startedAt' | 'finishedAt', value: Date | undefined): Partial<Record<'startedAt' | 'finishedAt', string>> {
  const time = value === undefined ? Number.NaN : new Date(value).getTime();
  return Number.isFinite(time) ? { [field]: new Date(time).toISOString() } : {};
}

function statusOf(status: BuildStatus | undefined): CiRunStatus {
  if (status === BuildStatus.Completed) return 'completed';
  if (status === BuildStatus.InProgress || status === BuildStatus.Cancelling) return 'running';
  return 'queued';
}
