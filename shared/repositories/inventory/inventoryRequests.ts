import type { AppServices } from '../../app';
import type { Clock } from '../../clock';
import type { EventEnvelope } from '../../events';
import type { OutgoingMessage } from '../../queue';

/** The `inventory.requested` message for one organization; `requestId` is its id and messageId. */
export function inventoryRequestMessage(organization: string, requestId: string, clock: Clock): OutgoingMessage {
  const envelope: EventEnvelope = {
    id: requestId,
    source: 'vigil',
    type: 'inventory.requested',
    organization,
    subject: { organization },
    receivedAt: new Date(clock.now()).toISOString(),
  };
  return { messageId: requestId, body: envelope };
}

/**
 * What the inventory timer does: one `inventory.requested` per organization that has Azure
 * DevOps settings, on `repo-scan`, with a message id per organization and schedule slot.
 */
export async function requestInventories(services: AppServices, slot: string): Promise<string[]> {
  const directory = services.stores.organizations;
  const organizations = (await directory.list()).filter((settings) => settings.azureDevOps).map((settings) => settings.organization);
  const messages = organizations.map((organization) =>
    inventoryRequestMessage(organization, `inventory:${organization}:${slot}`, services.clock),
  );
  if (messages.length > 0) await services.queue.send('repo-scan', messages);
  return organizations;
}
