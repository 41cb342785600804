import { createHash } from 'node:crypto';
import type { RefusedDeliveryHop } from '../events';
import type { QueueName } from '../queue';

/** How a handler run ended (docs/operations.md, "Follow one delivery"). */
export type HandlerRunOutcome = 'completed' | 'replayed' | 'rescheduled' | 'retried' | 'dead-lettered' | 'parked';

/** An event a handler run sent to a queue: the next hops of the journey. */
export interface EmittedEvent {
  eventId: string;
  type: string;
  queue: QueueName;
  /** When a scheduled message becomes receivable (a throttled retry, an alert window's flush). */
  scheduledFor?: string;
}

/**
 * One run of a queue handler on one message, written when the run settles (the `journeys` container,
 * partitioned by the delivery the chain started from). Identifiers, times, the outcome and its reason
 * only: never a payload, a token or a secret (reasons are error messages, which never carry one, and
 * are scrubbed of vault values besides).
 */
export interface HandlerRunHop {
  id: string;
  kind: 'handler';
  rootDeliveryId: string;
  eventId: string;
  /** The event whose handler emitted this one; absent on the root. */
  causationId?: string;
  source: string;
  type: string;
  organization?: string;
  functionName: string;
  queue: QueueName;
  messageId: string;
  deliveryCount: number;
  attempt: number;
  enqueuedAt?: string;
  startedAt: string;
  endedAt: string;
  outcome: HandlerRunOutcome;
  reason?: string;
  emitted: EmittedEvent[];
  /** How many events the run emitted in all; `emitted` keeps the first `maxEmittedPerHop`. */
  emittedCount: number;
}

/** The `journeys` container holds one document type: a hop, told apart by `kind`. */
export type JourneyHop = HandlerRunHop | RefusedDeliveryHop;

/** A hop stays small whatever a run fans out to (a repository scan can open hundreds of risks). */
export const maxEmittedPerHop = 100;
/** Reasons are error messages; a stack of causes must not make a hop large. */
export const maxReasonLength = 1_000;

/**
 * One document per run: a redelivery is a new run, and so is a dead-lettered message replayed (its
 * delivery count starts again at 1, hence the start time in the id).
 */
export function handlerRunHopId(functionName: string, messageId: string, deliveryCount: number, startedAt: string): string {
  const key = `${functionName}\u0000${messageId}\u0000${deliveryCount}\u0000${startedAt}`;
  return `run~${createHash('sha256').update(key).digest('base64url')}`;
}
