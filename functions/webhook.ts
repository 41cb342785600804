import type { HttpRequest } from '@azure/functions';
import { receiveWebhook, tooLarge } from '../shared/events/receiveWebhook';
import { registerHttpFunction } from '../shared/azureFunctions/functionRegistry';
import { getServices } from '../shared/app/services';

registerHttpFunction('webhook', {
  route: 'hooks/{source}',
  methods: ['POST'],
  handler: async (request) => {
    const services = await getServices();
    const response = await receiveWebhook(
      { source: request.params.source ?? '', headers: request.headers, readBody: (limit) => readBody(request, limit) },
      {
        vault: services.vault,
        queue: services.queue,
        deliveries: services.stores.deliveries,
        clock: services.clock,
        logger: services.logger,
        parked: services.stores.parked,
      },
    );
    return { status: response.status, jsonBody: response.body, headers: response.headers };
  },
});

async function readBody(request: HttpRequest, limit: number): Promise<Buffer> {
  const body = Buffer.from(await request.arrayBuffer());
  if (body.length > limit) throw tooLarge();
  return body;
}
