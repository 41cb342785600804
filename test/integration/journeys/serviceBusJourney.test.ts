import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import type { UseCase } from '../../../shared/app/useCase';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { traceDelivery } from '../../../shared/journeys';
import { createLogger } from '../../../shared/logging/logger';
import { queueNames } from '../../../shared/queue/names';
import { createServiceBusQueue, type ServiceBusQueue } from '../../../shared/queue/serviceBus/serviceBusQueue';
import { envelope, receiveCount } from '../../contract/queueContractSupport';
import { type AmqpBroker, startAmqpBroker } from '../../support/amqpBroker';

/**
 * The root delivery and the cause an emitting run stamps on its events travel in the envelope, so they
 * survive a real Service Bus hop (the SDK against the loopback broker) and the next run's hop lands
 * under the same delivery for `vigil trace`.
 */
let broker: AmqpBroker;
let queue: ServiceBusQueue;
let dataDir: string;
let services: AppServices;

beforeAll(async () => {
  broker = await startAmqpBroker({ queues: queueNames });
  queue = createServiceBusQueue({
    auth: { kind: 'connection-string', connectionString: broker.connectionString },
    receiveWaitMs: 200,
    retryOptions: { maxRetries: 1, retryDelayInMs: 50 },
  });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-sb-journey-'));
  const embedded = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), {
    logger: createLogger({ sink: { write: () => undefined } }),
  });
  services = { ...embedded, queue, close: embedded.close };
});

afterAll(async () => {
  await queue?.close();
  await broker?.close();
  await services?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a journey across Service Bus', () => {
  it('keeps the root delivery and the cause on an emitted event, and its run under the delivery', async () => {
    const root = envelope('sub-9:evt-9');
    const opened: EventEnvelope = { ...envelope('risk:r9:opened:1'), source: 'vigil', type: 'risk.opened', subject: { riskId: 'r9' } };
    const emit: UseCase = async (_event, { services: given }) => given.queue.send('alerts', [{ messageId: opened.id, body: opened }]);
    const noop: UseCase = async () => undefined;

    await handleQueueMessage(
      { functionName: 'scanBuild', queue: 'build-scan', body: root, messageId: root.id, deliveryCount: 1 },
      services,
      emit,
    );
    const [message] = await receiveCount(queue, 'alerts', 1);
    expect(message.body).toMatchObject({ id: opened.id, rootDeliveryId: root.id, causationId: root.id });
    await handleQueueMessage(
      {
        functionName: 'sendAlert',
        queue: 'alerts',
        body: message.body,
        messageId: message.messageId,
        deliveryCount: message.deliveryCount,
      },
      services,
      noop,
    );
    await queue.complete(message);

    const trace = await traceDelivery(services.stores, root.id);
    expect(trace?.journey?.runs.map((run) => run.functionName)).toEqual(['scanBuild']);
    expect(trace?.journey?.emitted.map((event) => [event.eventId, event.runs.map((run) => [run.functionName, run.outcome])])).toEqual([
      [opened.id, [['sendAlert', 'completed']]],
    ]);
  });
});
