import { Cron } from 'croner';
import type { AppServices } from '../../app';
import type { Clock } from '../../clock';
import { ConfigurationError } from '../../errors';
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

/** Checks an NCRONTAB schedule (six fields, seconds first) the way the local host will run it. */
export function validInventorySchedule(schedule: string): string {
  try {
    new Cron(schedule, { timezone: 'UTC', paused: true }).stop();
    return schedule;
  } catch (error) {
    throw new ConfigurationError(
      `invalid setting VIGIL_INVENTORY_SCHEDULE '${schedule}': ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/**
 * The occurrence of `schedule` a timer run belongs to, as an ISO time: the latest occurrence in
 * the few minutes before it fired, or the minute it fired when it ran late (a past-due run). The
 * same occurrence fired twice gives the same slot, hence the same message ids.
 */
export function scheduleSlot(schedule: string, firedAt: number, toleranceMs = 5 * 60_000): string {
  const cron = new Cron(schedule, { timezone: 'UTC', paused: true });
  let slot: Date | undefined;
  for (let next = cron.nextRun(new Date(firedAt - toleranceMs)); next && next.getTime() <= firedAt; next = cron.nextRun(next)) slot = next;
  cron.stop();
  return (slot ?? new Date(Math.floor(firedAt / 60_000) * 60_000)).toISOString();
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
