import { getServices } from '../shared/app';
import { registerHttpFunction } from '../shared/azureFunctions';
import { handleWebhookRequest, maxWebhookBodyBytes } from '../shared/events';

registerHttpFunction('webhook', {
  route: 'hooks/{source}',
  methods: ['POST'],
  maxBodyBytes: maxWebhookBodyBytes,
  handler: async (request, context) => handleWebhookRequest(request, await getServices(), context.traceContext?.traceParent),
});
