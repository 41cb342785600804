import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { QueueName } from '../../shared/queue/names';
import {
  drainThroughSentinel,
  envelope,
  lock,
  outgoing,
  type QueueAdapter,
  type QueueUnderTest,
  receiveCount,
} from './queueContractSupport';

export type { QueueUnderTest } from './queueContractSupport';

export const queueContractSpecs = [
  'round trip',
  'duplicates',
  'complete',
  'abandon',
  'delivery limit',
  'dead letter',
  'replay',
  'purge',
  'batch',
  'schedule',
  'counts',
  'oldest active',
  'renew lock',
  'wait',
  'trace context',
] as const;
export type QueueContractSpec = (typeof queueContractSpecs)[number];

export interface QueueContractOptions {
  /** Specs an adapter cannot run in this setting, each with the reason, shown in the test name. */
  skip?: Partial<Record<QueueContractSpec, string>>;
}

const q: QueueName = 'build-scan';

/**
 * The queue port's behaviour, written once and run unchanged against every adapter: what the
 * embedded queue does on `npm start` is what Service Bus does in Azure. `open` is called for every
 * spec and returns an empty queue; specs wait through the port (`waitForMessages`) and bound their
 * rounds, they never sleep or time anything.
 */
export function describeQueueContract(name: string, open: () => Promise<QueueUnderTest>, options: QueueContractOptions = {}): void {
  describe(`queue contract: ${name}`, () => {
    let subject: QueueUnderTest;
    let queue: QueueAdapter;
    beforeEach(async () => {
      subject = await open();
      queue = subject.queue;
    });
    afterEach(async () => {
      await subject.close();
    });

    const spec = (key: QueueContractSpec, title: string, body: () => Promise<void>) => {
      const reason = options.skip?.[key];
      if (reason) it.skip(`${title} (skipped: ${reason})`, body);
      else it(title, body);
    };

    spec('round trip', 'delivers what was sent: the same body, messageId and type, first delivery counted as 1', async () => {
      const sent = envelope('evt-1', { type: 'git.push', subject: { repositoryId: 'r1', commitId: 'abc' } });
      await queue.send(q, [{ messageId: 'evt-1', body: sent }]);
      expect(await queue.receive(q, { ...lock, maxMessages: 0 })).toEqual([]);
      const [message] = await receiveCount(queue, q, 1);
      expect(message).toMatchObject({ queue: q, messageId: 'evt-1', type: 'git.push', deliveryCount: 1 });
      expect(message.body).toEqual(sent);
      expect(message.lockToken).not.toBe('');
      expect(message.sequenceNumber).toBeGreaterThan(0);
      expect(message.enqueuedTime).toBeInstanceOf(Date);
      expect(message.lockedUntil.getTime()).toBeGreaterThan(message.enqueuedTime.getTime());
      await queue.complete(message);
    });

    spec('duplicates', 'drops a messageId seen within the duplicate window, across sends and within one', async () => {
      await queue.send(q, [outgoing('dup-1')]);
      await queue.send(q, [outgoing('dup-1'), outgoing('dup-2'), outgoing('dup-2')]);
      const delivered = await drainThroughSentinel(queue, q);
      expect(delivered.map((message) => message.messageId)).toEqual(['dup-1', 'dup-2']);
      // Completed is not forgotten: a late retry of the same delivery is dropped too.
      await queue.send(q, [outgoing('dup-1')]);
      expect(await drainThroughSentinel(queue, q)).toEqual([]);
    });

    spec('complete', 'removes a completed message for good, and refuses to settle it twice', async () => {
      await queue.send(q, [outgoing('done-1')]);
      const [message] = await receiveCount(queue, q, 1);
      await queue.complete(message);
      await expect(queue.complete(message)).rejects.toMatchObject({ kind: 'transient' });
      expect(await drainThroughSentinel(queue, q)).toEqual([]);
    });

    spec('abandon', 'redelivers an abandoned message with its delivery count raised by one', async () => {
      await queue.send(q, [outgoing('again-1')]);
      const [first] = await receiveCount(queue, q, 1);
      await queue.abandon(first, 'TransientError: the API answered 503');
      const [second] = await receiveCount(queue, q, 1);
      expect(second).toMatchObject({ messageId: 'again-1', deliveryCount: 2 });
      expect(second.body).toEqual(first.body);
      await queue.complete(second);
    });

    spec('delivery limit', 'dead-letters at the delivery limit with the last failure as the description', async () => {
      await queue.send(q, [outgoing('poison-1')]);
      for (let delivery = 1; delivery <= subject.maxDeliveryCount; delivery++) {
        const [message] = await receiveCount(queue, q, 1);
        expect(message.deliveryCount).toBe(delivery);
        await queue.abandon(message, `TransientError: failure ${delivery}`);
      }
      const [dead] = await queue.listDeadLetters(q, 10);
      expect(dead).toMatchObject({
        messageId: 'poison-1',
        reason: 'MaxDeliveryCountExceeded',
        description: `TransientError: failure ${subject.maxDeliveryCount}`,
        deliveryCount: subject.maxDeliveryCount,
      });
      expect(await drainThroughSentinel(queue, q)).toEqual([]);
    });

    spec('dead letter', 'lists a dead-lettered message with its reason and description, and delivers it no more', async () => {
      await queue.send(q, [outgoing('dead-1')]);
      const [message] = await receiveCount(queue, q, 1);
      await queue.deadLetter(message, 'InvalidEnvelope', 'subject.buildId: expected number');
      const listed = await queue.listDeadLetters(q, 10);
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({
        queue: q,
        messageId: 'dead-1',
        reason: 'InvalidEnvelope',
        description: 'subject.buildId: expected number',
        deliveryCount: 1,
      });
      expect(listed[0].body).toEqual(envelope('dead-1'));
      expect(listed[0].deadLetteredAt).toBeInstanceOf(Date);
      expect(await queue.listDeadLetters(q, 0)).toEqual([]);
      expect(await drainThroughSentinel(queue, q)).toEqual([]);
    });

    spec('replay', 'replays the selected dead letters onto the queue as fresh deliveries', async () => {
      await deadLetterAll(queue, ['replay-1', 'replay-2']);
      const [first, second] = await queue.listDeadLetters(q, 10);
      expect(await queue.replayDeadLetters(q, [first.sequenceNumber])).toBe(1);
      expect((await queue.listDeadLetters(q, 10)).map((dead) => dead.messageId)).toEqual([second.messageId]);

      const [replayed] = await receiveCount(queue, q, 1);
      // Service Bus needs a fresh messageId for the copy (duplicate detection); the embedded queue keeps the row.
      expect(replayed.messageId === first.messageId || replayed.messageId.startsWith(`${first.messageId}:replay:`)).toBe(true);
      expect(replayed).toMatchObject({ deliveryCount: 1, type: 'build.complete' });
      expect(replayed.body).toEqual(first.body);
      await queue.complete(replayed);

      expect(await queue.replayDeadLetters(q)).toBe(1);
      expect(await queue.listDeadLetters(q, 10)).toEqual([]);
      expect((await drainThroughSentinel(queue, q)).map((message) => message.body)).toEqual([second.body]);
    });

    spec('trace context', "carries the sender's traceparent to the receiver, and through a dead letter's replay", async () => {
      const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
      await queue.send(q, [{ ...outgoing('traced-1'), traceparent }, outgoing('untraced-1')]);
      const received = await receiveCount(queue, q, 2);
      expect(received.map((message) => [message.messageId, message.traceparent])).toEqual([
        ['traced-1', traceparent],
        ['untraced-1', undefined],
      ]);
      const [traced, untraced] = received;
      await queue.complete(untraced);
      await queue.deadLetter(traced, 'TestReason', 'dead-lettered to be replayed');
      expect(await queue.replayDeadLetters(q)).toBe(1);
      const [replayed] = await receiveCount(queue, q, 1);
      expect(replayed.traceparent).toBe(traceparent);
      await queue.complete(replayed);
    });

    spec('purge', 'purges the selected dead letters, then the rest', async () => {
      await deadLetterAll(queue, ['purge-1', 'purge-2', 'purge-3']);
      const listed = await queue.listDeadLetters(q, 10);
      expect(listed).toHaveLength(3);
      expect(await queue.purgeDeadLetters(q, [listed[1].sequenceNumber])).toBe(1);
      expect((await queue.listDeadLetters(q, 10)).map((dead) => dead.messageId)).toEqual(['purge-1', 'purge-3']);
      expect(await queue.purgeDeadLetters(q, [])).toBe(0);
      expect(await queue.purgeDeadLetters(q, [listed[2].sequenceNumber + 1_000])).toBe(0);
      expect((await queue.listDeadLetters(q, 1)).map((dead) => dead.messageId)).toEqual(['purge-1']);
      expect(await queue.purgeDeadLetters(q)).toBe(2);
      expect(await queue.listDeadLetters(q, 10)).toEqual([]);
      expect(await drainThroughSentinel(queue, q)).toEqual([]);
    });

    spec('batch', 'delivers every message of a large send exactly once', async () => {
      // ~1 KB each: more than one Service Bus batch (256 KB), so the sender has to split.
      const padding = 'x'.repeat(1_000);
      const ids = Array.from({ length: 400 }, (_, index) => `bulk-${String(index).padStart(3, '0')}`);
      await queue.send(
        q,
        ids.map((id) => ({ messageId: id, body: envelope(id, { subject: { buildId: 1, padding } }) })),
      );
      const delivered = await drainThroughSentinel(queue, q);
      expect(delivered.map((message) => message.messageId).sort()).toEqual(ids);
    });

    spec('schedule', 'holds a message scheduled for later, and delivers one scheduled in the past', async () => {
      await queue.send(q, [
        { ...outgoing('later-1'), scheduledEnqueueTime: new Date(Date.now() + 3_600_000) },
        { ...outgoing('past-1'), scheduledEnqueueTime: new Date(Date.now() - 60_000) },
      ]);
      expect((await drainThroughSentinel(queue, q)).map((message) => message.messageId)).toEqual(['past-1']);
    });

    spec('counts', 'counts active, scheduled and dead-lettered messages', async () => {
      await queue.send(q, [outgoing('count-1'), outgoing('count-2'), outgoing('count-3')]);
      await queue.send(q, [{ ...outgoing('count-later'), scheduledEnqueueTime: new Date(Date.now() + 3_600_000) }]);
      const [message] = await receiveCount(queue, q, 1);
      await queue.deadLetter(message, 'InvalidEnvelope', 'test');
      expect(await queue.counts(q)).toEqual({ active: 2, scheduled: 1, deadLettered: 1 });
      expect(await queue.counts('alerts')).toEqual({ active: 0, scheduled: 0, deadLettered: 0 });
    });

    spec(
      'oldest active',
      'tells when the oldest active message became receivable, leaving scheduled and dead-lettered ones aside',
      async () => {
        expect(await queue.oldestActiveSince(q)).toBeUndefined();
        await queue.send(q, [{ ...outgoing('oldest-later'), scheduledEnqueueTime: new Date(Date.now() + 3_600_000) }]);
        expect(await queue.oldestActiveSince(q)).toBeUndefined();
        const before = Date.now();
        await queue.send(q, [outgoing('oldest-1')]);
        const after = Date.now();
        const since = (await queue.oldestActiveSince(q))?.getTime();
        expect(since).toBeGreaterThanOrEqual(before);
        expect(since).toBeLessThanOrEqual(after);
        // One a handler holds is still on the queue, and still the oldest.
        const [message] = await receiveCount(queue, q, 1);
        expect((await queue.oldestActiveSince(q))?.getTime()).toBe(since);
        await queue.deadLetter(message, 'InvalidEnvelope', 'test');
        expect(await queue.oldestActiveSince(q)).toBeUndefined();
        expect(await queue.oldestActiveSince('alerts')).toBeUndefined();
      },
    );

    spec('renew lock', 'keeps a renewed message settleable', async () => {
      await queue.send(q, [outgoing('long-1')]);
      const [message] = await receiveCount(queue, q, 1);
      await queue.renewLock(message, lock.lockDurationMs);
      await queue.complete(message);
      expect(await drainThroughSentinel(queue, q)).toEqual([]);
    });

    spec('wait', 'wakes a waiting receiver when a message arrives, and times out on an idle queue', async () => {
      await queue.waitForMessages('alerts', 10);
      const waiting = queue.waitForMessages(q, 30_000);
      await queue.send(q, [outgoing('wake-1')]);
      await waiting;
      const received = await queue.receive(q, lock);
      expect(received.map((message) => message.messageId)).toEqual(['wake-1']);
      await queue.complete(received[0]);
    });
  });
}

/** Sends the messages and dead-letters each of them, in order. */
async function deadLetterAll(queue: QueueAdapter, ids: string[]): Promise<void> {
  await queue.send(
    q,
    ids.map((id) => outgoing(id)),
  );
  const received = await receiveCount(queue, q, ids.length);
  for (const message of received) await queue.deadLetter(message, 'InvalidEnvelope', `cannot handle ${message.messageId}`);
}
