import { queuesFor } from '../app';
import type { Clock } from '../clock';
import type { EventEnvelope } from '../events';
import type { OutgoingMessage, QueueName } from '../queue';
import { telemetry } from '../telemetry';
import type { Risk } from './risk';
import type { RiskTransition, TriageTransition } from './riskStore';

/** What announcing a risk reads of it: a scan that announces a thousand at a time may keep only this of each. */
export type AnnouncedRisk = Pick<Risk, 'id' | 'organization' | 'kind' | 'severity' | 'occurrences'>;

/**
 * The internal events a scan emits (docs/architecture.md, "The shape"): `risk.opened` for a new or reopened risk,
 * `risk.changed` for one seen again or resolved (an audit that no longer finds it). Message ids are derived from the risk and the sighting, so
 * a scan that is redelivered after a crash emits the same ids and the queue drops the repeats;
 * a sighting already counted is re-announced under its original transition for the same reason.
 */
export function riskEvents(
  cause: EventEnvelope,
  recorded: Array<{ risk: AnnouncedRisk; transition: RiskTransition; sightingId: string }>,
  clock: Clock,
): Map<QueueName, OutgoingMessage[]> {
  const byQueue = new Map<QueueName, OutgoingMessage[]>();
  for (const { risk, transition, sightingId } of recorded) {
    const announced = transition === 'already-counted' ? (risk.occurrences === 1 ? 'opened' : 'seen-again') : transition;
    // A sighting counted before (a redelivered scan) is announced again but was counted then.
    if (transition !== 'already-counted') countRiskChange(risk, transition);
    const envelope: EventEnvelope = {
      id: `risk:${risk.id}:${announced}:${sightingId}`.slice(0, 500),
      source: 'vigil',
      type: announced === 'opened' || announced === 'reopened' ? 'risk.opened' : 'risk.changed',
      organization: risk.organization,
      ...(cause.project ? { project: cause.project } : {}),
      subject: { riskId: risk.id, transition: announced, cause: cause.id.slice(0, 200) },
      receivedAt: new Date(clock.now()).toISOString(),
    };
    add(byQueue, envelope);
  }
  return byQueue;
}

/**
 * `risk.changed` for a status change someone made (a person on the command line, in a work item
 * or a pull request, or an acceptance that ended): subject `{ riskId, transition, source }`. The
 * id is derived from the change (its key, else its time), so the same change announced twice is
 * dropped by the queue.
 */
export function triageEvents(risk: Risk, transition: TriageTransition, clock: Clock): Map<QueueName, OutgoingMessage[]> {
  const change = risk.triage;
  countRiskChange(risk, transition);
  const key = change?.key ?? change?.at ?? new Date(clock.now()).toISOString();
  const envelope: EventEnvelope = {
    id: `risk:${risk.id}:${transition}:${change?.source ?? 'cli'}:${key}`.slice(0, 500),
    source: 'vigil',
    type: 'risk.changed',
    organization: risk.organization,
    ...(risk.project ? { project: risk.project } : {}),
    subject: { riskId: risk.id, transition, source: change?.source ?? 'cli' },
    receivedAt: new Date(clock.now()).toISOString(),
  };
  return add(new Map(), envelope);
}

/** `vigil.risks.changes`: opened, reopened and resolved as they are; everything else a risk goes through is a change. */
function countRiskChange(risk: AnnouncedRisk, transition: RiskTransition): void {
  const change = transition === 'opened' || transition === 'reopened' || transition === 'resolved' ? transition : 'changed';
  telemetry().count('vigil.risks.changes', 1, { kind: risk.kind, severity: risk.severity, change });
}

function add(byQueue: Map<QueueName, OutgoingMessage[]>, envelope: EventEnvelope): Map<QueueName, OutgoingMessage[]> {
  for (const queue of queuesFor(envelope)) {
    const messages = byQueue.get(queue) ?? [];
    messages.push({ messageId: envelope.id, body: envelope });
    byQueue.set(queue, messages);
  }
  return byQueue;
}
