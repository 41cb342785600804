import type { EventEnvelope } from '../events';
import type { HandlerOutcome, TelemetryAttributes } from '../telemetry';
import { validTraceparent } from '../telemetry';

/** The Service Bus application property (and the embedded queue's equivalent) that carries the sender's trace context. */
export const diagnosticIdProperty = 'Diagnostic-Id';

/**
 * The trace context a queue handler continues: the Functions host's invocation when it runs under
 * the host (which itself continued the message's `Diagnostic-Id`), else the message's own.
 */
export function messageTraceparent(hostTraceparent: string | undefined, applicationProperties: unknown): string | undefined {
  const properties = typeof applicationProperties === 'object' && applicationProperties !== null ? applicationProperties : {};
  return validTraceparent(hostTraceparent) ?? validTraceparent((properties as Record<string, unknown>)[diagnosticIdProperty]);
}

/** Ids a handler's span carries: the event, its organization and project, what it is about. Never the payload. */
export function envelopeAttributes(envelope: EventEnvelope): TelemetryAttributes {
  const { subject } = envelope;
  return {
    'vigil.delivery.id': envelope.id,
    'vigil.event.source': envelope.source,
    'vigil.event.type': envelope.type,
    'vigil.organization': envelope.organization,
    'vigil.project': envelope.project,
    'vigil.build.id': subject.buildId,
    'vigil.risk.id': subject.riskId,
    'vigil.attempt': envelope.attempt,
  };
}

/** How `vigil.handler.duration` labels a run: a failure at the delivery limit is the one the broker dead-letters. */
export function handlerOutcome(outcome: string, deliveryCount: number, maxDeliveryCount: number): HandlerOutcome {
  if (outcome === 'completed' || outcome === 'replayed') return 'completed';
  if (outcome === 'rescheduled' || outcome === 'parked') return outcome;
  return deliveryCount >= maxDeliveryCount ? 'dead-lettered' : 'failed';
}

/** An event Vigil emitted itself (`source: "vigil"`), read before the envelope is validated. */
export function isInternalEvent(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { source?: unknown }).source === 'vigil';
}
