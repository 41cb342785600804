import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type Clock, systemClock } from '../../clock';
import { TransientError } from '../../errors';
import type { EmbeddedDatabase } from '../../store';
import { groupCommitFor } from '../../store';
import { defaultMaxDeliveryCount, type QueueName } from '../names';
import type {
  DeadLetteredMessage,
  LockedMessage,
  OutgoingMessage,
  QueueAdmin,
  QueueCounts,
  QueueReceiver,
  QueueSender,
  ReceiveOptions,
} from '../port';

export interface EmbeddedQueueOptions {
  clock?: Clock;
  maxDeliveryCount?: number;
  /** How long a messageId is remembered for duplicate detection (Service Bus: duplicateDetectionHistoryTimeWindow). */
  duplicateWindowMs?: number;
}

export type EmbeddedQueue = QueueSender &
  QueueReceiver &
  QueueAdmin & {
    /** Releases every lock, as if their holders died: used at start-up, when this process owns the file. */
    releaseAllLocks(): number;
  };

interface MessageRow {
  seq: number;
  queue: QueueName;
  visible_at: number;
  message_id: string;
  body: string;
  type: string | null;
  enqueued_at: number;
  delivery_count: number;
  lock_token: string | null;
  locked_until: number | null;
  dead_reason: string | null;
  dead_description: string | null;
  dead_at: number | null;
  last_error: string | null;
  traceparent: string | null;
}

export class MessageLockLostError extends TransientError {
  constructor(queue: string, messageId: string) {
    super(`the lock on message '${messageId}' in queue '${queue}' was lost (it expired and the message was redelivered)`);
  }
}

/**
 * The queue port on the embedded SQLite file, with Service Bus semantics: peek-lock with lock
 * expiry, delivery count, dead-letter at maxDeliveryCount with the reason, duplicate detection
 * on messageId, scheduled messages. Durable: every operation is one transaction.
 */
