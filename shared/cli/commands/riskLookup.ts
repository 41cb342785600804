import type { AppServices } from '../../app';
import type { Risk } from '../../risks';
import { RiskNotFoundError } from '../../risks';
import { UsageError } from '../usageError';

/** A risk by id, or by a unique start of its id (ids are long), in one organization or any. */
export async function findRisk(services: AppServices, id: string, organization: string | undefined): Promise<Risk> {
  const org = organization?.toLowerCase();
  if (org) {
    const exact = await services.stores.risks.get(org, id);
    if (exact) return exact;
  }
  const candidates = (await services.stores.risks.list(org ? { organization: org } : {})).filter(
    (risk) => risk.id === id || (id.length >= 6 && risk.id.startsWith(id)),
  );
  const exact = candidates.find((risk) => risk.id === id);
  if (exact) return exact;
  if (candidates.length === 1) return candidates[0];
  if (candidates.length > 1)
    throw new UsageError(`'${id}' starts ${candidates.length} risk ids: give more of it (vigil risks list shows them)`);
  throw new RiskNotFoundError(org ?? 'any organization', id);
}
