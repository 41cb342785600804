import type { UseCase } from '../app';
import { PermanentError } from '../errors';
import { withSyncSession } from './syncSession';
import { pushRisk } from './workItemSync';

/**
 * `vigil:risk.opened|risk.changed` on `workitem-sync` (subject `{ riskId, transition }`): the
 * risk's work item is created, or moved and updated to match it (docs/work-items.md). A sighting
 * that changes nothing the work item shows (the same status, the same severity, no occurrence
 * mark crossed) costs no call to Azure DevOps.
 */
export const syncRiskToWorkItem: UseCase = async (envelope, { services, logger }) => {
  const riskId = String(envelope.subject.riskId ?? '');
  const session = await withSyncSession(services, envelope.organization, logger, async (ctx) => {
    const risk = await services.stores.risks.get(ctx.organization, riskId);
    if (!risk) throw new PermanentError(`risk '${riskId}' of organization '${ctx.organization}' not found`);
    return pushRisk(ctx, risk, { id: envelope.id, ...(envelope.project ? { project: envelope.project } : {}) });
  });
  return session.ran ? session.value : { action: 'skipped', why: session.why };
};
