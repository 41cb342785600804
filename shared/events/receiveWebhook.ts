import { isRouted, routeEvent, whyUnrouted } from '../app';
import type { Clock } from '../clock';
import type { Logger } from '../logging';
import type { ParkedMessage, QueueName, QueueSender } from '../queue';
import type { Container } from '../store';
import { hookSecretNames } from '../vault';
import { bodyDigestId, deliveryIdRule, isAcceptableDeliveryId, isAcceptableEventType } from './deliveryId';
import {
  type DeliveryDocument,
  type DeliveryRecord,
  findDelivery,
  type RefusedDeliveryHop,
  type RefusedDeliveryWriter,
  recordDelivery,
  recordDuplicateDelivery,
  recordRefusal,
  recordRefusedDelivery,
} from './deliveryLog';
import { type EventEnvelope, EventEnvelopeSchema, isWebhookSource, type WebhookSource } from './envelope';
import {
  candidateSecrets,
  expectedSecret,
  type HookSecretResolver,
  type HookSecrets,
  organizationHookSecretName,
  organizationName,
} from './hookSecrets';
import { parkUnidentifiedDelivery } from './parkedDelivery';
import { azureDevOpsSource } from './sources/azureDevOps';
import { githubSource } from './sources/github';
import { gitlabSource } from './sources/gitlab';
import type { HeaderReader, SourceAdapter } from './sources/sourceAdapter';
import { extractOrUnidentified, UnidentifiedEventError } from './unidentifiedEvent';
import { WebhookRejection } from './webhookErrors';

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
  /** Reads the body, throwing WebhookRejection(413) past `limit` bytes, WebhookRejection(503) when the host holds too many bodies. */
  readBody(limit: number): Promise<Buffer>;
}