export function createEmbeddedQueue(db: EmbeddedDatabase, options: EmbeddedQueueOptions = {}): EmbeddedQueue {
  const clock = options.clock ?? systemClock;
  const maxDeliveryCount = options.maxDeliveryCount ?? defaultMaxDeliveryCount;
  const duplicateWindowMs = options.duplicateWindowMs ?? 60 * 60 * 1000;
  const writes = groupCommitFor(db);
  const wakeUps = new EventEmitter();
  wakeUps.setMaxListeners(0);

  db.exec(`
    CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      queue TEXT NOT NULL,
      message_id TEXT NOT NULL,
      body TEXT NOT NULL,
      type TEXT,
      state TEXT NOT NULL DEFAULT 'active',
      enqueued_at INTEGER NOT NULL,
      visible_at INTEGER NOT NULL,
      delivery_count INTEGER NOT NULL DEFAULT 0,
      lock_token TEXT,
      locked_until INTEGER,
      last_error TEXT,
      dead_reason TEXT,
      dead_description TEXT,
      dead_at INTEGER
    );
    CREATE INDEX IF NOT EXISTS messages_ready ON messages (queue, state, visible_at, seq);
    CREATE TABLE IF NOT EXISTS message_ids (
      queue TEXT NOT NULL,
      message_id TEXT NOT NULL,
      seen_at INTEGER NOT NULL,
      PRIMARY KEY (queue, message_id)
    ) WITHOUT ROWID;
  `);
  // Files written before messages carried their trace context get the column now; old rows have none.
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(messages)').all();
  if (!columns.some((column) => column.name === 'traceparent')) db.exec('ALTER TABLE messages ADD COLUMN traceparent TEXT');

  const statements = {
    remember: db.prepare(
      `INSERT INTO message_ids (queue, message_id, seen_at) VALUES (?, ?, ?)
       ON CONFLICT (queue, message_id) DO UPDATE SET seen_at = excluded.seen_at WHERE message_ids.seen_at < ?`,
    ),
    forget: db.prepare('DELETE FROM message_ids WHERE seen_at < ?'),
    insert: db.prepare(
      'INSERT INTO messages (queue, message_id, body, type, enqueued_at, visible_at, traceparent) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    // Ordered as the index is, so a backlog of thousands is read from its head, not sorted per receive.
    ready: db.prepare<[QueueName, number, number, number], MessageRow>(
      `SELECT * FROM messages WHERE queue = ? AND state = 'active' AND visible_at <= ?
         AND (locked_until IS NULL OR locked_until <= ?) ORDER BY visible_at, seq LIMIT ?`,
    ),
    lock: db.prepare('UPDATE messages SET delivery_count = delivery_count + 1, lock_token = ?, locked_until = ? WHERE seq = ?'),
    byLock: db.prepare<[number, string], MessageRow>('SELECT * FROM messages WHERE seq = ? AND lock_token = ?'),
    remove: db.prepare('DELETE FROM messages WHERE seq = ?'),
    release: db.prepare('UPDATE messages SET lock_token = NULL, locked_until = NULL, last_error = ? WHERE seq = ?'),
    renew: db.prepare('UPDATE messages SET locked_until = ? WHERE seq = ?'),
    kill: db.prepare(
      `UPDATE messages SET state = 'dead', lock_token = NULL, locked_until = NULL,
         dead_reason = ?, dead_description = ?, dead_at = ? WHERE seq = ?`,
    ),
    // When the next message becomes receivable: the later of its schedule and its current lock.
    nextReceivable: db.prepare<[QueueName], { at: number | null }>(
      `SELECT MIN(MAX(visible_at, COALESCE(locked_until, 0))) AS at FROM messages WHERE queue = ? AND state = 'active'`,
    ),
    releaseAll: db.prepare(`UPDATE messages SET lock_token = NULL, locked_until = NULL WHERE lock_token IS NOT NULL AND state = 'active'`),
  };

  let lastPrune = 0;
  const pruneSeenIds = (now: number) => {
    if (now - lastPrune < 60_000) return;
    lastPrune = now;
    statements.forget.run(now - duplicateWindowMs);
  };

  const send = (queue: QueueName, messages: OutgoingMessage[]) => {
    const now = clock.now();
    pruneSeenIds(now);
    let accepted = 0;
    for (const message of messages) {
      const fresh = statements.remember.run(queue, message.messageId, now, now - duplicateWindowMs).changes === 1;
      if (!fresh) continue;
      const visibleAt = message.scheduledEnqueueTime ? Math.max(now, message.scheduledEnqueueTime.getTime()) : now;
      statements.insert.run(
        queue,
        message.messageId,
        JSON.stringify(message.body),
        message.body.type,
        now,
        visibleAt,
        message.traceparent ?? null,
      );
      accepted++;
    }
    return accepted;
  };

  const receive = (queue: QueueName, maxMessages: number, lockDurationMs: number): LockedMessage[] => {
    const now = clock.now();
    const locked: LockedMessage[] = [];
    // Rows whose previous delivery used up the limit (their lock expired) go to the dead-letter queue first.
    while (locked.length < maxMessages) {
      const rows = statements.ready.all(queue, now, now, maxMessages - locked.length);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (row.delivery_count >= maxDeliveryCount) {
          statements.kill.run('MaxDeliveryCountExceeded', row.last_error ?? 'the lock expired on the last delivery', now, row.seq);
          continue;
        }
        const lockToken = randomUUID();
        const lockedUntil = now + lockDurationMs;
        statements.lock.run(lockToken, lockedUntil, row.seq);
        locked.push(toLockedMessage(row, lockToken, lockedUntil));
      }
    }
    return locked;
  };

  const heldRow = (message: LockedMessage): MessageRow => {
    const row = statements.byLock.get(message.sequenceNumber, message.lockToken);
    // An expired lock is lost even if nobody has taken the message yet, as on Service Bus.
    if (!row || (row.locked_until ?? 0) <= clock.now()) throw new MessageLockLostError(message.queue, message.messageId);
    return row;
  };

  const abandon = (message: LockedMessage, reason: string) => {
    const row = heldRow(message);
    if (row.delivery_count >= maxDeliveryCount) {
      statements.kill.run('MaxDeliveryCountExceeded', reason, clock.now(), row.seq);
    } else {
      statements.release.run(reason, row.seq);
    }
  };

  const wake = (queue: QueueName) => wakeUps.emit(queue);

  return {
    async send(queue, messages) {
      if (messages.length === 0) return;
      await writes.write(() => send(queue, messages));
      wake(queue);
    },
    async receive(queue, options: ReceiveOptions) {
      return writes.write(() => receive(queue, options.maxMessages, options.lockDurationMs));
    },
    async complete(message) {
      await writes.write(() => statements.remove.run(heldRow(message).seq));
    },
    async abandon(message, reason) {
      await writes.write(() => abandon(message, reason));
      wake(message.queue);
    },
    async deadLetter(message, reason, description) {
      await writes.write(() => statements.kill.run(reason, description, clock.now(), heldRow(message).seq));
    },
    async renewLock(message, lockDurationMs) {
      await writes.write(() => statements.renew.run(clock.now() + lockDurationMs, heldRow(message).seq));
    },
    waitForMessages(queue, timeoutMs) {
      const now = clock.now();
      const next = statements.nextReceivable.get(queue)?.at ?? undefined;
      const wait = next === undefined ? timeoutMs : Math.max(0, Math.min(timeoutMs, next - now));
      if (wait === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          wakeUps.off(queue, done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        wakeUps.on(queue, done);
      });
    },
    async counts(queue): Promise<QueueCounts> {
      const now = clock.now();
      const row = db
        .prepare<[number, number, QueueName], QueueCounts>(
          `SELECT
             COALESCE(SUM(state = 'active' AND visible_at <= ?), 0) AS active,
             COALESCE(SUM(state = 'active' AND visible_at > ?), 0) AS scheduled,
             COALESCE(SUM(state = 'dead'), 0) AS deadLettered
           FROM messages WHERE queue = ?`,
        )
        .get(now, now, queue);
      return row ?? { active: 0, scheduled: 0, deadLettered: 0 };
    },
    async oldestActiveSince(queue) {
      // The ready index (queue, state, visible_at) answers this from its first entry.
      const row = db
        .prepare<[QueueName, number], { at: number | null }>(
          `SELECT MIN(visible_at) AS at FROM messages WHERE queue = ? AND state = 'active' AND visible_at <= ?`,
        )
        .get(queue, clock.now());
      return row?.at == null ? undefined : new Date(row.at);
    },
    async listDeadLetters(queue, limit): Promise<DeadLetteredMessage[]> {
      const rows = db
        .prepare<[QueueName, number], MessageRow>(`SELECT * FROM messages WHERE queue = ? AND state = 'dead' ORDER BY seq LIMIT ?`)
        .all(queue, limit);
      return rows.map((row) => ({
        queue: row.queue,
        sequenceNumber: row.seq,
        messageId: row.message_id,
        body: JSON.parse(row.body) as unknown,
        deliveryCount: row.delivery_count,
        reason: row.dead_reason ?? '',
        description: row.dead_description ?? '',
        deadLetteredAt: new Date(row.dead_at ?? 0),
      }));
    },
    async replayDeadLetters(queue, sequenceNumbers) {
      const now = clock.now();
      const { clause, parameters } = selection(sequenceNumbers);
      const changes = db
        .prepare(
          `UPDATE messages SET state = 'active', delivery_count = 0, visible_at = ?, last_error = NULL,
             dead_reason = NULL, dead_description = NULL, dead_at = NULL
           WHERE queue = ? AND state = 'dead' ${clause}`,
        )
        .run(now, queue, ...parameters).changes;
      if (changes > 0) wake(queue);
      return changes;
    },
    async purgeDeadLetters(queue, sequenceNumbers) {
      const { clause, parameters } = selection(sequenceNumbers);
      return db.prepare(`DELETE FROM messages WHERE queue = ? AND state = 'dead' ${clause}`).run(queue, ...parameters).changes;
    },
    releaseAllLocks() {
      return statements.releaseAll.run().changes;
    },
    async close() {
      wakeUps.removeAllListeners();
    },
  };
}

function selection(sequenceNumbers: number[] | undefined): { clause: string; parameters: number[] } {
  if (!sequenceNumbers) return { clause: '', parameters: [] };
  if (sequenceNumbers.length === 0) return { clause: 'AND 0', parameters: [] };
  return { clause: `AND seq IN (${sequenceNumbers.map(() => '?').join(',')})`, parameters: sequenceNumbers };
}

function toLockedMessage(row: MessageRow, lockToken: string, lockedUntil: number): LockedMessage {
  return {
    queue: row.queue,
    messageId: row.message_id,
    body: JSON.parse(row.body) as unknown,
    type: row.type ?? undefined,
    traceparent: row.traceparent ?? undefined,
    deliveryCount: row.delivery_count + 1,
    // As on Service Bus, a scheduled message counts as enqueued when it becomes active.
    enqueuedTime: new Date(Math.max(row.enqueued_at, row.visible_at)),
    sequenceNumber: row.seq,
    lockToken,
    lockedUntil: new Date(lockedUntil),
  };
}
