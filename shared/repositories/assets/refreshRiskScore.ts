import type { AppServices } from '../../app';
import { scoreRepository } from '../../risks';

/**
 * Recomputes one repository asset's risk score from its open risks and its exposure, and stores
 * it on the asset (etag-checked; nothing is written when the score and its reasons are the same).
 * Called after risks of the asset are recorded or resolved, and by the inventory when the
 * asset's exposure changes. An id that is not a repository asset is left alone.
 */
export async function refreshRiskScore(services: AppServices, organization: string, assetId: string): Promise<void> {
  const assets = services.stores.repositories;
  if (!(await assets.get(organization, assetId))) return;
  const risks = await services.stores.risks.list({ organization, assetId, status: 'open' });
  await assets.setRiskScore(organization, assetId, (asset) =>
    scoreRepository(risks, { projectVisibility: asset.projectVisibility, forks: asset.forks }, services.clock.now()),
  );
}
