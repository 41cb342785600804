import type { AppServices } from '../../app';
import { scannedRepository } from '../../codeHosts';
import type { GitClient } from '../../devops';
import type { EventEnvelope } from '../../events';
import { readZipEntriesOffThread } from '../../zip';
import { isScreenedOut, pathScreenModule } from '../contentScan/pathScreen';
import { type ContentScanProgress, RepositoryContentScan } from '../contentScan/repositoryContentScan';
import { RepositoryRiskRecorder } from '../contentScan/repositoryRiskRecorder';
import { type RepositoryScanRecord, scanResults } from '../contentScan/repositoryScanRecord';

/**
 * A full content scan of a repository's default branch (issue 7 item 2): resolve the branch head,
 * stream the tree at that commit as one zip through the Items API, scan every file that is neither
 * excluded nor binary, record each finding as a sighting of a `leaked-secret` risk, and write the
 * `scans` document and the asset's `lastFullScan`. The queue handler and `vigil repos scan` both
 * run this.
 */
export interface FullScanRequest {
  organization: string;
  /** Project name or id. */
  project: string;
  /** Repository id (or name, from the command line). */
  repository: string;
  /** Why the scan runs: `new`, `default-branch-changed`, `on-demand`, ... */
  reason: string;
  /** The event that asked for it, named in the risk events it causes. */
  cause: EventEnvelope;
  onProgress?: (progress: ContentScanProgress) => void;
}

export type FullScanOutcome =
  | { status: 'scanned'; record: RepositoryScanRecord; assetUpdated: boolean; peakHeldBytes: number }
  /** Nothing to scan: the repository is disabled or empty. */
  | { status: 'not-scanned'; repository: string; why: string };

export async function scanDefaultBranch(client: GitClient, services: AppServices, request: FullScanRequest): Promise<FullScanOutcome> {
  const started = services.clock.now();
  const found = await client.getRepository(request.project, request.repository);
  const repository = scannedRepository(found, request);
  const label = `${repository.project}/${repository.name}`;
  if (found.isDisabled)
    return { status: 'not-scanned', repository: label, why: 'the repository is disabled (Azure DevOps refuses to serve its content)' };
  const branch = found.defaultBranch;
  const commitId = branch ? await client.getBranchHead(request.project, repository.id, branch) : undefined;
  if (!branch || !commitId)
    return { status: 'not-scanned', repository: label, why: 'the repository is empty (it has no default branch yet)' };

  const scan = RepositoryContentScan.configured(services.config, request.onProgress);
  const recorder = new RepositoryRiskRecorder(services, request.organization, repository);
  const archive = await client.streamRepositoryZip(request.project, repository.id, commitId);
  // Screened by path on the zip thread: what is left out is never inflated for the event loop.
  for await (const entry of readZipEntriesOffThread(archive, { screen: { module: pathScreenModule, settings: scan.screenSettings } })) {
    if (entry.isDirectory) continue;
    const skip = entry.unreadable ? 'unreadable' : isScreenedOut(entry.screenedOut) ? entry.screenedOut : undefined;
    if (skip) {
      scan.skip(entry.path, skip);
      await entry.discard();
      continue;
    }
    for await (const finding of scan.scanFile(entry.path, entry.content, entry.size)) await recorder.record(finding, { commitId });
  }
  await recorder.announce(request.cause);

  const summary = scan.summary();
  const scannedAt = new Date(services.clock.now()).toISOString();
  const record: RepositoryScanRecord = {
    id: `repository:${repository.id}:${commitId}`,
    organization: request.organization,
    kind: 'repository',
    project: repository.project,
    repositoryId: repository.id,
    repository: label,
    commitId,
    branch,
    reason: request.reason,
    ...scanResults(summary, recorder),
    durationMs: services.clock.now() - started,
    scannedAt,
  };
  await services.stores.scans.upsert(record);
  const assetUpdated = await services.stores.repositories.recordLastFullScan(request.organization, repository.id, {
    branch,
    commitId,
    scannedAt,
  });
  return { status: 'scanned', record, assetUpdated, peakHeldBytes: summary.peakHeldBytes };
}

/** What risks and links need to know of a repository, from Azure DevOps' answer. */
