import type { ServiceBusMessageBatch, ServiceBusSender } from '@azure/service-bus';
import { PermanentError } from '../../errors';
import type { QueueName } from '../names';
import type { OutgoingMessage } from '../port';
import { toServiceBusMessage } from './serviceBusMessages';

/**
 * Sends in as few batches as fit: a batch is filled until the SDK says it is full (the link's
 * max_message_size, 256 KB on Standard), sent, and a new one started. If a later batch fails the
 * caller sends them all again, and duplicate detection drops the ones that already went.
 * Throws the SDK's errors as they are; the adapter maps them.
 *
 * A batch only holds messages with the same schedule: the SDK copies the first message's
 * annotations (the scheduled enqueue time among them) onto the batch envelope, so a mixed batch
 * would leave it to the service to pick which one counts.
 */
export async function sendInBatches(sender: ServiceBusSender, queue: QueueName, messages: OutgoingMessage[]): Promise<void> {
  let batch = await sender.createMessageBatch();
  let batchSchedule: number | undefined;
  const startNewBatch = async () => {
    await sender.sendMessages(batch);
    batch = await sender.createMessageBatch();
  };
  for (const message of messages) {
    const schedule = message.scheduledEnqueueTime?.getTime();
    if (batch.count > 0 && schedule !== batchSchedule) await startNewBatch();
    batchSchedule = schedule;
    const outgoing = toServiceBusMessage(message);
    if (batch.tryAddMessage(outgoing)) continue;
    if (batch.count > 0) {
      await startNewBatch();
      if (batch.tryAddMessage(outgoing)) continue;
    }
    throw tooLarge(queue, message, batch);
  }
  if (batch.count > 0) await sender.sendMessages(batch);
}

function tooLarge(queue: QueueName, message: OutgoingMessage, batch: ServiceBusMessageBatch): PermanentError {
  return new PermanentError(
    `message '${message.messageId}' does not fit in a Service Bus message for queue '${queue}' ` +
      `(at most ${batch.maxSizeInBytes} bytes); queue only identifiers, never payloads (docs/architecture.md, "The shape")`,
  );
}
