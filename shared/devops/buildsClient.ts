import { type Build, type BuildLog, TypeInfo as BuildTypeInfo } from 'azure-devops-node-api/interfaces/BuildInterfaces';
import { ContractSerializer } from 'azure-devops-node-api/Serialization';
import { TransientError } from '../errors';
import type { AzureDevOpsTransport } from './azureDevOpsTransport';
import type { LentBody } from './downloadThread';
import { headerValue } from './retryPolicy';

export type { Build, BuildLog };

/** Which builds `listBuilds` returns; `top` caps the total, `pageSize` each request (default 100). */
export interface BuildListFilter {
  statusFilter?: 'inProgress' | 'completed' | 'notStarted' | 'all';
  definitionId?: number;
  top?: number;
  pageSize?: number;
}

/** Builds and their logs (`_apis/build`). */
export interface BuildsClient {
  getBuild(project: string, buildId: number): Promise<Build>;
  listBuildLogs(project: string, buildId: number): Promise<BuildLog[]>;
  /**
   * The log's text as it arrives, from the download thread; never buffered whole, and each chunk lent
   * until the next is read (`LentBody`). Status is checked before it is returned.
   */
  streamBuildLog(project: string, buildId: number, logId: number): Promise<LentBody>;
  /** A project's builds, newest first, page by page (`x-ms-continuationtoken`); `top` caps the total. */
  listBuilds(project: string, filter?: BuildListFilter): AsyncIterable<Build>;
}

export function createBuildsClient(transport: AzureDevOpsTransport): BuildsClient {
  return {
    getBuild: (project, buildId) =>
      transport.callTyped({ resource: `build ${buildId} in project '${project}'` }, async () =>
        (await transport.buildApi()).getBuild(project, buildId),
      ),

    listBuildLogs: (project, buildId) =>
      transport.callTyped({ resource: `logs of build ${buildId} in project '${project}'` }, async () =>
        (await transport.buildApi()).getBuildLogs(project, buildId),
      ),

    // Logs are the bulk of a build scan's bytes: they come through the download thread, not node-api (docs/performance.md).
    streamBuildLog: (project, buildId, logId) =>
      transport.call({ resource: `log ${logId} of build ${buildId} in project '${project}'` }, () =>
        transport.download(`${encodeURIComponent(project)}/_apis/build/builds/${buildId}/logs/${logId}`, {}, 'text/plain'),
      ),

    listBuilds: (project, filter = {}) => listBuilds(transport, project, filter),
  };
}

// node-api's getBuilds never surfaces the continuation token (notes/azure-devops.md), so builds are paged raw.
async function* listBuilds(transport: AzureDevOpsTransport, project: string, filter: BuildListFilter): AsyncIterable<Build> {
  const pageSize = Math.min(filter.pageSize ?? 100, filter.top ?? Number.POSITIVE_INFINITY);
  const seen = new Set<string>();
  let remaining = filter.top ?? Number.POSITIVE_INFINITY;
  let continuationToken: string | undefined;
  do {
    const query: Record<string, string> = { $top: String(Math.min(pageSize, remaining)), queryOrder: 'queueTimeDescending' };
    if (filter.statusFilter) query.statusFilter = filter.statusFilter;
    if (filter.definitionId !== undefined) query.definitions = String(filter.definitionId);
    if (continuationToken) query.continuationToken = continuationToken;
    const page = await transport.call({ resource: `builds of project '${project}'` }, () =>
      transport.getJsonWithHeaders<{ value?: unknown[] }>(`${encodeURIComponent(project)}/_apis/build/builds`, query),
    );
    // The typed calls turn enum names and dates into numbers and Dates; do the same for raw pages.
    const builds = ContractSerializer.deserialize(page.result.value ?? [], BuildTypeInfo.Build, false, true) as Build[];
    for (const build of builds.slice(0, remaining)) yield build;
    remaining -= builds.length;
    continuationToken = headerValue(page.headers, 'x-ms-continuationtoken') || undefined;
    if (continuationToken !== undefined) {
      if (seen.has(continuationToken)) {
        throw new TransientError(
          `Azure DevOps repeated a continuation token while listing builds of project '${project}' in organization '${transport.organization}'`,
        );
      }
      seen.add(continuationToken);
    }
  } while (continuationToken && remaining > 0);
}
