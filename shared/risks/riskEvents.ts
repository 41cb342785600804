import type { Clock } from '../clock';
import type { EventEnvelope } from '../events';
import { queuesFor } from '../app';
import type { QueueName } from '../queue';
import type { OutgoingMessage } from '../queue';
import type { Risk } from './risk';
import type { RiskTransition } from './riskStore';

/**
 * The internal events a scan emits (docs/architecture.md, "The shape"): `risk.opened` for a new or reopened risk,
 * `risk.changed` for one seen again or resolved (an audit that no longer finds it). Message ids are derived from the risk and the sighting, so
 * a scan that is redelivered after a crash emits the same ids and the queue drops the repeats;
 * a sighting already counted is re-announced under its original transition for the same reason.
 */
export function riskEvents(
  cause: EventEnvelope,
  recorded: Array<{ risk: Risk; transition: RiskTransition; sightingId: string }>,
  clock: Clock,
): Map<QueueName, OutgoingMessage[]> {
  const byQueue = new Map<QueueName, OutgoingMessage[]>();
  for (const { risk, transition, sightingId } of recorded) {
    const announced = transition === 'already-counted' ? (risk.occurrences === 1 ? 'opened' : 'seen-again') : transition;
    const envelope: EventEnvelope = {
      id: `risk:${risk.id}:${announced}:${sightingId}`.slice(0, 500),
      source: 'vigil',
      type: announced === 'opened' || announced === 'reopened' ? 'risk.opened' : 'risk.changed',
      organization: risk.organization,
      ...(cause.project ? { project: cause.project } : {}),
      subject: { riskId: risk.id, transition: announced, cause: cause.id.slice(0, 200) },
      receivedAt: new Date(clock.now()).toISOString(),
    };
    for (const queue of queuesFor(envelope)) {
      const messages = byQueue.get(queue) ?? [];
      messages.push({ messageId: envelope.id, body: envelope });
      byQueue.set(queue, messages);
    }
  }
  return byQueue;
}
