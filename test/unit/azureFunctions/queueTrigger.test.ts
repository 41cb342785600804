import { InvocationContext } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppServices, useServices } from '../../../shared/app/services';
import type { UseCase } from '../../../shared/app/useCase';
import { handleQueueMessage, queueTrigger } from '../../../shared/azureFunctions/queueTrigger';
import { PermanentError, ThrottledError, TransientError } from '../../../shared/errors';
import type { EventEnvelope } from '../../../shared/events/envelope';
import type { ParkedMessage } from '../../../shared/queue/parkedMessages';
import { buildCompleteEvent, type EmbeddedServices, startEmbeddedServices } from '../../support/embeddedServices';
import type { ManualClock } from '../../support/manualClock';

const envelope = buildCompleteEvent('sub-1:evt-1');

let embedded: EmbeddedServices;
let clock: ManualClock;
let services: AppServices;
let runs: number;

function delivery(body: unknown = envelope, deliveryCount = 1) {
  return { functionName: 'scanBuild', queue: 'build-scan' as const, body, messageId: 'sub-1:evt-1', deliveryCount };
}

function failingWith(error: Error): UseCase {
  return async () => {
    runs++;
    throw error;
  };
}

const succeeding: UseCase = async () => {
  runs++;
  return { findings: 0 };
};

async function parked(): Promise<ParkedMessage[]> {
  return (await services.stores.parked.query({ where: { queue: 'build-scan' } })).items;
}

beforeEach(async () => {
  runs = 0;
  embedded = await startEmbeddedServices({ env: { VIGIL_MAX_THROTTLE_RESCHEDULES: '2' }, label: 'trigger' });
  ({ clock, services } = embedded);
});

afterEach(async () => {
  useServices(undefined);
  await embedded.close();
});

describe('a queue-triggered use case', () => {
  it('runs once per event: a redelivered message is acknowledged without running again', async () => {
    expect(await handleQueueMessage(delivery(), services, succeeding)).toBe('completed');
    expect(await handleQueueMessage(delivery(envelope, 2), services, succeeding)).toBe('replayed');
    expect(runs).toBe(1);
  });

  it('throws on a transient failure so the host redelivers, and the redelivery runs', async () => {
    await expect(handleQueueMessage(delivery(), services, failingWith(new TransientError('Azure DevOps answered 503')))).rejects.toThrow(
      '503',
    );
    expect(await handleQueueMessage(delivery(envelope, 2), services, succeeding)).toBe('completed');
    expect(runs).toBe(2);
  });

  it('schedules a copy for when a throttled call may be retried, with attempt + 1', async () => {
    const outcome = await handleQueueMessage(delivery(), services, failingWith(new ThrottledError('429 from Azure DevOps', 30_000)));
    expect(outcome).toBe('rescheduled');
    expect(await services.queue.counts('build-scan')).toEqual({ active: 0, scheduled: 1, deadLettered: 0 });
    clock.advance(30_000);
    const [copy] = await services.queue.receive('build-scan', { maxMessages: 1, lockDurationMs: 60_000 });
    expect(copy.messageId).toBe('sub-1:evt-1:attempt:1');
    expect(copy.body).toMatchObject({ id: 'sub-1:evt-1', attempt: 1 });
  });

  it('parks an event once throttling outlasts the allowed reschedules', async () => {
    const outcome = await handleQueueMessage(
      delivery({ ...envelope, attempt: 2 }),
      services,
      failingWith(new ThrottledError('still 429', 1_000)),
    );
    expect(outcome).toBe('parked');
    expect((await parked())[0].reason).toMatch(/gave up after 2 reschedules: ThrottledError: still 429/);
  });

  it('parks a permanent failure with its reason and does not retry it', async () => {
    const outcome = await handleQueueMessage(delivery(), services, failingWith(new PermanentError('build 7 not found in contoso/web')));
    expect(outcome).toBe('parked');
    expect(await parked()).toEqual([
      expect.objectContaining({
        messageId: 'sub-1:evt-1',
        functionName: 'scanBuild',
        reason: 'PermanentError: build 7 not found in contoso/web',
      }),
    ]);
    expect(runs).toBe(1);
  });

  it('parks a message that is not an event envelope, naming the field', async () => {
    const outcome = await handleQueueMessage(delivery({ ...envelope, source: 'bitbucket' }), services, succeeding);
    expect(outcome).toBe('parked');
    expect((await parked())[0].reason).toMatch(/^invalid envelope: source:/);
    expect(runs).toBe(0);
  });

  it('reschedules rather than runs twice while another worker holds the event', async () => {
    let release!: () => void;
    const slow: UseCase = () => new Promise((resolve) => (release = () => resolve(undefined)));
    const first = handleQueueMessage(delivery(), services, slow);
    await Promise.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(await handleQueueMessage(delivery(envelope, 2), services, succeeding)).toBe('rescheduled');
    release();
    expect(await first).toBe('completed');
    expect(runs).toBe(0);
  });
});

describe('the Service Bus trigger binding', () => {
  it.each([
    ['a parsed JSON object', envelope],
    ['a JSON string', JSON.stringify(envelope)],
    ['bytes', Buffer.from(JSON.stringify(envelope))],
  ])(
    'reads the envelope the Functions host hands over as %s, with messageId and deliveryCount from triggerMetadata',
    async (_shape, body) => {
      useServices(services);
      const seen: EventEnvelope[] = [];
      const handler = queueTrigger('scanBuild', 'build-scan', async (received: EventEnvelope) => {
        seen.push(received);
      });
      const context = new InvocationContext({
        functionName: 'scanBuild',
        triggerMetadata: {
          messageId: 'sub-1:evt-1',
          deliveryCount: 1,
          enqueuedTimeUtc: '2026-11-20T10:00:00Z',
          applicationProperties: { type: 'build.complete' },
        },
        logHandler: () => undefined,
      });
      await handler(body, context);
      expect(seen).toEqual([envelope]);
    },
  );
});
