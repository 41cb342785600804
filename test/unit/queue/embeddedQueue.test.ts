import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createEmbeddedQueue, type EmbeddedQueue, MessageLockLostError } from '../../../shared/queue/embedded/embeddedQueue';
import { type EmbeddedDatabase, openEmbeddedDatabase, openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { ManualClock } from '../../support/manualClock';

const lock = { maxMessages: 10, lockDurationMs: 30_000 };

function envelope(id: string): EventEnvelope {
  return {
    id,
    source: 'azure-devops',
    type: 'build.complete',
    organization: 'contoso',
    subject: { buildId: 7 },
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
}

let clock: ManualClock;
let db: EmbeddedDatabase;
let queue: EmbeddedQueue;

beforeEach(() => {
  clock = new ManualClock();
  db = openInMemoryDatabase();
  queue = createEmbeddedQueue(db, { clock, maxDeliveryCount: 3, duplicateWindowMs: 3_600_000 });
});

afterEach(() => db.close());

describe('the embedded queue', () => {
  it('hides a received message until its lock expires, then redelivers it with a higher delivery count', async () => {
    await queue.send('build-scan', [{ messageId: 'm1', body: envelope('m1') }]);
    const [first] = await queue.receive('build-scan', lock);
    expect(first).toMatchObject({ messageId: 'm1', deliveryCount: 1, type: 'build.complete' });
    expect(await queue.receive('build-scan', lock)).toEqual([]);
    clock.advance(30_001);
    const [again] = await queue.receive('build-scan', lock);
    expect(again).toMatchObject({ messageId: 'm1', deliveryCount: 2 });
  });

  it('refuses to complete a message whose lock was lost, so its work is not acknowledged twice', async () => {
    await queue.send('build-scan', [{ messageId: 'm1', body: envelope('m1') }]);
    const [first] = await queue.receive('build-scan', lock);
    clock.advance(30_001);
    await queue.receive('build-scan', lock);
    await expect(queue.complete(first)).rejects.toBeInstanceOf(MessageLockLostError);
  });

  it('keeps a message locked while the lock is renewed', async () => {
    await queue.send('build-scan', [{ messageId: 'm1', body: envelope('m1') }]);
    const [message] = await queue.receive('build-scan', lock);
    clock.advance(20_000);
    await queue.renewLock(message, 30_000);
    clock.advance(20_000);
    expect(await queue.receive('build-scan', lock)).toEqual([]);
    await queue.complete(message);
    expect(await queue.counts('build-scan')).toEqual({ active: 0, scheduled: 0, deadLettered: 0 });
  });

  it('dead-letters a message at the delivery limit with the last error as description', async () => {
    await queue.send('build-scan', [{ messageId: 'm1', body: envelope('m1') }]);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [message] = await queue.receive('build-scan', lock);
      await queue.abandon(message, `TransientError: attempt ${attempt} failed`);
    }
    expect(await queue.receive('build-scan', lock)).toEqual([]);
    const [dead] = await queue.listDeadLetters('build-scan', 10);
    expect(dead).toMatchObject({
      messageId: 'm1',
      reason: 'MaxDeliveryCountExceeded',
      description: 'TransientError: attempt 3 failed',
      deliveryCount: 3,
    });
    expect(await queue.counts('build-scan')).toEqual({ active: 0, scheduled: 0, deadLettered: 1 });
  });

  it('replays a dead-lettered message with a fresh delivery count', async () => {
    await queue.send('build-scan', [{ messageId: 'm1', body: envelope('m1') }]);
    const [message] = await queue.receive('build-scan', lock);
    await queue.deadLetter(message, 'Poisoned', 'by hand');
    expect(await queue.replayDeadLetters('build-scan')).toBe(1);
    const [again] = await queue.receive('build-scan', lock);
    expect(again).toMatchObject({ messageId: 'm1', deliveryCount: 1 });
  });

  it('delivers a scheduled message only once it is due', async () => {
    await queue.send('build-scan', [{ messageId: 'later', body: envelope('later'), scheduledEnqueueTime: new Date(clock.now() + 60_000) }]);
    expect(await queue.counts('build-scan')).toEqual({ active: 0, scheduled: 1, deadLettered: 0 });
    expect(await queue.receive('build-scan', lock)).toEqual([]);
    clock.advance(60_000);
    expect(await queue.receive('build-scan', lock)).toHaveLength(1);
  });

  it('drops a message whose id it saw within the duplicate window, and accepts it after', async () => {
    await queue.send('build-scan', [{ messageId: 'dup', body: envelope('dup') }]);
    await queue.send('build-scan', [{ messageId: 'dup', body: envelope('dup') }]);
    expect((await queue.counts('build-scan')).active).toBe(1);
    clock.advance(3_600_001);
    await queue.send('build-scan', [{ messageId: 'dup', body: envelope('dup') }]);
    expect((await queue.counts('build-scan')).active).toBe(2);
  });

  it('keeps the same message id apart on different queues', async () => {
    await queue.send('workitem-sync', [{ messageId: 'risk-1', body: envelope('risk-1') }]);
    await queue.send('alerts', [{ messageId: 'risk-1', body: envelope('risk-1') }]);
    expect((await queue.counts('workitem-sync')).active).toBe(1);
    expect((await queue.counts('alerts')).active).toBe(1);
  });

  it('wakes a waiting receiver as soon as a message arrives', async () => {
    const waiting = queue.waitForMessages('build-scan', 60_000);
    await queue.send('build-scan', [{ messageId: 'm1', body: envelope('m1') }]);
    await waiting;
    expect(await queue.receive('build-scan', lock)).toHaveLength(1);
  });
});

describe('the embedded queue on disk', () => {
  it('keeps accepted messages and releases the locks of a process that died', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-queue-'));
    try {
      const firstDb = openEmbeddedDatabase(dataDir);
      const first = createEmbeddedQueue(firstDb, { clock });
      await first.send('repo-scan', [
        { messageId: 'a', body: envelope('a') },
        { messageId: 'b', body: envelope('b') },
      ]);
      expect(await first.receive('repo-scan', { maxMessages: 1, lockDurationMs: 600_000 })).toHaveLength(1);
      firstDb.close();

      const secondDb = openEmbeddedDatabase(dataDir);
      const second = createEmbeddedQueue(secondDb, { clock });
      expect(second.releaseAllLocks()).toBe(1);
      const messages = await second.receive('repo-scan', lock);
      expect(messages.map((m) => m.messageId).sort()).toEqual(['a', 'b']);
      secondDb.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
