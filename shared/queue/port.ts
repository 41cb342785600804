import type { EventEnvelope } from '../events';
import type { QueueName } from './names';

/** A message to enqueue. `messageId` drives the broker's duplicate detection. */
export interface OutgoingMessage {
  messageId: string;
  body: EventEnvelope;
  /** Deliver no earlier than this (Service Bus `scheduledEnqueueTimeUtc`). */
  scheduledEnqueueTime?: Date;
  /**
   * The W3C `traceparent` of the span that sent it, so the handler's span continues the same trace
   * (Service Bus: the `Diagnostic-Id` application property; embedded: a column).
   */
  traceparent?: string;
}

/** The send side: the webhook and handlers that chain events use only this. */
export interface QueueSender {
  send(queue: QueueName, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** A message received under a peek-lock. */
export interface LockedMessage {
  queue: QueueName;
  messageId: string;
  body: unknown;
  /** `applicationProperties.type`: the envelope's event type, readable without parsing the body. */
  type?: string;
  /** The sender's W3C `traceparent` (`applicationProperties['Diagnostic-Id']` on Service Bus), when it sent one. */
  traceparent?: string;
  deliveryCount: number;
  enqueuedTime: Date;
  sequenceNumber: number;
  lockToken: string;
  lockedUntil: Date;
}

export interface ReceiveOptions {
  maxMessages: number;
  lockDurationMs: number;
}

/** The receive side, driven by the local host's pumps (the Functions host settles by itself in Azure). */
export interface QueueReceiver {
  receive(queue: QueueName, options: ReceiveOptions): Promise<LockedMessage[]>;
  complete(message: LockedMessage): Promise<void>;
  /** Gives the message back; at the delivery limit it is dead-lettered with `reason`. */
  abandon(message: LockedMessage, reason: string): Promise<void>;
  deadLetter(message: LockedMessage, reason: string, description: string): Promise<void>;
  renewLock(message: LockedMessage, lockDurationMs: number): Promise<void>;
  /** Resolves when a message may be ready on `queue`, or after `timeoutMs`. */
  waitForMessages(queue: QueueName, timeoutMs: number): Promise<void>;
}

export interface QueueCounts {
  active: number;
  scheduled: number;
  deadLettered: number;
}

export interface DeadLetteredMessage {
  queue: QueueName;
  sequenceNumber: number;
  messageId: string;
  body: unknown;
  deliveryCount: number;
  reason: string;
  description: string;
  deadLetteredAt: Date;
}

/** What operators see and do through `vigil status` and `vigil dlq`. */
export interface QueueAdmin {
  counts(queue: QueueName): Promise<QueueCounts>;
  /**
   * When the oldest active message became receivable (enqueued, or its scheduled time came), one a
   * handler holds right now included; undefined when the queue has none. How far behind the queue
   * is: what `/api/health` reports. Needs only receive rights (Service Bus: a peek).
   */
  oldestActiveSince(queue: QueueName): Promise<Date | undefined>;
  listDeadLetters(queue: QueueName, limit: number): Promise<DeadLetteredMessage[]>;
  /** Moves dead-lettered messages back to the queue with a fresh delivery count; returns how many. */
  replayDeadLetters(queue: QueueName, sequenceNumbers?: number[]): Promise<number>;
  purgeDeadLetters(queue: QueueName, sequenceNumbers?: number[]): Promise<number>;
}
