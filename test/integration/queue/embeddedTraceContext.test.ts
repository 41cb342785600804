import { describe, expect, it } from 'vitest';
import { createEmbeddedQueue } from '../../../shared/queue/embedded/embeddedQueue';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { envelope } from '../../contract/queueContractSupport';

describe('an embedded queue file from before messages carried trace context', () => {
  it('gains the column at start, delivers the messages it held without one, and traces new ones', async () => {
    const db = openInMemoryDatabase();
    // The table as earlier versions created it: no traceparent column.
    db.exec(`CREATE TABLE messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL, message_id TEXT NOT NULL, body TEXT NOT NULL, type TEXT,
      state TEXT NOT NULL DEFAULT 'active', enqueued_at INTEGER NOT NULL, visible_at INTEGER NOT NULL,
      delivery_count INTEGER NOT NULL DEFAULT 0, lock_token TEXT, locked_until INTEGER, last_error TEXT,
      dead_reason TEXT, dead_description TEXT, dead_at INTEGER)`);
    db.prepare('INSERT INTO messages (queue, message_id, body, type, enqueued_at, visible_at) VALUES (?, ?, ?, ?, ?, ?)').run(
      'build-scan',
      'old-1',
      JSON.stringify(envelope('old-1')),
      'build.complete',
      1,
      1,
    );
    const queue = createEmbeddedQueue(db);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await queue.send('build-scan', [{ messageId: 'new-1', body: envelope('new-1'), traceparent }]);
    const received = await queue.receive('build-scan', { maxMessages: 10, lockDurationMs: 60_000 });
    expect(received.map((message) => [message.messageId, message.traceparent])).toEqual([
      ['old-1', undefined],
      ['new-1', traceparent],
    ]);
    await queue.close();
    db.close();
  });
});
