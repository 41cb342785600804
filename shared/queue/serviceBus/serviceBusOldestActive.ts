import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';
import Long from 'long';
import type { QueueName } from '../names';

/** A peek reads this many messages at a time, and gives up on finding an active one after this many pages. */
const pageSize = 100;
const maxPages = 3;

/**
 * When the oldest active message of `queue` became receivable, by peeking from the first sequence
 * number (no lock taken, nothing changes; Receive rights suffice, unlike the administration API).
 * Scheduled and deferred messages are skipped. Sequence order is enqueue order, except that a
 * scheduled message keeps the number it got when it was scheduled: so the earliest ready time
 * among the active messages of the first page that has any is the answer, not simply the first.
 * A queue whose first 300 messages are all scheduled or deferred reports none.
 */
export async function peekOldestActive(client: ServiceBusClient, queue: QueueName, now: number): Promise<Date | undefined> {
  const receiver = client.createReceiver(queue);
  try {
    let from = Long.ONE;
    for (let page = 0; page < maxPages; page++) {
      const messages = await receiver.peekMessages(pageSize, { fromSequenceNumber: from });
      if (messages.length === 0) return undefined;
      const ready = messages.flatMap((message) => readyAt(message, now) ?? []);
      if (ready.length > 0) return new Date(Math.min(...ready));
      const last = messages[messages.length - 1].sequenceNumber;
      if (!last) return undefined;
      from = last.add(1);
    }
    return undefined;
  } finally {
    await receiver.close();
  }
}

/** When the message became receivable, or undefined when it is not active (scheduled for later, deferred). */
function readyAt(message: ServiceBusReceivedMessage, now: number): number | undefined {
  if (message.state === 'scheduled' || message.state === 'deferred') return undefined;
  const scheduled = message.scheduledEnqueueTimeUtc?.getTime();
  if (scheduled !== undefined && scheduled > now) return undefined;
  const enqueued = message.enqueuedTimeUtc?.getTime();
  if (enqueued === undefined) return undefined;
  return Math.max(enqueued, scheduled ?? 0);
}
