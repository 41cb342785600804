import { getServices } from '../shared/app';
import { registerHttpFunction } from '../shared/azureFunctions';
import { handleWebhookRequest, maxSarifBodyBytes, maxWebhookBodyBytes } from '../shared/events';

registerHttpFunction('webhook', {
  route: 'hooks/{source}',
  methods: ['POST'],
  // A CI's SARIF log may be 10 MB; a webhook delivery of a platform, 2 MB.
  maxBodyBytes: (params) => (params.source === 'ci' ? maxSarifBodyBytes : maxWebhookBodyBytes),
  handler: async (request, context) => handleWebhookRequest(request, await getServices(), context.traceContext?.traceParent),
});
