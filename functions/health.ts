import { registerHttpFunction } from '../shared/runtime/functionRegistry';
import { getServices } from '../shared/runtime/services';

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