export interface WebhookResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface WebhookDependencies {
  queue: QueueSender;
  deliveries: Container<DeliveryDocument>;
  clock: Clock;
  logger: Logger;
  /** The shared and per-organization hook secrets (vault values, organizations from the directory). */
  hookSecrets: HookSecretResolver;
  /** Where a routed delivery whose ids cannot be found is parked (see parkedDelivery.ts). */
  parked: Container<ParkedMessage>;
  /** Where an authenticated delivery refused for its shape is noted for `vigil trace` (the `journeys` container). */
  journeys?: RefusedDeliveryWriter;
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

/**
 * Authentication, in order (docs/security.md):
 *  1. Before the body is read, for sources whose secret travels in a header (Azure DevOps, GitLab):
 *     the header must hold the shared secret or the own secret of an organization in `vigil orgs`,
 *     else 401 without reading a byte of the body. GitHub signs the body, so it is read first.
 *  2. After: the payload's organization decides which secret counts: that organization's own one
 *     when it has one, else the shared one. The delivery must carry exactly that secret, so the
 *     shared secret no longer speaks for an organization that has its own.
 * Header-only authentication cannot be final: which secret counts depends on the organization, and
 * only the body names it. Step 1 keeps unauthenticated callers from making the host read anything.
 */
async function accept(request: WebhookRequest, deps: WebhookDependencies): Promise<WebhookResponse> {
  if (!isWebhookSource(request.source)) {
    throw new WebhookRejection(404, 'unknown_source', `unknown source '${request.source}' (expected azure-devops, github, gitlab or ci)`);
  }
  const adapter = sources[request.source];
  const declaredLength = Number(request.headers.get('content-length') ?? '0');
  if (declaredLength > maxWebhookBodyBytes) throw tooLarge();
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType)) {
    throw new WebhookRejection(415, 'unsupported_media_type', `content type must be application/json (got '${contentType || 'none'}')`);
  }

  const secrets = await deps.hookSecrets.secretsFor(adapter.source).catch((error: unknown) => {
    // The vault or the store being unreachable is ours to cure: 503 makes Azure DevOps retry instead of putting the subscription on probation.
    deps.logger.error('could not read the hook secrets; answering 503', { source: adapter.source, error });
    throw new WebhookRejection(503, 'unavailable', 'could not verify the delivery right now; retry later');
  });
  const candidates = candidateSecrets(secrets);
  // A source with no secret configured refuses everything: never accept unauthenticated deliveries.
  if (candidates.length === 0) throw notConfigured(secrets, undefined);
  const presented = adapter.authenticatesFromHeaders ? await presentedAmong(adapter, request.headers, candidates) : undefined;
  if (presented && presented.size === 0) throw unauthorized();

  const rawBody = await request.readBody(maxWebhookBodyBytes);
  const payload = jsonObjectOrUndefined(rawBody);
  const organization = payload ? organizationName(secrets, adapter.organizationOf(payload)) : undefined;
  const expected = expectedSecret(secrets, organization);
  if (expected.value === undefined) throw notConfigured(secrets, organization);
  // Header secrets were compared already: whether the expected one was among those presented is the answer.
  const authenticated = presented ? presented.has(expected.value) : await adapter.authenticate(request.headers, rawBody, expected.value);
  if (!authenticated) throw unauthorized();
  if (!payload) parseJsonObject(rawBody);

  const delivery = adapter.identify(request.headers, payload ?? {}, rawBody);
  // A type no route could name is kept as `unknown`: it reaches records, logs and terminals.
  const type = isAcceptableEventType(delivery.type) ? delivery.type : 'unknown';
  const receivedAt = new Date(deps.clock.now()).toISOString();
  const extract = isRouted(adapter.source, type) ? adapter.extractors[type] : undefined;
  if (!extract) return ignore(deps, adapter.source, delivery.id, type, receivedAt, whyUnrouted(adapter.source, type), rawBody);
  if (!isAcceptableDeliveryId(delivery.id)) {
    // An authenticated Azure DevOps delivery is never refused for its shape (a 4xx counts against
    // its subscription): it is kept under its body's hash instead, as an unrouted one is.
    if (adapter.source !== 'azure-devops') {
      throw new WebhookRejection(
        400,
        'invalid_delivery_id',
        `the delivery id must be ${deliveryIdRule} (got ${delivery.id.length} characters that are not)`,
      );
    }
    delivery.id = bodyDigestId(rawBody);
  }

  let envelope: EventEnvelope;
  try {
    const extracted = extractOrUnidentified(extract, payload ?? {});
    if (extracted instanceof UnidentifiedEventError) {
      return parkUnidentifiedDelivery(deps, { source: adapter.source, id: delivery.id, type, receivedAt }, payload ?? {}, extracted);
    }
    envelope = validEnvelope({
      id: delivery.id,
      source: adapter.source,
      type,
      receivedAt,
      ...extracted,
      organization: organizationName(secrets, extracted.organization),
    });
  } catch (error) {
    // A payload that fails its schema, from a sender that proved itself: kept for `vigil trace` (a 503 is not a refusal).
    if (error instanceof WebhookRejection && error.status !== 503) {
      await noteRefusal(deps, { rootDeliveryId: delivery.id, source: adapter.source, type, at: receivedAt }, error);
    }
    throw error;
  }
  // The organization the envelope carries must be the one whose secret was checked: else a secret of
  // one tenant (or the shared one) could speak for another through a payload that names two.
  if (expectedSecret(secrets, envelope.organization).value !== expected.value) throw unauthorized();
  const route = routeEvent(envelope);
  if ('ignored' in route) return ignore(deps, adapter.source, delivery.id, type, receivedAt, route.ignored, rawBody);
  const { queues } = route;

  // A redelivery of an accepted delivery is answered as such and not enqueued again, however long
  // after (the queue's own duplicate detection only covers VIGIL_DUPLICATE_WINDOW_MS).
  const previous = await storing(deps, envelope.id, () => findDelivery(deps.deliveries, envelope.source, envelope.id));
  if (previous?.outcome === 'accepted') {
    await noteDuplicate(deps, previous, receivedAt);
    return { status: 202, body: { id: envelope.id, queues: previous.queues, duplicate: true } };
  }

  await enqueue(deps, queues, envelope);
  const outcome = await storing(deps, envelope.id, () =>
    recordDelivery(deps.deliveries, {
      source: envelope.source,
      eventId: envelope.id,
      type: envelope.type,
      organization: envelope.organization,
      receivedAt,
      outcome: 'accepted',
      queues,
    }),
  );
  return { status: 202, body: { id: envelope.id, queues, ...(outcome === 'duplicate' ? { duplicate: true } : {}) } };
}

