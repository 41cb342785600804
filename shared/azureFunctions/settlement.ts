import { failureKindOf, messageOf } from '../errors';

/**
 * What to do with a message whose handler failed (docs/architecture.md, "Queues and settlement"), decided in one place:
 * - transient: throw, so the host abandons it and the broker redelivers (dead-letter at the limit);
 * - throttled: schedule a copy when the other side said to come back, complete the original;
 * - permanent or configuration: park it with the reason, complete the original, never retry.
 */
export type Settlement =
  | { action: 'redeliver'; reason: string }
  | { action: 'reschedule'; delayMs: number; reason: string }
  | { action: 'park'; reason: string };

export function decideSettlement(error: unknown, attempt: number, maxReschedules: number): Settlement {
  const reason = messageOf(error);
  switch (failureKindOf(error)) {
    case 'permanent':
    case 'configuration':
      return { action: 'park', reason };
    case 'throttled': {
      if (attempt >= maxReschedules) return { action: 'park', reason: `gave up after ${attempt} reschedules: ${reason}` };
      const requested = (error as { retryAfterMs?: unknown }).retryAfterMs;
      const delayMs = typeof requested === 'number' && requested > 0 ? requested : 1_000 * 2 ** Math.min(attempt, 10);
      return { action: 'reschedule', delayMs, reason };
    }
    default:
      return { action: 'redeliver', reason };
  }
}
