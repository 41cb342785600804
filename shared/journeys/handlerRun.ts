import type { Clock } from '../clock';
import { messageOf } from '../errors';
import type { EventEnvelope } from '../events';
import { type Logger, scrubSecrets } from '../logging';
import type { OutgoingMessage, QueueName, QueueSender } from '../queue';
import type { Container } from '../store';
import {
  type EmittedEvent,
  type HandlerRunHop,
  type HandlerRunOutcome,
  handlerRunHopId,
  type JourneyHop,
  maxEmittedPerHop,
  maxReasonLength,
} from './journeyHop';

export interface HandlerRunStart {
  functionName: string;
  queue: QueueName;
  messageId: string;
  deliveryCount: number;
  /** When the message became receivable (the trigger's `enqueuedTimeUtc`), if known. */
  enqueuedTime?: Date;
}

export interface HandlerRunDependencies {
  journeys: Container<JourneyHop>;
  clock: Clock;
  logger: Logger;
}

/** The delivery a chain of events started from: the envelope's own id when it is the first of its chain. */
export function rootDeliveryIdOf(envelope: Pick<EventEnvelope, 'id' | 'rootDeliveryId'>): string {
  return envelope.rootDeliveryId ?? envelope.id;
}

/**
 * Records one handler run as a hop of its delivery's journey: when it started and ended, how it
 * settled and why, and which events it emitted. The queue trigger starts one per message and
 * finishes it at the settlement; the use case sends through `sender`, which stamps each event it
 * emits with the chain's root delivery and its cause, so the next hops are found under the same
 * delivery. Writing the hop never fails the run: a store that cannot take it costs the trace a hop.
 */
export class HandlerRun {
  private readonly startedAt: string;
  private readonly emitted: EmittedEvent[] = [];
  private emittedCount = 0;

  constructor(
    private readonly deps: HandlerRunDependencies,
    private readonly start: HandlerRunStart,
  ) {
    this.startedAt = new Date(deps.clock.now()).toISOString();
  }

  /** `queue` with a `send` that stamps root and cause on what the run emits and notes it; everything else as it was. */
  sender<Q extends QueueSender>(queue: Q, envelope: EventEnvelope): Q {
    const root = rootDeliveryIdOf(envelope);
    const send = async (to: QueueName, messages: OutgoingMessage[]) => {
      const stamped = messages.map((message) => ({
        ...message,
        body: {
          ...message.body,
          rootDeliveryId: message.body.rootDeliveryId ?? root,
          causationId: message.body.causationId ?? envelope.id,
        },
      }));
      await queue.send(to, stamped);
      for (const message of stamped) this.noteEmitted(to, message);
    };
    return new Proxy(queue, {
      get(target, property) {
        if (property === 'send') return send;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  /** Writes the hop. `envelope` is undefined when the message was not an envelope (parked as such). */
  async finish(envelope: EventEnvelope | undefined, outcome: HandlerRunOutcome, reason?: unknown): Promise<void> {
    const { functionName, queue, messageId, deliveryCount, enqueuedTime } = this.start;
    const hop: HandlerRunHop = {
      id: handlerRunHopId(functionName, messageId, deliveryCount, this.startedAt),
      kind: 'handler',
      rootDeliveryId: envelope ? rootDeliveryIdOf(envelope) : messageId,
      eventId: envelope?.id ?? messageId,
      ...(envelope?.causationId ? { causationId: envelope.causationId } : {}),
      source: envelope?.source ?? 'unknown',
      type: envelope?.type ?? 'unknown',
      ...(envelope?.organization ? { organization: envelope.organization } : {}),
      functionName,
      queue,
      messageId,
      deliveryCount,
      attempt: envelope?.attempt ?? 0,
      ...(enqueuedTime ? { enqueuedAt: enqueuedTime.toISOString() } : {}),
      startedAt: this.startedAt,
      endedAt: new Date(this.deps.clock.now()).toISOString(),
      outcome,
      ...(reason === undefined ? {} : { reason: shortReason(reason) }),
      emitted: this.emitted,
      emittedCount: this.emittedCount,
    };
    try {
      await this.deps.journeys.upsert(hop);
    } catch (error) {
      this.deps.logger.warn('could not record the handler run for vigil trace', { messageId, error });
    }
  }

  private noteEmitted(queue: QueueName, message: OutgoingMessage): void {
    this.emittedCount++;
    if (this.emitted.length >= maxEmittedPerHop) return;
    this.emitted.push({
      eventId: message.body.id,
      type: message.body.type,
      queue,
      ...(message.scheduledEnqueueTime ? { scheduledFor: message.scheduledEnqueueTime.toISOString() } : {}),
    });
  }
}

function shortReason(reason: unknown): string {
  const text = scrubSecrets(typeof reason === 'string' ? reason : messageOf(reason));
  return text.length > maxReasonLength ? `${text.slice(0, maxReasonLength - 1)}…` : text;
}
