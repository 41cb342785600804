import type { UseCase } from '../../app';
import { connectAzureDevOps } from '../../devops';
import { PermanentError } from '../../errors';
import { type RepositoryAsset, repositoryAssetId } from '../assets/asset';
import { refreshRiskScore } from '../assets/refreshRiskScore';
import type { AssetChange } from '../assets/repositoryAssetStore';
import { type ScanRequestReason, scanRequestMessage, scanRequestReason } from '../fullScan/scanRequests';
import { observeRepository } from './repositoryObservation';

export interface RepositoryEventOutcome {
  repositoryId: string;
  change: AssetChange | 'deleted' | 'ignored';
  state?: RepositoryAsset['state'];
  scanRequested?: ScanRequestReason;
}

/**
 * `git.repo.created`, `.renamed`, `.statuschanged` and `.deleted`: the payload only says which
 * repository; it is re-fetched by id and its asset brought up to date exactly as the nightly
 * inventory would (same comparison, same scan request rule). A repository Azure DevOps no longer
 * has is marked deleted — whatever the event said.
 */
export const syncRepositoryEvent: UseCase = async (envelope, { services, logger }): Promise<RepositoryEventOutcome> => {
  const repositoryId = String(envelope.subject.repositoryId ?? '');
  if (!repositoryId) throw new PermanentError(`event '${envelope.id}' (${envelope.type}) names no repository id`);
  const settings = await services.stores.organizations.get(envelope.organization);
  const organization = settings.organization;
  const assets = services.stores.repositories;
  const assetId = repositoryAssetId(repositoryId);
  const known = await assets.get(organization, assetId);
  const project = envelope.project ?? known?.projectId;
  if (!project) throw new PermanentError(`event '${envelope.id}' (${envelope.type}) names no project for repository ${repositoryId}`);

  const client = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock, options: { logger, verify: false } });
  try {
    const repository = await client.git.findRepository(project, repositoryId);
    if (!repository) {
      if (!known) return { repositoryId, change: 'ignored' };
      await assets.markDeleted(organization, assetId, known);
      logger.info('repository deleted', { repositoryId, event: envelope.type });
      return { repositoryId, change: 'deleted', state: 'deleted' };
    }
    const observed = observeRepository(organization, repository, new Map());
    if (!observed) throw new PermanentError(`Azure DevOps answered repository ${repositoryId} without its id, name or project`);
    // The repository's project reference may not carry its visibility: what the inventory learnt stays.
    if (observed.projectVisibility === 'unknown' && known) observed.projectVisibility = known.projectVisibility;
    // As in the inventory, a repository that was never scannable is not an asset (a new repository is empty until its first push).
    if (observed.state !== 'active' && !known) return { repositoryId, change: 'ignored', state: observed.state };

    const reason = scanRequestReason(observed, known);
    if (reason) await services.queue.send('repo-scan', [scanRequestMessage(observed, reason, services.clock)]);
    const write = await assets.upsertIfChanged(observed, known);
    if (write.previous?.riskScore && write.previous.projectVisibility !== write.asset.projectVisibility) {
      await refreshRiskScore(services, organization, assetId);
    }
    logger.info('repository synchronised', {
      repositoryId,
      event: envelope.type,
      change: write.change,
      state: write.asset.state,
      scanRequested: reason,
    });
    return { repositoryId, change: write.change, state: write.asset.state, ...(reason ? { scanRequested: reason } : {}) };
  } finally {
    client.close();
  }
};
