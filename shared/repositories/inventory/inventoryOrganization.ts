import type { AppServices, UseCase } from '../../app';
import type { GitRepository, ProjectsClient } from '../../devops';
import { connectAzureDevOps } from '../../devops';
import type { Logger } from '../../logging';
import type { OutgoingMessage } from '../../queue';
import { type RepositoryAsset, repositoryAssetId } from '../assets/asset';
import { refreshRiskScore } from '../assets/refreshRiskScore';
import type { ObservedRepository } from '../assets/repositoryAssetStore';
import { scanRequestMessage, scanRequestReason } from '../fullScan/scanRequests';
import { forEachWithLimit } from './boundedConcurrency';
import { observeRepository, type ProjectInfo, projectInfo } from './repositoryObservation';

/** A repository the inventory saw but does not scan, and why. */
export interface SkippedRepository {
  repository: string;
  repositoryId: string;
  project: string;
  reason: string;
}

/** The `scans` document of an organization's latest inventory (one per organization, replaced by each run). */
export interface InventoryRecord {
  id: string;
  organization: string;
  kind: 'inventory';
  /** The event that asked for this run (timer slot, CLI request). */
  requestId: string;
  projects: number;
  /** Repositories Azure DevOps listed. */
  repositories: number;
  active: number;
  /** Disabled and empty repositories, with the reason (at most `skippedListLimit`; `skippedTotal` counts all). */
  skipped: SkippedRepository[];
  skippedTotal: number;
  /** Assets marked deleted by this run: their repository is no longer listed. */
  deleted: number;
  created: number;
  updated: number;
  unchanged: number;
  scanRequests: number;
  /** Requests sent to Azure DevOps by this run, retries included. */
  apiCalls: number;
  durationMs: number;
  startedAt: string;
  completedAt: string;
}

export interface InventoryOptions {
  logger?: Logger;
  requestId?: string;
  /** Store writes in flight at once for this organization (default 4). */
  concurrency?: number;
  /** One line per phase, for `vigil repos inventory --now`. */
  onProgress?: (message: string) => void;
}

export const skippedListLimit = 1000;
const defaultConcurrency = 4;

/**
 * The `repo-scan` use case for `inventory.requested`. Its result is kept in the idempotency record,
 * so it is the counts only: the full record, skipped list included, is in `scans`.
 */
export const inventoryOrganization: UseCase = async (envelope, { services, logger }) => {
  const { skipped: _skipped, ...summary } = await runInventory(services, envelope.organization, { logger, requestId: envelope.id });
  return summary;
};

/**
 * Brings an organization's repository assets up to date with Azure DevOps. Listing costs one
 * request per page of projects plus one for every repository of the organization; both lists are
 * kept for the run. Each repository becomes or updates an asset only when something changed;
 * disabled and empty ones are recorded with their reason (and their asset, if they had one,
 * says so); assets whose repository is gone are marked deleted. New repositories and changed
 * default branches ask for a full content scan — sent before the asset is written, so a run cut
 * short and redelivered asks again under the same message id rather than not at all.
 */
