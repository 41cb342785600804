import type { Message } from 'rhea';

/**
 * The state behind the loopback AMQP broker: queues with Service Bus semantics (peek-lock, delivery
 * count, dead-lettering, duplicate detection, scheduled messages), kept apart from the AMQP wiring
 * in amqpBroker.ts so each file reads on its own.
 */

export interface StoredMessage {
  sequenceNumber: number;
  /** The message as the client encoded it: properties, application properties, annotations, body. */
  message: Message;
  enqueuedAt: number;
  visibleAt: number;
  /** Deliveries that ended without settling it: what Service Bus puts in the AMQP header (its DeliveryCount - 1). */
  deliveryCount: number;
  lock?: MessageLock;
}

export interface MessageLock {
  /** Hex of the lock token as the SDK sees it (see lockTokenOf in amqpBroker.ts). */
  token: string;
  until: number;
  /** Who holds it: a receiver link, so its unsettled messages come back when it detaches. */
  holder: object;
}

export interface BrokerSettings {
  maxDeliveryCount: number;
  lockDurationMs: number;
  duplicateWindowMs: number;
}

export type EntityKind = 'active' | 'deadLetter';

export class BrokerQueue {
  readonly active: StoredMessage[] = [];
  readonly deadLetters: StoredMessage[] = [];
  private readonly seenIds = new Map<string, number>();

  constructor(
    readonly name: string,
    private readonly settings: BrokerSettings,
    private readonly nextSequenceNumber: () => number,
  ) {}

  entity(kind: EntityKind): StoredMessage[] {
    return kind === 'active' ? this.active : this.deadLetters;
  }

  /** Stores a sent message unless its message_id was seen within the duplicate window (then returns undefined). */
  enqueue(message: Message, now: number): StoredMessage | undefined {
    const messageId = message.message_id === undefined ? undefined : String(message.message_id);
    if (messageId !== undefined) {
      const seenAt = this.seenIds.get(messageId);
      if (seenAt !== undefined && now - seenAt < this.settings.duplicateWindowMs) return undefined;
      this.seenIds.set(messageId, now);
    }
    const scheduled = message.message_annotations?.['x-opt-scheduled-enqueue-time'] as Date | number | undefined;
    const visibleAt = scheduled === undefined ? now : Math.max(now, new Date(scheduled).getTime());
    const stored: StoredMessage = { sequenceNumber: this.nextSequenceNumber(), message, enqueuedAt: now, visibleAt, deliveryCount: 0 };
    this.active.push(stored);
    return stored;
  }

  /** The first message a receiver may lock now; expired locks are given back first, as the service does. */
  nextAvailable(kind: EntityKind, now: number): StoredMessage | undefined {
    for (const stored of [...this.entity(kind)]) {
      if (stored.lock && stored.lock.until <= now) this.giveBack(kind, stored, 'the lock expired');
    }
    return this.entity(kind).find((stored) => !stored.lock && stored.visibleAt <= now);
  }

  lock(stored: StoredMessage, token: string, holder: object, now: number): MessageLock {
    stored.lock = { token, until: now + this.settings.lockDurationMs, holder };
    return stored.lock;
  }

  /** The message whose current lock is `token`, if that lock still holds. */
  locked(kind: EntityKind, token: string, now: number): StoredMessage | undefined {
    const stored = this.entity(kind).find((candidate) => candidate.lock?.token === token);
    if (!stored?.lock) return undefined;
    if (stored.lock.until <= now) {
      this.giveBack(kind, stored, 'the lock expired');
      return undefined;
    }
    return stored;
  }

  /** Extends a lock that still holds; returns the new expiry, or undefined when the lock is lost. */
  renew(kind: EntityKind, token: string, now: number): number | undefined {
    const stored = this.locked(kind, token, now);
    if (!stored?.lock) return undefined;
    stored.lock.until = now + this.settings.lockDurationMs;
    return stored.lock.until;
  }

  /** Peeks without locking, from a sequence number on, as $management peek-message does. */
  peek(kind: EntityKind, fromSequenceNumber: number, count: number): StoredMessage[] {
    return this.entity(kind)
      .filter((stored) => stored.sequenceNumber >= fromSequenceNumber)
      .sort((a, b) => a.sequenceNumber - b.sequenceNumber)
      .slice(0, count);
  }

  complete(kind: EntityKind, stored: StoredMessage): void {
    remove(this.entity(kind), stored);
  }

  /** Abandon (and lock expiry): the delivery counts; at the limit an active message is dead-lettered. */
  giveBack(kind: EntityKind, stored: StoredMessage, description: string, properties: Record<string, unknown> = {}): void {
    stored.lock = undefined;
    stored.deliveryCount++;
    stored.message.application_properties = { ...stored.message.application_properties, ...properties };
    if (kind === 'active' && stored.deliveryCount >= this.settings.maxDeliveryCount) {
      this.deadLetter(stored, 'MaxDeliveryCountExceeded', description, {});
    }
  }

  deadLetter(stored: StoredMessage, reason: string, description: string, properties: Record<string, unknown>): void {
    remove(this.active, stored);
    stored.lock = undefined;
    stored.message.application_properties = {
      ...stored.message.application_properties,
      ...properties,
      DeadLetterReason: reason,
      DeadLetterErrorDescription: description,
    };
    this.deadLetters.push(stored);
  }

  /** Gives back every message locked by a receiver link that went away. */
  releaseHolder(holder: object): void {
    for (const kind of ['active', 'deadLetter'] as const) {
      for (const stored of [...this.entity(kind)]) {
        if (stored.lock?.holder === holder) this.giveBack(kind, stored, 'the receiver detached');
      }
    }
  }

  runtimeProperties(now: number): { activeMessageCount: number; scheduledMessageCount: number; deadLetterMessageCount: number } {
    return {
      activeMessageCount: this.active.filter((stored) => stored.visibleAt <= now).length,
      scheduledMessageCount: this.active.filter((stored) => stored.visibleAt > now).length,
      deadLetterMessageCount: this.deadLetters.length,
    };
  }
}

function remove(list: StoredMessage[], stored: StoredMessage): void {
  const at = list.indexOf(stored);
  if (at >= 0) list.splice(at, 1);
}
