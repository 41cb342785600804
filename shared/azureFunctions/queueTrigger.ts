import type { ServiceBusQueueHandler } from '@azure/functions';
import type { UseCase } from '../app';
import { type AppServices, getServices, loadUseCase, routeOnQueue } from '../app';
import { PermanentError } from '../errors';
import { type EventEnvelope, EventEnvelopeSchema } from '../events';
import { HandlerRun } from '../journeys';
import type { QueueName } from '../queue';
import { parkMessage } from '../queue';
import { type ActiveSpan, telemetry } from '../telemetry';
import { envelopeAttributes, handlerOutcome, isInternalEvent, messageTraceparent } from './queueTelemetry';
import { decideSettlement } from './settlement';

export type QueueOutcome = 'completed' | 'replayed' | 'rescheduled' | 'parked';

export interface QueueDelivery {
  functionName: string;
  queue: QueueName;
  body: unknown;
  messageId: string;
  deliveryCount: number;
  /** The W3C `traceparent` to continue: the Functions host's invocation, else the one the message carried. */
  traceparent?: string;
  /** When the message became receivable: what `vigil.queue.lag` measures from, and `vigil trace` shows. */
  enqueuedTime?: Date;
}

/**
 * Binds a queue to a Service Bus trigger: each message runs the use case the event table names for
 * its event on this queue (or `useCase`, for a test's probe). The same handler runs under the
 * Functions host and the local host.
 */
export function queueTrigger(functionName: string, queue: QueueName, useCase?: UseCase): ServiceBusQueueHandler {
  return async (message, context) => {
    const services = await getServices();
    const metadata = context.triggerMetadata ?? {};
    await handleQueueMessage(
      {
        functionName,
        queue,
        body: message,
        messageId: String(metadata.messageId ?? ''),
        deliveryCount: Number(metadata.deliveryCount ?? 1),
        traceparent: messageTraceparent(context.traceContext?.traceParent, metadata.applicationProperties),
        enqueuedTime: enqueuedTimeOf(metadata.enqueuedTimeUtc),
      },
      services,
      useCase,
    );
  };
}

/**
 * Validates the envelope, runs its use case (the event table's, unless one is given) at most once
 * per event (idempotency record), and settles failures (docs/architecture.md, "Queues and
 * settlement"). Returns normally when the message should be completed; throws only for failures a
 * redelivery can cure.
 */
export async function handleQueueMessage(delivery: QueueDelivery, services: AppServices, useCase?: UseCase): Promise<QueueOutcome> {
  const tracing = telemetry();
  const { queue, functionName } = delivery;
  if (delivery.enqueuedTime) {
    tracing.record('vigil.queue.lag', Math.max(0, services.clock.now() - delivery.enqueuedTime.getTime()), { queue });
  }
  const started = performance.now();
  let outcome: QueueOutcome | 'failed' = 'failed';
  try {
    outcome = await tracing.inSpan(
      `process ${queue}`,
      {
        kind: 'consumer',
        parent: delivery.traceparent,
        // An internal event (risk.opened → work item, alert, status) is also linked to the span that emitted it.
        links: delivery.traceparent && isInternalEvent(decodeBody(delivery.body)) ? [delivery.traceparent] : undefined,
        attributes: {
          'vigil.queue': queue,
          'vigil.function': functionName,
          'messaging.message.id': delivery.messageId,
          // Application Insights names a consumer span's `requests` row only from this attribute.
          'ai.operation.name': `process ${queue}`,
        },
      },
      (span) => runQueueMessage(delivery, services, span, useCase),
    );
    return outcome;
  } finally {
    tracing.record('vigil.handler.duration', performance.now() - started, {
      function: functionName,
      outcome: handlerOutcome(outcome, delivery.deliveryCount, services.config.maxDeliveryCount),
    });
  }
}

