import type { ServiceBusMessage, ServiceBusMessageBatch, ServiceBusSender } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../../shared/queue/port';
import { sendInBatches } from '../../../shared/queue/serviceBus/serviceBusSending';
import { outgoing } from '../../contract/queueContractSupport';

/** A sender whose batches hold `capacity` messages; records the messageIds of each batch sent. */
function fakeSender(capacity: number): { sender: ServiceBusSender; sent: string[][] } {
  const sent: string[][] = [];
  const createMessageBatch = async () => {
    const messages: ServiceBusMessage[] = [];
    const batch = {
      get count() {
        return messages.length;
      },
      maxSizeInBytes: capacity * 1_000,
      tryAddMessage(message: ServiceBusMessage) {
        if (messages.length >= capacity) return false;
        messages.push(message);
        return true;
      },
      ids: () => messages.map((message) => String(message.messageId)),
    };
    return batch as unknown as ServiceBusMessageBatch;
  };
  const sendMessages = async (batch: ServiceBusMessageBatch) => {
    sent.push((batch as unknown as { ids(): string[] }).ids());
  };
  return { sender: { createMessageBatch, sendMessages } as unknown as ServiceBusSender, sent };
}

describe('sending in batches', () => {
  it('starts a new batch when one is full', async () => {
    const { sender, sent } = fakeSender(2);
    await sendInBatches(
      sender,
      'build-scan',
      ['a', 'b', 'c', 'd', 'e'].map((id) => outgoing(id)),
    );
    expect(sent).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('keeps messages with different schedules in different batches', async () => {
    const { sender, sent } = fakeSender(10);
    const later = new Date('2026-11-22T12:00:00.000Z');
    const messages: OutgoingMessage[] = [outgoing('a'), outgoing('b'), { ...outgoing('c'), scheduledEnqueueTime: later }, outgoing('d')];
    await sendInBatches(sender, 'build-scan', messages);
    expect(sent).toEqual([['a', 'b'], ['c'], ['d']]);
  });

  it('refuses a message that fits in no batch, as permanent, naming it', async () => {
    const { sender } = fakeSender(0);
    await expect(sendInBatches(sender, 'build-scan', [outgoing('huge-1')])).rejects.toMatchObject({
      kind: 'permanent',
      message: expect.stringContaining("message 'huge-1' does not fit"),
    });
  });
});
