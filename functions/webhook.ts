import type { HttpRequest } from '@azure/functions';
import { failureKindOf } from '../shared/errors';
import { receiveWebhook, maxWebhookBodyBytes, tooLarge } from '../shared/events/receiveWebhook';
import type { DeliveryDocument } from '../shared/events/deliveryLog';
import { createHookSecretResolver, type HookSecretResolver } from '../shared/events/hookSecrets';
import { WebhookRejection } from '../shared/events/webhookErrors';
import type { OrganizationSettings } from '../shared/organizations/organizationSettings';
import { registerHttpFunction } from '../shared/runtime/functionRegistry';
import { RequestBodyTooLargeError } from '../shared/runtime/requestBody';
import { getServices, type AppServices } from '../shared/runtime/services';

registerHttpFunction('webhook', {
  route: 'hooks/{source}',
  methods: ['POST'],
  maxBodyBytes: maxWebhookBodyBytes,
  handler: async (request) => {
    const services = await getServices();
    const response = await receiveWebhook(
      { source: request.params.source ?? '', headers: request.headers, readBody: (limit) => readBody(request, limit) },
      {
        queue: services.queue,
        deliveries: services.store.container<DeliveryDocument>('deliveries'),
        clock: services.clock,
        logger: services.logger,
        hookSecrets: hookSecretsOf(services),
      },
    );
    return { status: response.status, jsonBody: response.body, headers: response.headers };
  },
});

/** One resolver per set of services: it caches the organization list between deliveries. */
const resolvers = new WeakMap<AppServices, HookSecretResolver>();

function hookSecretsOf(services: AppServices): HookSecretResolver {
  let resolver = resolvers.get(services);
  if (!resolver) {
    resolver = createHookSecretResolver({
      vault: services.vault,
      organizations: services.store.container<OrganizationSettings>('organizations'),
      clock: services.clock,
    });
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
