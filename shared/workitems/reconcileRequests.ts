import type { AppServices } from '../app';
import type { EventEnvelope } from '../events';
import { effectiveWorkItemSettings } from './workItemSettings';

/**
 * What the nightly work-item timer does: one `workitems.reconcile-requested` on `workitem-sync`
 * per organization whose sync is on, with an id per organization and schedule slot, so the same
 * timer run twice requests each reconciliation once.
 */
export async function requestReconciliations(services: AppServices, slot: string): Promise<string[]> {
  const organizations = (await services.stores.organizations.list())
    .filter((settings) => settings.azureDevOps && effectiveWorkItemSettings(settings).enabled)
    .map((settings) => settings.organization);
  const messages = organizations.map((organization) => {
    const envelope: EventEnvelope = {
      id: `workitems-reconcile:${organization}:${slot}`,
      source: 'vigil',
      type: 'workitems.reconcile-requested',
      organization,
      subject: { slot },
      receivedAt: new Date(services.clock.now()).toISOString(),
    };
    return { messageId: envelope.id, body: envelope };
  });
  if (messages.length > 0) await services.queue.send('workitem-sync', messages);
  return organizations;
}
