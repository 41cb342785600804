import { registerHttpFunction } from '../shared/runtime/functionRegistry';
import { getServices } from '../shared/runtime/services';

registerHttpFunction('health', {
  route: 'health',
  methods: ['GET'],
  handler: async () => {
    const { config, store, logger } = await getServices();
    const backends = { queue: config.queueBackend, store: config.storeBackend, vault: config.vaultBackend };
    try {
      await store.checkWritable?.();
    } catch (error) {
      // A platform probe must see a host that cannot record deliveries (a full disk), not "ok".
      logger.warn('health: the store does not take writes', { error });
      return {
        status: 503,
        headers: { 'retry-after': '30' },
        jsonBody: { status: 'unavailable', ...backends, problem: 'the store does not take writes (is the disk full?)' },
      };
    }
    return { status: 200, jsonBody: { status: 'ok', ...backends } };
  },
});
