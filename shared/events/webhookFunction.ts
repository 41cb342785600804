import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { AppServices } from '../app';
import { RequestBodyTooLargeError } from '../azureFunctions';
import { failureKindOf } from '../errors';
import { handleCiResults } from './ciResults';
import { createHookSecretResolver, type HookSecretResolver } from './hookSecrets';
import { receiveWebhook, tooLarge } from './receiveWebhook';
import { WebhookRejection } from './webhookErrors';
import { tracedDelivery } from './webhookTelemetry';

/**
 * The webhook function's handler: the HTTP request in, `receiveWebhook`'s answer out, in the span
 * that starts the delivery's trace (`hostTraceparent`: the Functions host's invocation, when there is one).
 */
export async function handleWebhookRequest(
  request: HttpRequest,
  services: AppServices,
  hostTraceparent?: string,
): Promise<HttpResponseInit> {
  const source = request.params.source ?? '';
  // A CI's results (SARIF) take their own door: a CI token, not a platform's hook secret.
  if (source === 'ci') {
    const answer = await tracedDelivery(source, hostTraceparent, () => handleCiResults(request, services));
    return { status: answer.status, jsonBody: answer.body, headers: answer.headers };
  }
  const response = await tracedDelivery(source, hostTraceparent, () =>
    receiveWebhook(
      { source, headers: request.headers, readBody: (limit) => readBody(request, limit) },
      {
        queue: services.queue,
        deliveries: services.stores.deliveries,
        parked: services.stores.parked,
        journeys: services.stores.journeys,
        clock: services.clock,
        logger: services.logger,
        hookSecrets: hookSecretsOf(services),
      },
    ),
  );
  return { status: response.status, jsonBody: response.body, headers: response.headers };
}

/** One resolver per set of services: it caches the organization list between deliveries. */
const resolvers = new WeakMap<AppServices, HookSecretResolver>();

function hookSecretsOf(services: AppServices): HookSecretResolver {
  let resolver = resolvers.get(services);
  if (!resolver) {
    resolver = createHookSecretResolver({ vault: services.vault, organizations: services.stores.organizations, clock: services.clock });
    resolvers.set(services, resolver);
  }
  return resolver;
}

async function readBody(request: HttpRequest, limit: number): Promise<Buffer> {
  let body: Buffer;
  try {
    body = Buffer.from(await request.arrayBuffer());
  } catch (error) {
    // The local host stops reading past the function's limit, and past its bound on bytes in flight.
    if (error instanceof RequestBodyTooLargeError) throw tooLarge();
    if (failureKindOf(error) === 'throttled') throw new WebhookRejection(503, 'unavailable', (error as Error).message);
    throw error;
  }
  if (body.length > limit) throw tooLarge();
  return body;
}
