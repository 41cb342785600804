import { z } from 'zod';
import { eventRoutes } from '../app';
import type { Clock } from '../clock';
import type { Logger } from '../logging';
import { type ParkedMessage, parkMessage } from '../queue';
import type { Container } from '../store';
import { type DeliveryDocument, recordDelivery } from './deliveryLog';
import type { WebhookSource } from './envelope';
import { payloadShape } from './payloadShape';
import type { UnidentifiedEventError } from './unidentifiedEvent';
import { WebhookRejection } from './webhookErrors';

/** The function name parked deliveries carry, so `vigil dlq` tells them from a handler's parked messages. */
export const webhookFunctionName = 'webhook';

/**
 * What is kept of a delivery parked at the webhook: who sent what, what was missing, and the
 * payload's shape. Not the payload: it may carry names, e-mail addresses and commit messages Vigil
 * has no use for, and it is not needed to act. An operator reports the shape; once Vigil reads
 * that shape, the next delivery of the event goes through. So there is no event to replay either.
 */
export const ParkedDeliveryBodySchema = z.object({
  parkedBy: z.literal(webhookFunctionName),
  source: z.string(),
  type: z.string(),
  deliveryId: z.string(),
  missing: z.array(z.string()),
  shape: z.array(z.string()),
});

export type ParkedDeliveryBody = z.infer<typeof ParkedDeliveryBodySchema>;

export interface ParkingDependencies {
  parked: Container<ParkedMessage>;
  deliveries: Container<DeliveryDocument>;
  clock: Clock;
  logger: Logger;
}

export interface UnidentifiedDelivery {
  source: WebhookSource;
  id: string;
  type: string;
  receivedAt: string;
}

/**
 * Answers an authenticated delivery of a routed type whose ids cannot be found: parked where
 * `vigil dlq list` shows it, recorded as `parked`, answered 202. Never a 4xx: Azure DevOps counts
 * one as a failed delivery, and enough of them put the whole subscription on probation.
 */
export async function parkUnidentifiedDelivery(
  deps: ParkingDependencies,
  delivery: UnidentifiedDelivery,
  payload: Record<string, unknown>,
  error: UnidentifiedEventError,
): Promise<{ status: 202; body: Record<string, unknown> }> {
  const reason = error.message;
  const body: ParkedDeliveryBody = {
    parkedBy: webhookFunctionName,
    source: delivery.source,
    type: delivery.type,
    deliveryId: delivery.id,
    missing: error.missing,
    shape: payloadShape(payload),
  };
  // Parked under the queue the event would have gone to, so `vigil dlq list --queue` finds it there.
  const queue = eventRoutes.find((route) => route.source === delivery.source && route.type === delivery.type)?.queue;
  if (!queue) throw new Error(`no route for ${delivery.source} '${delivery.type}': only routed events are parked`);
  let outcome: 'recorded' | 'duplicate';
  try {
    await parkMessage(deps.parked, {
      queue,
      messageId: delivery.id,
      functionName: webhookFunctionName,
      body,
      reason,
      deliveryCount: 1,
      parkedAt: delivery.receivedAt,
    });
    outcome = await recordDelivery(deps.deliveries, {
      source: delivery.source,
      eventId: delivery.id,
      type: delivery.type,
      receivedAt: delivery.receivedAt,
      outcome: 'parked',
      queues: [],
      reason,
    });
  } catch (storeError) {
    deps.logger.error('could not park an unidentified delivery; answering 503 so the sender retries', {
      id: delivery.id,
      error: storeError,
    });
    throw new WebhookRejection(503, 'unavailable', 'could not record the delivery; retry later');
  }
  deps.logger.warn('parked a delivery whose ids cannot be found; see `vigil dlq list`', {
    id: delivery.id,
    type: delivery.type,
    missing: error.missing,
  });
  return { status: 202, body: { id: delivery.id, queues: [], parked: reason, ...(outcome === 'duplicate' ? { duplicate: true } : {}) } };
}
