import { ServiceBusClient } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { defaultMaxDeliveryCount, queueNames } from '../../../shared/queue/names';
import { createServiceBusQueue, type ServiceBusQueue } from '../../../shared/queue/serviceBus/serviceBusQueue';
import type { ServiceBusQueueSettings } from '../../../shared/queue/serviceBus/serviceBusSettings';
import { describeQueueContract } from '../../contract/queueContract';
import { envelope, outgoing, receiveCount } from '../../contract/queueContractSupport';
import { type AmqpBroker, type AmqpBrokerOptions, startAmqpBroker } from '../../support/amqpBroker';
import { ManualClock } from '../../support/manualClock';

/**
 * The Service Bus adapter with the real @azure/service-bus SDK, against the loopback AMQP broker.
 * Counts come from the broker through the adapter's administrationClient seam: the broker speaks
 * AMQP only, not the HTTP administration API (that client is unit-tested with a stub).
 */
function settingsFor(broker: AmqpBroker): ServiceBusQueueSettings {
  return {
    auth: { kind: 'connection-string', connectionString: broker.connectionString },
    maxDeliveryCount: defaultMaxDeliveryCount,
    receiveWaitMs: 200,
    deadLetterReceiveWaitMs: 300,
    administrationClient: broker,
    retryOptions: { maxRetries: 1, retryDelayInMs: 50 },
  };
}

describeQueueContract('Service Bus SDK over the loopback AMQP broker', async () => {
  const broker = await startAmqpBroker({ queues: queueNames, maxDeliveryCount: defaultMaxDeliveryCount });
  const queue = createServiceBusQueue(settingsFor(broker));
  return {
    queue,
    maxDeliveryCount: defaultMaxDeliveryCount,
    async close() {
      await queue.close();
      await broker.close();
    },
  };
});

/** A broker and an adapter on it for one test, closed whatever happens. */
async function withAdapter(options: AmqpBrokerOptions, test: (queue: ServiceBusQueue, broker: AmqpBroker) => Promise<void>): Promise<void> {
  const broker = await startAmqpBroker(options);
  const queue = createServiceBusQueue(settingsFor(broker));
  try {
    await test(queue, broker);
  } finally {
    await queue.close();
    await broker.close();
  }
}

describe('the Service Bus adapter against the loopback broker', () => {
  it('names a queue that does not exist and how to create it, and never shows the key', async () => {
    await withAdapter({ queues: ['build-scan'] }, async (queue, broker) => {
      const failure: unknown = await queue.send('alerts', [outgoing('lost-1')]).catch((error: unknown) => error);
      expect(failure).toMatchObject({
        kind: 'configuration',
        message: `queue 'alerts' does not exist in namespace 127.0.0.1:${broker.port} (deploy infra/ or create it)`,
      });
      await expect(queue.receive('alerts', { maxMessages: 1, lockDurationMs: 30_000 })).rejects.toMatchObject({ kind: 'configuration' });
      // The pump waits between failed receives instead of spinning; waiting never throws.
      await queue.waitForMessages('alerts', 10);
      const key = /SharedAccessKey=([^;]+)/.exec(broker.connectionString)?.[1] ?? 'unreachable';
      expect(String((failure as Error).message)).not.toContain(key);
    });
  });

  it("writes what the Functions trigger reads: checked on the SDK's own received message", async () => {
    await withAdapter({ queues: queueNames }, async (queue, broker) => {
      const scheduledEnqueueTime = new Date(Date.now() - 1_000);
      const sent = envelope('map-1', { type: 'git.push' });
      await queue.send('repo-scan', [{ messageId: 'map-1', body: sent, scheduledEnqueueTime }]);

      const client = new ServiceBusClient(broker.connectionString);
      const receiver = client.createReceiver('repo-scan');
      try {
        const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 10_000 });
        expect(message).toMatchObject({
          messageId: 'map-1',
          contentType: 'application/json',
          applicationProperties: { type: 'git.push' },
          body: sent,
          scheduledEnqueueTimeUtc: scheduledEnqueueTime,
          deliveryCount: 0,
        });
        // A JSON data section, which the Functions host parses into the trigger's argument.
        expect(message._rawAmqpMessage.bodyType).toBe('data');
        await receiver.completeMessage(message);
      } finally {
        await client.close();
      }
    });
  });

  it('loses an expired lock: renewing and settling fail as transient, and the message comes back counted', async () => {
    const clock = new ManualClock(Date.now());
    await withAdapter({ queues: queueNames, clock, lockDurationMs: 30_000 }, async (queue) => {
      await queue.send('build-scan', [outgoing('slow-1')]);
      const [first] = await receiveCount(queue, 'build-scan', 1);
      clock.advance(30_001);
      await expect(queue.renewLock(first, 30_000)).rejects.toMatchObject({ kind: 'transient' });
      await expect(queue.complete(first)).rejects.toMatchObject({ kind: 'transient' });
      const [again] = await receiveCount(queue, 'build-scan', 1);
      expect(again).toMatchObject({ messageId: 'slow-1', deliveryCount: 2 });
      await queue.complete(again);
    });
  });
});
