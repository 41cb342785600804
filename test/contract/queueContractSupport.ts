import type { EventEnvelope } from '../../shared/events/envelope';
import type { QueueName } from '../../shared/queue/names';
import type { LockedMessage, OutgoingMessage, QueueAdmin, QueueReceiver, QueueSender } from '../../shared/queue/port';

export type QueueAdapter = QueueSender & QueueReceiver & QueueAdmin;

/** One adapter, fresh and empty for each spec. */
export interface QueueUnderTest {
  queue: QueueAdapter;
  /** The delivery at which `abandon` dead-letters (the queue's maxDeliveryCount). */
  maxDeliveryCount: number;
  close(): Promise<void>;
}

export const lock = { maxMessages: 10, lockDurationMs: 30_000 };

/** Rounds of receive/wait a spec may take before it fails: a bound, never a clock. */
const maxRounds = 100;

export function envelope(id: string, overrides: Partial<EventEnvelope> = {}): EventEnvelope {
  return {
    id,
    source: 'azure-devops',
    type: 'build.complete',
    organization: 'contoso',
    project: 'web',
    subject: { buildId: 42, definition: 'ci' },
    receivedAt: '2026-11-22T10:00:00.000Z',
    ...overrides,
  };
}

export function outgoing(id: string, overrides: Partial<EventEnvelope> = {}): OutgoingMessage {
  return { messageId: id, body: envelope(id, overrides) };
}

/**
 * Receives until `count` messages arrived, waiting through the port's own `waitForMessages`
 * between empty rounds. Leaves them locked: the spec settles them.
 */
export async function receiveCount(queue: QueueAdapter, name: QueueName, count: number): Promise<LockedMessage[]> {
  const received: LockedMessage[] = [];
  for (let round = 0; round < maxRounds && received.length < count; round++) {
    const batch = await queue.receive(name, { ...lock, maxMessages: count - received.length });
    received.push(...batch);
    if (batch.length === 0) await queue.waitForMessages(name, 5_000);
  }
  if (received.length < count) throw new Error(`received ${received.length} of ${count} messages from '${name}'`);
  return received;
}

/**
 * Proves what else is on the queue without waiting for silence: sends a sentinel behind it and
 * completes everything received up to the sentinel (both adapters deliver in order). Returns
 * what came before the sentinel.
 */
export async function drainThroughSentinel(queue: QueueAdapter, name: QueueName): Promise<LockedMessage[]> {
  const sentinel = `sentinel-${Math.random().toString(36).slice(2)}`;
  await queue.send(name, [outgoing(sentinel)]);
  const before: LockedMessage[] = [];
  for (let round = 0; round < maxRounds; round++) {
    const batch = await queue.receive(name, lock);
    if (batch.length === 0) {
      await queue.waitForMessages(name, 5_000);
      continue;
    }
    for (const message of batch) await queue.complete(message);
    const at = batch.findIndex((message) => message.messageId === sentinel);
    if (at >= 0) return [...before, ...batch.slice(0, at)];
    before.push(...batch);
  }
  throw new Error(`the sentinel never arrived on '${name}'`);
}
