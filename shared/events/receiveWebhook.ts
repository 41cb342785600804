import type { Clock } from '../clock';
import type { Logger } from '../logging/logger';
import type { QueueSender } from '../queue/port';
import type { QueueName } from '../queue/names';
import type { Container } from '../store/port';
import type { Vault } from '../vault/port';
import { hookSecretNames } from '../vault/port';
import { EventEnvelopeSchema, isWebhookSource, type EventEnvelope, type WebhookSource } from './envelope';
import { isRouted, routeEvent, whyUnrouted } from '../app/eventRoutes';
import { recordDelivery, recordRefusal, type DeliveryDocument } from './deliveryLog';
import { WebhookRejection } from './webhookErrors';
import { parkUnidentifiedDelivery } from './parkedDelivery';
import { extractOrUnidentified, UnidentifiedEventError } from './unidentifiedEvent';
import type { ParkedMessage } from '../queue/parkedMessages';
import { azureDevOpsSource } from './sources/azureDevOps';
import { githubSource } from './sources/github';
import { gitlabSource } from './sources/gitlab';
import type { HeaderReader, SourceAdapter } from './sources/sourceAdapter';

/** Service hook payloads reach 2 MB; anything larger is not a delivery we want. */
export const maxWebhookBodyBytes = 2 * 1024 * 1024;

const sources: Record<WebhookSource, SourceAdapter> = {
  'azure-devops': azureDevOpsSource,
  github: githubSource,
  gitlab: gitlabSource,
};

export interface WebhookRequest {
  source: string;
  headers: HeaderReader;
  /** Reads the body, throwing WebhookRejection(413) past `limit` bytes. */
  readBody(limit: number): Promise<Buffer>;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface WebhookDependencies {
  vault: Vault;
  queue: QueueSender;
  deliveries: Container<DeliveryDocument>;
  clock: Clock;
  logger: Logger;
  /** Where a routed delivery whose ids cannot be found is parked (see parkedDelivery.ts). */
  parked: Container<ParkedMessage>;
}

/**
 * The webhook's whole job (docs/architecture.md, "The shape"): authenticate, validate, normalise into an envelope, enqueue
 * with messageId = the delivery's idempotency key, answer 202. Nothing slow happens here.
 */
export async function receiveWebhook(request: WebhookRequest, deps: WebhookDependencies): Promise<WebhookResponse> {
  try {
    return await accept(request, deps);
  } catch (error) {
    if (!(error instanceof WebhookRejection)) throw error;
    if (error.status !== 503) {
      await recordRefusal(deps.deliveries, isWebhookSource(request.source) ? request.source : 'unknown', error.status, deps.clock).catch(
        (e: unknown) => deps.logger.warn('could not count a refused delivery', { error: e }),
      );
    }
    const body: Record<string, unknown> = { error: error.code, message: error.message };
    if (error.field !== undefined) body.field = error.field;
    return { status: error.status, body, headers: error.status === 503 ? { 'retry-after': '10' } : undefined };
  }
}

async function accept(request: WebhookRequest, deps: WebhookDependencies): Promise<WebhookResponse> {
  if (!isWebhookSource(request.source)) {
    throw new WebhookRejection(404, 'unknown_source', `unknown source '${request.source}' (expected azure-devops, github or gitlab)`);
  }
  const adapter = sources[request.source];
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > maxWebhookBodyBytes) throw tooLarge();
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType)) {
    throw new WebhookRejection(415, 'unsupported_media_type', `content type must be application/json (got '${contentType || 'none'}')`);
  }
  const rawBody = await request.readBody(maxWebhookBodyBytes);

  const secret = await deps.vault.getSecret(hookSecretNames[adapter.source]).catch((error: unknown) => {
    // The vault being unreachable is ours to cure: 503 makes Azure DevOps retry instead of putting the subscription on probation.
    deps.logger.error('could not read the hook secret; answering 503', { source: adapter.source, error });
    throw new WebhookRejection(503, 'unavailable', 'could not verify the delivery right now; retry later');
  });
  // A source with no secret configured refuses everything: never accept unauthenticated deliveries.
  if (!secret || !(await adapter.authenticate(request.headers, rawBody, secret))) {
    throw new WebhookRejection(
      401,
      'unauthorized',
      secret ? 'missing or wrong credentials' : `webhooks from ${adapter.source} are not configured (no secret '${hookSecretNames[adapter.source]}')`,
    );
  }

  const payload = parseJsonObject(rawBody);
  const delivery = adapter.identify(request.headers, payload, rawBody);
  const receivedAt = new Date(deps.clock.now()).toISOString();
  const extract = isRouted(adapter.source, delivery.type) ? adapter.extractors[delivery.type] : undefined;
  if (!extract) return ignore(deps, adapter.source, delivery.id, delivery.type, receivedAt, whyUnrouted(adapter.source, delivery.type));

  const extracted = extractOrUnidentified(extract, payload);
  if (extracted instanceof UnidentifiedEventError) {
    return parkUnidentifiedDelivery(deps, { source: adapter.source, id: delivery.id, type: delivery.type, receivedAt }, payload, extracted);
  }
  const envelope = validEnvelope({ id: delivery.id, source: adapter.source, type: delivery.type, receivedAt, ...extracted });
  const route = routeEvent(envelope);
  if ('ignored' in route) return ignore(deps, adapter.source, delivery.id, delivery.type, receivedAt, route.ignored);
  const { queues } = route;

  await enqueue(deps, queues, envelope);
  const outcome = await recordDelivery(deps.deliveries, {
    source: envelope.source,
    eventId: envelope.id,
    type: envelope.type,
    organization: envelope.organization,
    receivedAt,
    outcome: 'accepted',
    queues,
  });
  return { status: 202, body: { id: envelope.id, queues, ...(outcome === 'duplicate' ? { duplicate: true } : {}) } };
}

async function enqueue(deps: WebhookDependencies, queues: QueueName[], envelope: EventEnvelope): Promise<void> {
  try {
    await Promise.all(queues.map((queue) => deps.queue.send(queue, [{ messageId: envelope.id, body: envelope }])));
  } catch (error) {
    deps.logger.error('enqueue failed; answering 503 so the sender retries', { id: envelope.id, error });
    throw new WebhookRejection(503, 'unavailable', 'could not enqueue the event; retry later');
  }
}

async function ignore(
  deps: WebhookDependencies,
  source: WebhookSource,
  id: string,
  type: string,
  receivedAt: string,
  reason: string,
): Promise<WebhookResponse> {
  await recordDelivery(deps.deliveries, { source, eventId: id, type, receivedAt, outcome: 'ignored', queues: [], reason });
  return { status: 202, body: { id, queues: [], ignored: reason } };
}

function parseJsonObject(rawBody: Buffer): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejection(400, 'invalid_json', 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new WebhookRejection(400, 'invalid_json', 'body must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function validEnvelope(candidate: unknown): EventEnvelope {
  const parsed = EventEnvelopeSchema.safeParse(candidate);
  if (parsed.success) return parsed.data;
  const field = parsed.error.issues[0].path.map(String).join('.');
  throw new WebhookRejection(422, 'invalid_payload', `event ${field}: ${parsed.error.issues[0].message}`, field);
}

export function tooLarge(): WebhookRejection {
  return new WebhookRejection(413, 'payload_too_large', `body exceeds ${maxWebhookBodyBytes} bytes`);
}
