import type { UseCase } from '../app';
import { PermanentError } from '../errors';
import { withSyncSession } from './syncSession';
import { pullWorkItem } from './workItemSync';

const events = { 'workitem.updated': 'updated', 'workitem.deleted': 'deleted', 'workitem.restored': 'restored' } as const;

/**
 * `azure-devops:workitem.updated|deleted|restored` on `workitem-sync` (subject `{ workItemId, rev }`):
 * the work item is re-fetched and its risk follows a person's change of state category; Vigil's
 * own revisions and those at or below the last synced are ignored; a deleted work item breaks the
 * link (never recreated on its own), a restored one is linked again (docs/work-items.md).
 */
export const syncWorkItemToRisk: UseCase = async (envelope, { services, logger }) => {
  const event = events[envelope.type as keyof typeof events];
  const workItemId = Number(envelope.subject.workItemId);
  if (!event || !Number.isInteger(workItemId) || workItemId <= 0)
    throw new PermanentError(`event '${envelope.id}' names no work item id to sync`);
  const rev = Number(envelope.subject.rev);
  const session = await withSyncSession(services, envelope.organization, logger, (ctx) =>
    pullWorkItem(ctx, workItemId, event, Number.isInteger(rev) && rev > 0 ? rev : undefined),
  );
  return session.ran ? session.value : { action: 'skipped', why: session.why };
};
