import type { Container } from '../../store/port';
import { isNotFound, isPreconditionFailed } from '../../store/errors';
import { repositoryAssetId, type RepositoryAsset } from './asset';

/**
 * Remember on the repository's asset which commit of which branch was last scanned in full, so the
 * inventory can tell when the default branch changed and ask for a new scan. An asset the inventory
 * has not written yet is left alone: the scan creates no asset. Etag-checked, so an inventory
 * writing the same document at the same time loses nothing.
 */
export async function recordLastFullScan(
  assets: Container<RepositoryAsset>,
  organization: string,
  repositoryId: string,
  lastFullScan: NonNullable<RepositoryAsset['lastFullScan']>,
): Promise<boolean> {
  const id = repositoryAssetId(repositoryId);
  for (let attempt = 0; attempt < 5; attempt++) {
    const existing = await assets.read(id, organization);
    if (!existing) return false;
    try {
      await assets.patch(id, organization, [{ op: 'set', path: '/lastFullScan', value: lastFullScan }], { ifMatch: existing._etag });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      if (!isPreconditionFailed(error)) throw error;
    }
  }
  return false;
}
