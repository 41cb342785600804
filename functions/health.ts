import { registerHttpFunction } from '../shared/azureFunctions/functionRegistry';
import { getServices } from '../shared/app/services';

registerHttpFunction('health', {
  route: 'health',
  methods: ['GET'],
  handler: async () => {
    const { config } = await getServices();
    return {
      status: 200,
      jsonBody: { status: 'ok', queue: config.queueBackend, store: config.storeBackend, vault: config.vaultBackend },
    };
  },
});
