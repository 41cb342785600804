import type { AppServices } from './services';

export interface HealthAnswer {
  status: 200 | 503;
  headers?: Record<string, string>;
  jsonBody: Record<string, unknown>;
}

/** `GET /api/health`: which adapters run, and 503 while the store takes no writes. */
export async function checkHealth(services: AppServices): Promise<HealthAnswer> {
  const { config, logger } = services;
  const backends = { queue: config.queueBackend, store: config.storeBackend, vault: config.vaultBackend };
  try {
    await services.checkStoreWritable();
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
}
