import type { Clock } from '../clock';
import { EventEnvelopeSchema, ParkedDeliveryBodySchema } from '../events';
import type { Container } from '../store';
import { isNotFound, queryAll } from '../store';
import type { QueueName } from './names';
import type { ParkedMessage } from './parkedMessages';
import type { QueueAdmin, QueueSender } from './port';

/**
 * What `vigil dlq` works on: messages the queue dead-lettered after too many failed deliveries,
 * and messages a handler parked as permanently failing (docs/architecture.md, "Queues and settlement"). Operators see both in one
 * list, and replay or purge them alike.
 */
export interface FailedMessage {
  queue: QueueName;
  /** `dead-lettered` by the queue, or `parked` by a handler. */
  kind: 'dead-lettered' | 'parked';
  messageId: string;
  type?: string;
  reason: string;
  description?: string;
  /** Parked at the webhook: the payload's field paths and types (never its values), for an operator to report. */
  shape?: string[];
  deliveryCount: number;
  failedAt: string;
}

export interface FailedMessageStores {
  queue: QueueAdmin & QueueSender;
  parked: Container<ParkedMessage>;
  clock: Clock;
}

export interface FailedMessageFilter {
  queues: QueueName[];
  /** Only these message ids; all when empty. */
  messageIds?: string[];
}

const deadLetterPageSize = 1_000;

export async function listFailedMessages(stores: FailedMessageStores, filter: FailedMessageFilter): Promise<FailedMessage[]> {
  const failed: FailedMessage[] = [];
  for (const queue of filter.queues) {
    for (const message of await stores.queue.listDeadLetters(queue, deadLetterPageSize)) {
      failed.push({
        queue,
        kind: 'dead-lettered',
        messageId: message.messageId,
        type: envelopeType(message.body),
        reason: message.reason,
        description: message.description,
        deliveryCount: message.deliveryCount,
        failedAt: message.deadLetteredAt.toISOString(),
      });
    }
    for (const parked of await parkedIn(stores.parked, queue)) {
      const delivery = ParkedDeliveryBodySchema.safeParse(parked.body);
      failed.push({
        queue,
        kind: 'parked',
        messageId: parked.messageId,
        type: envelopeType(parked.body),
        reason: parked.reason,
        ...(delivery.success ? { description: 'parked at the webhook, nothing was enqueued', shape: delivery.data.shape } : {}),
        deliveryCount: parked.deliveryCount,
        failedAt: parked.parkedAt,
      });
    }
  }
  const wanted = filter.messageIds?.length ? new Set(filter.messageIds) : undefined;
  return failed.filter((message) => !wanted || wanted.has(message.messageId)).sort((a, b) => a.failedAt.localeCompare(b.failedAt));
}

export interface ReplayResult {
  replayed: number;
  /** Parked messages that are not event envelopes cannot run again; they stay parked. */
  unreplayable: Array<{ queue: QueueName; messageId: string; reason: string }>;
}

/**
 * A delivery parked at the webhook had no ids to build an event from, and Vigil keeps only its
 * shape, not the payload (see events/parkedDelivery.ts): there is nothing to put on a queue.
 */
const unreplayableDelivery =
  'parked at the webhook: its payload named no ids to build an event from, and only its shape was kept (report it from `vigil dlq list`)';

/** Puts the messages back on their queues: dead-lettered ones with a fresh delivery count, parked ones as new copies. */
export async function replayFailedMessages(stores: FailedMessageStores, filter: FailedMessageFilter): Promise<ReplayResult> {
  const result: ReplayResult = { replayed: 0, unreplayable: [] };
  for (const queue of filter.queues) {
    result.replayed += await stores.queue.replayDeadLetters(queue, await deadLetterSequenceNumbers(stores, queue, filter));
    for (const parked of await parkedIn(stores.parked, queue, filter.messageIds)) {
      if (ParkedDeliveryBodySchema.safeParse(parked.body).success) {
        result.unreplayable.push({ queue, messageId: parked.messageId, reason: unreplayableDelivery });
        continue;
      }
      const envelope = EventEnvelopeSchema.safeParse(parked.body);
      if (!envelope.success) {
        result.unreplayable.push({ queue, messageId: parked.messageId, reason: 'not an event envelope' });
        continue;
      }
      // A new message id: the original is still inside the queue's duplicate-detection window.
      await stores.queue.send(queue, [{ messageId: `${envelope.data.id}:replay:${stores.clock.now()}`, body: envelope.data }]);
      await deleteParked(stores.parked, parked);
      result.replayed++;
    }
  }
  return result;
}

export async function purgeFailedMessages(stores: FailedMessageStores, filter: FailedMessageFilter): Promise<number> {
  let purged = 0;
  for (const queue of filter.queues) {
    purged += await stores.queue.purgeDeadLetters(queue, await deadLetterSequenceNumbers(stores, queue, filter));
    for (const parked of await parkedIn(stores.parked, queue, filter.messageIds)) {
      await deleteParked(stores.parked, parked);
      purged++;
    }
  }
  return purged;
}

/** `undefined` means all of the queue's dead letters. */
async function deadLetterSequenceNumbers(
  stores: FailedMessageStores,
  queue: QueueName,
  filter: FailedMessageFilter,
): Promise<number[] | undefined> {
  if (!filter.messageIds?.length) return undefined;
  const wanted = new Set(filter.messageIds);
  return (await stores.queue.listDeadLetters(queue, deadLetterPageSize))
    .filter((m) => wanted.has(m.messageId))
    .map((m) => m.sequenceNumber);
}

async function parkedIn(parked: Container<ParkedMessage>, queue: QueueName, messageIds?: string[]): Promise<ParkedMessage[]> {
  const all = await queryAll(parked, { where: { queue }, orderBy: { field: 'parkedAt' } });
  const wanted = messageIds?.length ? new Set(messageIds) : undefined;
  return all.filter((message) => !wanted || wanted.has(message.messageId));
}

async function deleteParked(parked: Container<ParkedMessage>, message: ParkedMessage): Promise<void> {
  await parked.delete(message.id, message.queue).catch((error: unknown) => {
    if (!isNotFound(error)) throw error;
  });
}

function envelopeType(body: unknown): string | undefined {
  return typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string'
    ? (body as { type: string }).type
    : undefined;
}
