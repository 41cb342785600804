import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import Long from 'long';
import type { QueueName } from '../names';
import type { DeadLetteredMessage } from '../port';
import { sequenceNumberOf, toDeadLetteredMessage } from './serviceBusMessages';

/** How many dead-lettered messages one receive asks for, and how many rounds one operation may take. */
const batchSize = 100;
const maxRounds = 1_000;

export interface DeadLetterAccess {
  client: ServiceBusClient;
  /** How long a receive on the dead-letter queue waits before deciding it is empty. */
  waitMs: number;
}

/**
 * Peeks: no lock is taken and nothing changes. The SDK remembers where the last peek ended per
 * connection and entity, so every listing starts explicitly at the first sequence number.
 */
export async function peekDeadLetters(access: DeadLetterAccess, queue: QueueName, limit: number): Promise<DeadLetteredMessage[]> {
  const receiver = access.client.createReceiver(queue, { subQueueType: 'deadLetter' });
  const listed: DeadLetteredMessage[] = [];
  try {
    let from = Long.ONE;
    while (listed.length < limit) {
      const page = await receiver.peekMessages(limit - listed.length, { fromSequenceNumber: from });
      if (page.length === 0) break;
      for (const message of page) listed.push(toDeadLetteredMessage(queue, message));
      const last = page[page.length - 1].sequenceNumber;
      if (!last) break;
      from = last.add(1);
    }
  } finally {
    await receiver.close();
  }
  return listed.slice(0, limit);
}

/**
 * Receives dead-lettered messages under a lock and applies `settle` to those selected (all of
 * them when `sequenceNumbers` is undefined): `settle` completes the message once its work is done.
 * The ones not selected stay locked until the end, so later receives reach past them, and are then
 * abandoned; on Service Bus that raises their delivery count, which nothing reads on a
 * dead-letter queue. Returns how many were settled.
 */
export async function settleDeadLetters(
  access: DeadLetterAccess,
  queue: QueueName,
  sequenceNumbers: number[] | undefined,
  settle: (receiver: ServiceBusReceiver, message: ServiceBusReceivedMessage) => Promise<void>,
): Promise<number> {
  const wanted = sequenceNumbers ? new Set(sequenceNumbers) : undefined;
  if (wanted && wanted.size === 0) return 0;
  const receiver = access.client.createReceiver(queue, {
    subQueueType: 'deadLetter',
    receiveMode: 'peekLock',
    maxAutoLockRenewalDurationInMs: 0,
  });
  // Received and not settled: the ones not selected, and the rest of a batch when `settle` fails.
  const unsettled = new Set<ServiceBusReceivedMessage>();
  let settled = 0;
  try {
    for (let round = 0; round < maxRounds && (!wanted || wanted.size > 0); round++) {
      const batch = await receiver.receiveMessages(batchSize, { maxWaitTimeInMs: access.waitMs });
      if (batch.length === 0) break;
      for (const message of batch) unsettled.add(message);
      for (const message of batch) {
        const sequenceNumber = sequenceNumberOf(message);
        if (wanted && !wanted.has(sequenceNumber)) continue;
        await settle(receiver, message);
        unsettled.delete(message);
        wanted?.delete(sequenceNumber);
        settled++;
      }
    }
  } finally {
    await Promise.allSettled([...unsettled].map((message) => receiver.abandonMessage(message)));
    await receiver.close();
  }
  return settled;
}
