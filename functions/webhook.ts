import { getServices } from '../shared/app/services';
import { registerHttpFunction } from '../shared/azureFunctions/functionRegistry';
import { maxWebhookBodyBytes } from '../shared/events/receiveWebhook';
import { handleWebhookRequest } from '../shared/events/webhookFunction';

registerHttpFunction('webhook', {
  route: 'hooks/{source}',
  methods: ['POST'],
  maxBodyBytes: maxWebhookBodyBytes,
  handler: async (request) => handleWebhookRequest(request, await getServices()),
});
