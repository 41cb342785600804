import { getServices } from '../shared/app';
import { registerHttpFunction } from '../shared/azureFunctions';
import { handleWebhookRequest, maxWebhookFunctionBodyBytes } from '../shared/events';

registerHttpFunction('webhook', {
  route: 'hooks/{source}',
  methods: ['POST'],
  maxBodyBytes: maxWebhookFunctionBodyBytes,
  handler: async (request) => handleWebhookRequest(request, await getServices()),
});
