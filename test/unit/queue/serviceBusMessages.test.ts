import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { maxMessageIdLength, toReplayedMessage, toServiceBusMessage } from '../../../shared/queue/serviceBus/serviceBusMessages';
import { envelope } from '../../contract/queueContractSupport';

/** The fields of a received message that replay reads; the rest of the SDK object does not matter here. */
function deadLettered(messageId: string): ServiceBusReceivedMessage {
  return {
    messageId,
    body: envelope('evt-1'),
    contentType: 'application/json',
    applicationProperties: { type: 'build.complete', DeadLetterReason: 'InvalidEnvelope' },
  } as unknown as ServiceBusReceivedMessage;
}

describe('Service Bus message mapping', () => {
  it('sends the envelope as JSON with its id, type and schedule', () => {
    const body = envelope('evt-9', { type: 'workitem.updated' });
    const at = new Date('2026-11-22T12:00:00.000Z');
    expect(toServiceBusMessage({ messageId: 'evt-9', body, scheduledEnqueueTime: at })).toEqual({
      messageId: 'evt-9',
      body,
      contentType: 'application/json',
      applicationProperties: { type: 'workitem.updated' },
      scheduledEnqueueTimeUtc: at,
    });
    expect(toServiceBusMessage({ messageId: 'evt-9', body })).not.toHaveProperty('scheduledEnqueueTimeUtc');
  });

  it('replaces a messageId too long for Service Bus by a stable digest, so duplicates are still caught', () => {
    const long = `${'a'.repeat(200)}:delivery`;
    const first = toServiceBusMessage({ messageId: long, body: envelope(long) }).messageId as string;
    const again = toServiceBusMessage({ messageId: long, body: envelope(long) }).messageId as string;
    expect(first).toMatch(/^sha256:/);
    expect(first.length).toBeLessThanOrEqual(maxMessageIdLength);
    expect(again).toBe(first);
  });

  it('gives a replayed copy a fresh messageId, the same body and type, and only one replay suffix', () => {
    const once = toReplayedMessage(deadLettered('evt-1'), 1_000);
    expect(once).toEqual({
      messageId: 'evt-1:replay:1000',
      body: envelope('evt-1'),
      contentType: 'application/json',
      applicationProperties: { type: 'build.complete' },
    });
    expect(toReplayedMessage(deadLettered('evt-1:replay:1000'), 2_000).messageId).toBe('evt-1:replay:2000');
  });
});
