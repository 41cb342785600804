import { createHash } from 'node:crypto';
import type { Container } from '../store';
import { isConflict } from '../store';
import type { QueueName } from './names';

/**
 * Messages a handler gave up on for good (invalid, not found, forbidden, not built yet), kept
 * with the reason for `vigil dlq`. The Functions host settles Service Bus messages itself
 * (complete on success, abandon on throw), so a permanent failure is recorded here and the
 * message completed, instead of burning ten deliveries to reach the broker's dead-letter queue.
 */
export interface ParkedMessage {
  id: string;
  queue: QueueName;
  messageId: string;
  functionName: string;
  /** The message body as received: an envelope of identifiers, never a secret. */
  body: unknown;
  reason: string;
  deliveryCount: number;
  parkedAt: string;
}

export function parkedMessageId(queue: QueueName, messageId: string): string {
  return createHash('sha256').update(`${queue}\u0000${messageId}`).digest('base64url');
}

export async function parkMessage(parked: Container<ParkedMessage>, message: Omit<ParkedMessage, 'id'>): Promise<void> {
  try {
    await parked.create({ id: parkedMessageId(message.queue, message.messageId), ...message });
  } catch (error) {
    // Parked already by an earlier delivery of the same message: once is enough.
    if (!isConflict(error)) throw error;
  }
}