export async function runInventory(
  services: AppServices,
  organizationName: string,
  options: InventoryOptions = {},
): Promise<InventoryRecord> {
  const started = services.clock.now();
  const progress = options.onProgress ?? (() => undefined);
  const directory = services.stores.organizations;
  const settings = await directory.get(organizationName);
  const organization = settings.organization;
  const client = await connectAzureDevOps(settings, {
    vault: services.vault,
    clock: services.clock,
    options: { logger: options.logger, verify: false },
  });
  const assets = services.stores.repositories;
  try {
    const projects = await listProjects(client.projects);
    progress(`${projects.size} project(s)`);
    const listed = await client.git.listOrganizationRepositories();
    progress(`${listed.length} repositor${listed.length === 1 ? 'y' : 'ies'}`);
    const stored = new Map((await assets.list({ organization })).map((asset) => [asset.id, asset]));

    const observed = uniqueObservations(organization, listed, projects);
    const scanRequests: OutgoingMessage[] = [];
    for (const repository of observed) {
      const reason = scanRequestReason(repository, stored.get(repositoryAssetId(repository.repositoryId)));
      if (reason) scanRequests.push(scanRequestMessage(repository, reason, services.clock));
    }
    if (scanRequests.length > 0) await services.queue.send('repo-scan', scanRequests);

    const counts = { created: 0, updated: 0, unchanged: 0, deleted: 0 };
    const skipped: SkippedRepository[] = [];
    const exposureChanged: string[] = [];
    await forEachWithLimit(observed, options.concurrency ?? defaultConcurrency, async (repository) => {
      const known = stored.get(repositoryAssetId(repository.repositoryId));
      if (repository.state !== 'active') {
        skipped.push({
          repository: repository.name,
          repositoryId: repository.repositoryId,
          project: repository.project,
          reason: repository.skipReason ?? repository.state,
        });
        // Never scanned, never an asset: the scans document is where a skipped repository is recorded.
        if (!known) return;
      }
      const write = await assets.upsertIfChanged(repository, known);
      counts[write.change]++;
      if (write.previous?.riskScore && exposureDiffers(write.previous, write.asset)) exposureChanged.push(write.asset.id);
    });
    progress(`${counts.created} new, ${counts.updated} changed, ${counts.unchanged} unchanged, ${skipped.length} skipped`);

    const seen = new Set(observed.map((repository) => repositoryAssetId(repository.repositoryId)));
    const gone = [...stored.values()].filter((asset) => !seen.has(asset.id) && asset.state !== 'deleted');
    await forEachWithLimit(gone, options.concurrency ?? defaultConcurrency, async (asset) => {
      const write = await assets.markDeleted(organization, asset.id, asset);
      if (write?.change === 'updated') counts.deleted++;
    });
    if (gone.length > 0) progress(`${counts.deleted} marked deleted`);

    for (const assetId of exposureChanged) await refreshRiskScore(services, organization, assetId);

    const record: InventoryRecord = {
      id: `inventory:${organization}`,
      organization,
      kind: 'inventory',
      requestId: options.requestId ?? `inventory:${organization}:${new Date(started).toISOString()}`,
      projects: projects.size,
      repositories: listed.length,
      active: observed.filter((repository) => repository.state === 'active').length,
      skipped: skipped.sort(bySkippedName).slice(0, skippedListLimit),
      skippedTotal: skipped.length,
      deleted: counts.deleted,
      created: counts.created,
      updated: counts.updated,
      unchanged: counts.unchanged,
      scanRequests: scanRequests.length,
      apiCalls: client.requestCount(),
      durationMs: services.clock.now() - started,
      startedAt: new Date(started).toISOString(),
      completedAt: new Date(services.clock.now()).toISOString(),
    };
    await services.stores.scans.upsert(record);
    options.logger?.info('inventory done', {
      organization,
      repositories: record.repositories,
      active: record.active,
      skipped: record.skippedTotal,
      created: record.created,
      updated: record.updated,
      deleted: record.deleted,
      scanRequests: record.scanRequests,
      apiCalls: record.apiCalls,
    });
    return record;
  } finally {
    client.close();
  }
}

/** Every project, by id, for this run: the authority on visibility and current names. */
async function listProjects(client: ProjectsClient): Promise<Map<string, ProjectInfo>> {
  const projects = new Map<string, ProjectInfo>();
  for await (const project of client.listProjects()) {
    const info = projectInfo(project);
    if (info) projects.set(info.id, info);
  }
  return projects;
}

function uniqueObservations(
  organization: string,
  listed: GitRepository[],
  projects: ReadonlyMap<string, ProjectInfo>,
): ObservedRepository[] {
  const byId = new Map<string, ObservedRepository>();
  for (const repository of listed) {
    const observed = observeRepository(organization, repository, projects);
    if (observed && !byId.has(observed.repositoryId)) byId.set(observed.repositoryId, observed);
  }
  return [...byId.values()];
}

function exposureDiffers(before: RepositoryAsset, after: RepositoryAsset): boolean {
  return before.projectVisibility !== after.projectVisibility || before.forks !== after.forks;
}

function bySkippedName(a: SkippedRepository, b: SkippedRepository): number {
  return a.project.localeCompare(b.project) || a.repository.localeCompare(b.repository);
}
