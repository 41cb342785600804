import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { isServiceBusError, ServiceBusAdministrationClient, ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import { type Clock, systemClock } from '../../clock';
import { defaultMaxDeliveryCount, type QueueName } from '../names';
import type { LockedMessage, OutgoingMessage, QueueAdmin, QueueCounts, QueueReceiver, QueueSender } from '../port';
import { type DeadLetterAccess, peekDeadLetters, settleDeadLetters } from './serviceBusDeadLetters';
import { type ServiceBusOperation, toQueueError } from './serviceBusErrors';
import { deadLetteredAtProperty, lastErrorProperty, toReplayedMessage } from './serviceBusMessages';
import { peekOldestActive } from './serviceBusOldestActive';
import { type HeldMessage, ReceivingLanes } from './serviceBusReceiving';
import { sendInBatches } from './serviceBusSending';
import { namespaceOf, type QueueRuntimePropertiesReader, type ServiceBusQueueSettings } from './serviceBusSettings';

export type ServiceBusQueue = QueueSender & QueueReceiver & QueueAdmin;

/** Application property values are capped with the whole header (64 KB); a stack trace must not take it all. */
const maxPropertyLength = 4_096;

/** The credential for identity-based connections: the managed identity in Azure, the developer's sign-in locally. */
export function defaultServiceBusCredential(managedIdentityClientId: string | undefined): TokenCredential {
  return new DefaultAzureCredential(managedIdentityClientId ? { managedIdentityClientId } : {});
}

/**
 * The queue port on Azure Service Bus (docs/architecture.md, "Queues and settlement"), with the embedded queue's semantics:
 * - send: one cached sender per queue; batches split when full; `messageId` drives the
 *   namespace's duplicate detection; scheduled messages carry `scheduledEnqueueTimeUtc`.
 * - receive: peek-lock; delivery counts start at 1; `abandon` at the delivery limit dead-letters
 *   with the handler's reason (Service Bus would only say "MaxDeliveryCountExceeded");
 *   `renewLock` renews for the queue's own LockDuration (set in infra/), whatever is asked.
 * - waitForMessages long-polls the queue and keeps what arrives for the next `receive`.
 * - admin: dead letters through the `$DeadLetterQueue` subqueue; counts through the HTTP
 *   administration API, which needs Manage rights (Data Owner) that senders and receivers lack;
 *   the oldest active message by a peek, which Receive rights allow (what the health check uses).
 */
export function createServiceBusQueue(settings: ServiceBusQueueSettings, clock: Clock = systemClock): ServiceBusQueue {
  const { auth } = settings;
  const clientOptions = { retryOptions: settings.retryOptions };
  const client =
    auth.kind === 'identity'
      ? new ServiceBusClient(auth.fullyQualifiedNamespace, auth.credential, clientOptions)
      : new ServiceBusClient(auth.connectionString, clientOptions);
  const namespace = namespaceOf(auth);
  const principal =
    auth.kind === 'connection-string'
      ? "the connection string's shared access policy"
      : auth.managedIdentityClientId
        ? `the managed identity with client id ${auth.managedIdentityClientId}`
        : 'the Azure identity in use (DefaultAzureCredential)';
  const operation = (action: string, entity: string): ServiceBusOperation => ({ action, entity, namespace, principal });

  const maxDeliveryCount = settings.maxDeliveryCount ?? defaultMaxDeliveryCount;
  const receiveWaitMs = settings.receiveWaitMs ?? 500;
  const deadLetters: DeadLetterAccess = { client, waitMs: settings.deadLetterReceiveWaitMs ?? 1_000 };
  const senders = new Map<QueueName, ServiceBusSender>();
  const lanes = new ReceivingLanes(client);
  let administration: QueueRuntimePropertiesReader | undefined = settings.administrationClient;
  const idlers = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  const senderFor = (queue: QueueName): ServiceBusSender => {
    let sender = senders.get(queue);
    if (!sender) {
      sender = client.createSender(queue);
      senders.set(queue, sender);
    }
    return sender;
  };

  const administrationClient = (): QueueRuntimePropertiesReader => {
    administration ??=
      auth.kind === 'identity'
        ? new ServiceBusAdministrationClient(auth.fullyQualifiedNamespace, auth.credential)
        : new ServiceBusAdministrationClient(auth.connectionString);
    return administration;
  };

  /** Waits without holding anything; close() cuts it short. Used when the queue cannot be reached. */
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (closed) return resolve();
      const timer = setTimeout(() => {
        idlers.delete(timer);
        resolve();
      }, ms);
      idlers.set(timer, resolve);
    });

  const settle = async (message: LockedMessage, action: string, work: (held: HeldMessage) => Promise<unknown>) => {
    const held = lanes.holder(message);
    try {
      await work(held);
      lanes.release(message);
    } catch (error) {
      // A lost lock will not come back; anything else may be retried with the same message.
      if (isServiceBusError(error) && (error.code === 'MessageLockLost' || error.code === 'MessageNotFound')) lanes.release(message);
      throw toQueueError(error, operation(action, message.queue));
    }
  };

  const deadLetter = (message: LockedMessage, reason: string, description: string) =>
    settle(message, 'dead-letter a message of', ({ receiver, message: received }) =>
      receiver.deadLetterMessage(received, {
        deadLetterReason: truncate(reason),
        deadLetterErrorDescription: truncate(description),
        [deadLetteredAtProperty]: clock.now(),
      }),
    );

  return {
    async send(queue, messages: OutgoingMessage[]) {
      if (messages.length === 0) return;
      try {
        await sendInBatches(senderFor(queue), queue, messages);
      } catch (error) {
        throw toQueueError(error, operation('send to', queue));
      }
    },

    async receive(queue, options) {
      const lane = lanes.lane(queue);
      if (options.maxMessages < 1) return [];
      return lane.run(async () => {
        const ready = lane.ready.splice(0, options.maxMessages);
        if (ready.length > 0) return lanes.hand(lane, ready);
        try {
          // The lock lasts the queue's LockDuration; `options.lockDurationMs` cannot change it per receive.
          const received = await lane.receiver.receiveMessages(options.maxMessages, { maxWaitTimeInMs: receiveWaitMs });
          return lanes.hand(lane, received);
        } catch (error) {
          throw toQueueError(error, operation('receive from', queue));
        }
      });
    },

    complete(message) {
      return settle(message, 'complete a message of', ({ receiver, message: received }) => receiver.completeMessage(received));
    },

    async abandon(message, reason) {
      if (message.deliveryCount >= maxDeliveryCount) return deadLetter(message, 'MaxDeliveryCountExceeded', reason);
      return settle(message, 'abandon a message of', ({ receiver, message: received }) =>
        receiver.abandonMessage(received, { [lastErrorProperty]: truncate(reason) }),
      );
    },

    deadLetter,

    async renewLock(message) {
      const held = lanes.holder(message);
      try {
        await held.receiver.renewMessageLock(held.message);
      } catch (error) {
        throw toQueueError(error, operation('renew a lock in', message.queue));
      }
    },

    waitForMessages(queue, timeoutMs) {
      const lane = lanes.lane(queue);
      return lane.run(async () => {
        if (lane.ready.length > 0) return;
        try {
          lane.ready.push(...(await lane.receiver.receiveMessages(1, { maxWaitTimeInMs: Math.max(1, timeoutMs) })));
        } catch {
          // The pump's next receive reports the failure; waiting here keeps it from spinning meanwhile.
          await idle(timeoutMs);
        }
      });
    },

    async counts(queue): Promise<QueueCounts> {
      try {
        const properties = await administrationClient().getQueueRuntimeProperties(queue);
        return {
          active: properties.activeMessageCount,
          scheduled: properties.scheduledMessageCount,
          deadLettered: properties.deadLetterMessageCount,
        };
      } catch (error) {
        throw toQueueError(error, operation('read the counts of', queue));
      }
    },

    async oldestActiveSince(queue) {
      try {
        return await peekOldestActive(client, queue, clock.now());
      } catch (error) {
        throw toQueueError(error, operation('peek', queue));
      }
    },

    async listDeadLetters(queue, limit) {
      if (limit < 1) return [];
      try {
        return await peekDeadLetters(deadLetters, queue, limit);
      } catch (error) {
        throw toQueueError(error, operation('list the dead letters of', `${queue}/$DeadLetterQueue`));
      }
    },

    async replayDeadLetters(queue, sequenceNumbers) {
      const sender = senderFor(queue);
      try {
        // Send the copy first, then complete: a crash in between replays twice, which idempotency absorbs.
        return await settleDeadLetters(deadLetters, queue, sequenceNumbers, async (receiver, message) => {
          await sender.sendMessages(toReplayedMessage(message, clock.now()));
          await receiver.completeMessage(message);
        });
      } catch (error) {
        throw toQueueError(error, operation('replay the dead letters of', `${queue}/$DeadLetterQueue`));
      }
    },

    async purgeDeadLetters(queue, sequenceNumbers) {
      try {
        return await settleDeadLetters(deadLetters, queue, sequenceNumbers, (receiver, message) => receiver.completeMessage(message));
      } catch (error) {
        throw toQueueError(error, operation('purge the dead letters of', `${queue}/$DeadLetterQueue`));
      }
    },

    async close() {
      closed = true;
      for (const [timer, resolve] of idlers) {
        clearTimeout(timer);
        resolve();
      }
      idlers.clear();
      await lanes.close();
      await Promise.allSettled([...senders.values()].map((sender) => sender.close()));
      senders.clear();
      await client.close();
    },
  };
}

function truncate(text: string): string {
  return text.length > maxPropertyLength ? `${text.slice(0, maxPropertyLength - 3)}...` : text;
}