async function runQueueMessage(delivery: QueueDelivery, services: AppServices, span: ActiveSpan, useCase?: UseCase): Promise<QueueOutcome> {
  const logger = services.logger.child({ function: delivery.functionName, messageId: delivery.messageId });
  // Each run is a hop of its delivery's journey (`vigil trace`), written when it settles.
  const journey = new HandlerRun({ journeys: services.stores.journeys, clock: services.clock, logger }, delivery);
  const parsed = EventEnvelopeSchema.safeParse(decodeBody(delivery.body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const reason = `invalid envelope: ${issue.path.join('.') || '(body)'}: ${issue.message}`;
    await park(services, delivery, reason);
    span.fail('parked: not an event envelope');
    logger.warn('parked a message that is not an event envelope');
    await journey.finish(undefined, 'parked', reason);
    return 'parked';
  }
  const envelope = parsed.data;
  span.setAttributes(envelopeAttributes(envelope));
  try {
    const run = useCase ?? (await useCaseOnQueue(delivery.queue, envelope));
    const outcome = await services.stores.idempotency.run(delivery.functionName, envelope.id, () =>
      run(envelope, {
        services: { ...services, queue: journey.sender(services.queue, envelope) },
        logger,
        functionName: delivery.functionName,
      }),
    );
    if (outcome.status === 'replayed') logger.debug('already handled; not running again', { eventId: envelope.id });
    await journey.finish(envelope, outcome.status === 'replayed' ? 'replayed' : 'completed');
    return outcome.status === 'replayed' ? 'replayed' : 'completed';
  } catch (error) {
    const attempt = envelope.attempt ?? 0;
    const settlement = decideSettlement(error, attempt, services.config.maxThrottleReschedules);
    switch (settlement.action) {
      case 'redeliver':
        logger.warn('failed; the message will be redelivered', { reason: settlement.reason, deliveryCount: delivery.deliveryCount });
        // At the delivery limit the broker dead-letters the message instead of delivering it again.
        await journey.finish(
          envelope,
          delivery.deliveryCount >= services.config.maxDeliveryCount ? 'dead-lettered' : 'retried',
          settlement.reason,
        );
        throw error;
      case 'reschedule': {
        const next = attempt + 1;
        await services.queue.send(delivery.queue, [
          {
            messageId: `${envelope.id}:attempt:${next}`,
            body: { ...envelope, attempt: next },
            scheduledEnqueueTime: new Date(services.clock.now() + settlement.delayMs),
          },
        ]);
        logger.info('rescheduled', { reason: settlement.reason, delayMs: settlement.delayMs, attempt: next });
        await journey.finish(envelope, 'rescheduled', `${settlement.reason} (attempt ${next} in ${settlement.delayMs} ms)`);
        return 'rescheduled';
      }
      case 'park':
        await park(services, delivery, settlement.reason);
        span.fail(`parked: ${settlement.reason}`);
        logger.warn('parked; see `vigil dlq list`', { reason: settlement.reason });
        await journey.finish(envelope, 'parked', settlement.reason);
        return 'parked';
    }
  }
}

/** A message no row takes (enqueued by an older version, or by hand) is parked: nothing here can handle it. */
async function useCaseOnQueue(queue: QueueName, envelope: EventEnvelope): Promise<UseCase> {
  const route = routeOnQueue(queue, envelope);
  if (!route)
    throw new PermanentError(
      `no use case for ${envelope.source} '${envelope.type}' on queue '${queue}' (see the event table in docs/architecture.md)`,
    );
  return loadUseCase(route.useCase);
}

async function park(services: AppServices, delivery: QueueDelivery, reason: string): Promise<void> {
  await parkMessage(services.stores.parked, {
    queue: delivery.queue,
    messageId: delivery.messageId,
    functionName: delivery.functionName,
    body: decodeBody(delivery.body),
    reason,
    deliveryCount: delivery.deliveryCount,
    parkedAt: new Date(services.clock.now()).toISOString(),
  });
}

function enqueuedTimeOf(value: unknown): Date | undefined {
  const time = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  return time && !Number.isNaN(time.getTime()) ? time : undefined;
}

/** The Functions host hands JSON bodies over parsed, but a string or bytes body must work too. */
function decodeBody(body: unknown): unknown {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : undefined;
  if (text === undefined) return body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