/** For `vigil trace`; a failure to note it never changes the answer. */
async function noteDuplicate(deps: WebhookDependencies, previous: DeliveryRecord, at: string): Promise<void> {
  await recordDuplicateDelivery(deps.deliveries, previous, at).catch((error: unknown) =>
    deps.logger.warn('could not count a redelivery on its delivery record', { id: previous.eventId, error }),
  );
}

/** An authenticated delivery refused for its shape, noted for `vigil trace` (its status and reason, never its payload). */
async function noteRefusal(
  deps: WebhookDependencies,
  hop: Pick<RefusedDeliveryHop, 'rootDeliveryId' | 'source' | 'type' | 'at'>,
  error: WebhookRejection,
): Promise<void> {
  if (!deps.journeys) return;
  await recordRefusedDelivery(deps.journeys, { ...hop, outcome: 'refused', status: error.status, reason: error.message }).catch(
    (e: unknown) => deps.logger.warn('could not note a refused delivery for vigil trace', { id: hop.rootDeliveryId, error: e }),
  );
}

/** The candidates the headers carry (none: refuse before reading the body). */
async function presentedAmong(adapter: SourceAdapter, headers: HeaderReader, candidates: string[]): Promise<Set<string>> {
  // Every candidate is compared (in constant time each), so the answer's timing does not say which one matched.
  const matches = await Promise.all(candidates.map((secret) => adapter.authenticate(headers, noBody, secret)));
  return new Set(candidates.filter((_, index) => matches[index]));
}

const noBody = Buffer.alloc(0);

function unauthorized(): WebhookRejection {
  return new WebhookRejection(401, 'unauthorized', 'missing or wrong credentials');
}

function notConfigured(secrets: HookSecrets, organization: string | undefined): WebhookRejection {
  const own = organization ? ` or '${organizationHookSecretName(secrets.source, organization)}'` : '';
  return new WebhookRejection(
    401,
    'unauthorized',
    `webhooks from ${secrets.source} are not configured (no secret '${hookSecretNames[secrets.source]}'${own})`,
  );
}

/**
 * Every storage failure on the webhook path is a 503 with Retry-After: Azure DevOps retries those,
 * and puts a subscription on probation for anything else but 408/502/504.
 */
async function storing<T>(deps: WebhookDependencies, id: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    deps.logger.error('the delivery log could not be read or written; answering 503 so the sender retries', { id, error });
    throw new WebhookRejection(503, 'unavailable', 'could not record the delivery; retry later');
  }
}

async function enqueue(deps: WebhookDependencies, queues: QueueName[], envelope: EventEnvelope): Promise<void> {
  try {
    await Promise.all(queues.map((queue) => deps.queue.send(queue, [{ messageId: envelope.id, body: envelope }])));
  } catch (error) {
    deps.logger.error('enqueue failed; answering 503 so the sender retries', { id: envelope.id, error });
    throw new WebhookRejection(503, 'unavailable', 'could not enqueue the event; retry later');
  }
}

/**
 * Acknowledges an event nothing routes, whatever its shape: an id Vigil would not keep is replaced
 * by the body's hash rather than refused, since a 4xx would put the subscription on probation for
 * an event Vigil does not even use.
 */
async function ignore(
  deps: WebhookDependencies,
  source: WebhookSource,
  deliveryId: string,
  type: string,
  receivedAt: string,
  reason: string,
  rawBody: Buffer,
): Promise<WebhookResponse> {
  const id = isAcceptableDeliveryId(deliveryId) ? deliveryId : bodyDigestId(rawBody);
  await storing(deps, id, () =>
    recordDelivery(deps.deliveries, { source, eventId: id, type, receivedAt, outcome: 'ignored', queues: [], reason }),
  );
  return { status: 202, body: { id, queues: [], ignored: reason } };
}

function jsonObjectOrUndefined(rawBody: Buffer): Record<string, unknown> | undefined {
  try {
    return parseJsonObject(rawBody);
  } catch {
    return undefined;
  }
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
