import type { HttpRequest } from '@azure/functions';
import { receiveWebhook, tooLarge } from '../shared/events/receiveWebhook';
import type { DeliveryDocument } from '../shared/events/deliveryLog';
import type { ParkedMessage } from '../shared/queue/parkedMessages';
import { registerHttpFunction } from '../shared/runtime/functionRegistry';
import { getServices } from '../shared/runtime/services';

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
        deliveries: services.store.container<DeliveryDocument>('deliveries'),
        clock: services.clock,
        logger: services.logger,
        parked: services.store.container<ParkedMessage>('parked'),
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
