import { InvocationContext } from '@azure/functions';
import type { QueueFunctionDefinition } from '../azureFunctions';
import { invocationLogHandler } from '../azureFunctions';
import { messageOf } from '../errors';
import type { Logger } from '../logging';
import type { LockedMessage, QueueReceiver } from '../queue';
import { telemetry } from '../telemetry';

export interface QueuePumpOptions {
  concurrency: number;
  lockDurationMs: number;
  /** How long an idle pump waits for a wake-up before looking again (scheduled messages become due silently). */
  idlePollMs: number;
}

export interface QueuePump {
  /** Stops receiving and waits for the messages in hand, up to `graceMs`; returns how many were still running. */
  stop(graceMs: number): Promise<number>;
}

/**
 * Feeds one queue-triggered function from the queue port with the Functions host's semantics:
 * peek-lock, the lock renewed while the handler runs, complete on return, abandon on throw (the
 * queue dead-letters at the delivery limit), at most `concurrency` messages at once.
 */
export function startQueuePump(
  definition: QueueFunctionDefinition,
  receiver: QueueReceiver,
  logger: Logger,
  options: QueuePumpOptions,
): QueuePump {
  const inFlight = new Set<Promise<void>>();
  let running = true;
  let slotFreed: (() => void) | undefined;
  const log = logger.child({ function: definition.name, queue: definition.queue });

  const loop = async () => {
    while (running) {
      const free = options.concurrency - inFlight.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => (slotFreed = resolve));
        continue;
      }
      let messages: LockedMessage[];
      try {
        messages = await receiver.receive(definition.queue, { maxMessages: free, lockDurationMs: options.lockDurationMs });
      } catch (error) {
        log.error('could not receive; retrying', { error: messageOf(error) });
        await receiver.waitForMessages(definition.queue, options.idlePollMs);
        continue;
      }
      if (messages.length === 0) {
        await receiver.waitForMessages(definition.queue, options.idlePollMs);
        continue;
      }
      for (const message of messages) {
        // In the sender's trace: the pump's own lines about this message (a failure, a lost lock) name it too.
        const task = telemetry()
          .continueTrace(message.traceparent, () => invoke(definition, receiver, message, log, options.lockDurationMs))
          .finally(() => {
            inFlight.delete(task);
            slotFreed?.();
            slotFreed = undefined;
          });
        inFlight.add(task);
      }
    }
  };
  const looping = loop().catch((error: unknown) => log.error('queue pump stopped', { error: messageOf(error) }));

  return {
    async stop(graceMs) {
      running = false;
      slotFreed?.();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      const outcome = await Promise.race([Promise.all([...inFlight]).then(() => 'done' as const), deadline]);
      clearTimeout(timer);
      await Promise.race([looping, deadline]);
      return outcome === 'done' ? 0 : inFlight.size;
    },
  };
}

async function invoke(
  definition: QueueFunctionDefinition,
  receiver: QueueReceiver,
  message: LockedMessage,
  logger: Logger,
  lockDurationMs: number,
): Promise<void> {
  const context = new InvocationContext({
    invocationId: `${message.messageId}:${message.deliveryCount}`,
    functionName: definition.name,
    logHandler: invocationLogHandler(logger.child({ messageId: message.messageId })),
    triggerMetadata: {
      messageId: message.messageId,
      deliveryCount: message.deliveryCount,
      enqueuedTimeUtc: message.enqueuedTime.toISOString(),
      sequenceNumber: message.sequenceNumber,
      lockToken: message.lockToken,
      // As Service Bus hands them to the Functions host: the event type and the sender's trace context.
      applicationProperties: {
        ...(message.type ? { type: message.type } : {}),
        ...(message.traceparent ? { 'Diagnostic-Id': message.traceparent } : {}),
      },
    },
  });
  // Renew at half the lock so a long scan keeps its message, as the Functions host's auto-renewal does.
  const renewal = setInterval(
    () => {
      receiver
        .renewLock(message, lockDurationMs)
        .catch((error: unknown) => logger.warn('could not renew the lock', { error: messageOf(error) }));
    },
    Math.max(1, Math.floor(lockDurationMs / 2)),
  );
  try {
    await definition.handler(message.body, context);
    clearInterval(renewal);
    await receiver.complete(message);
  } catch (error) {
    clearInterval(renewal);
    const reason = messageOf(error);
    logger.warn('handler failed; abandoning the message', { messageId: message.messageId, deliveryCount: message.deliveryCount, reason });
    await receiver.abandon(message, reason).catch((e: unknown) => logger.error('could not abandon', { error: messageOf(e) }));
  }
}
