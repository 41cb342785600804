import { loadCiProviders } from '../ci/providers/registry';
import { loadConfig, type VigilConfig } from '../config';
import { systemClock, type Clock } from '../clock';
import { IdempotencyGuard, type IdempotencyRecord } from '../idempotency/idempotencyGuard';
import { createLogger, type Logger } from '../logging/logger';
import { createEmbeddedQueue, type EmbeddedQueue } from '../queue/embedded/embeddedQueue';
import { createServiceBusQueue, defaultServiceBusCredential } from '../queue/serviceBus/serviceBusQueue';
import { serviceBusSettingsFromEnvironment } from '../queue/serviceBus/serviceBusSettings';
import type { QueueAdmin, QueueReceiver, QueueSender } from '../queue/port';
import { openEmbeddedDatabase, type EmbeddedDatabase } from '../store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../store/embedded/embeddedStore';
import { startWalCheckpointer, type WalCheckpointer } from '../store/embedded/walCheckpointer';
import { openCosmosStoreFromEnvironment } from '../store/cosmos/cosmosFromEnvironment';
import type { Store } from '../store/port';
import { createVault } from '../vault/createVault';
import type { Vault } from '../vault/port';

export type QueueBackend = QueueSender & QueueReceiver & QueueAdmin & Partial<Pick<EmbeddedQueue, 'releaseAllLocks'>>;

/** Everything a use case may need, built once per process from the configuration. */
export interface AppServices {
  config: VigilConfig;
  clock: Clock;
  logger: Logger;
  store: Store;
  queue: QueueBackend;
  vault: Vault;
  idempotency: IdempotencyGuard;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  /** Checkpoint the embedded database on a worker thread (long-running hosts; see walCheckpointer.ts). */
  backgroundCheckpoints?: boolean;
  clock?: Clock;
  logger?: Logger;
  vault?: Vault;
}

/** Builds the adapters the configuration asks for: Azure ones when their settings are present, embedded ones otherwise. */
export async function createAppServices(config: VigilConfig, overrides: ServiceOverrides = {}): Promise<AppServices> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  // Extra CI provider modules are checked before anything starts: a bad one stops start-up with its path.
  await loadCiProviders(config);
  let database: EmbeddedDatabase | undefined;
  let checkpointer: WalCheckpointer | undefined;
  const embedded = () => {
    if (!database) {
      database = openEmbeddedDatabase(config.dataDir);
      if (overrides.backgroundCheckpoints) checkpointer = startWalCheckpointer(database, logger);
    }
    return database;
  };

  const { COSMOS_ENDPOINT, COSMOS_DATABASE, COSMOS_KEY, VIGIL_COSMOS_CREATE, VIGIL_COSMOS_FORCE_QUERY_PLAN } = config.environment;
  const store =
    config.storeBackend === 'cosmos'
      ? await openCosmosStoreFromEnvironment({ COSMOS_ENDPOINT, COSMOS_DATABASE, COSMOS_KEY, VIGIL_COSMOS_CREATE, VIGIL_COSMOS_FORCE_QUERY_PLAN })
      : createEmbeddedStore(embedded(), clock);
  const {
    ServiceBusConnection,
    ServiceBusConnection__fullyQualifiedNamespace,
    ServiceBusConnection__clientId,
  } = config.environment;
  const queue: QueueBackend =
    config.queueBackend === 'service-bus'
      ? createServiceBusQueue(
          {
            ...serviceBusSettingsFromEnvironment(
              { ServiceBusConnection, ServiceBusConnection__fullyQualifiedNamespace, ServiceBusConnection__clientId },
              defaultServiceBusCredential,
            ),
            maxDeliveryCount: config.maxDeliveryCount,
          },
          clock,
        )
      : createEmbeddedQueue(embedded(), {
          clock,
          maxDeliveryCount: config.maxDeliveryCount,
          duplicateWindowMs: config.duplicateWindowMs,
        });
  const vault = overrides.vault ?? createVault(config, { clock });
  const idempotency = new IdempotencyGuard(store.container<IdempotencyRecord>('idempotency'), clock, {
    inProgressTtlMs: config.handlerTimeoutMs,
    completedTtlMs: 7 * 24 * 3_600_000,
  });
  return {
    config,
    clock,
    logger,
    store,
    queue,
    vault,
    idempotency,
    async close() {
      await queue.close();
      await store.close();
      await checkpointer?.stop();
      database?.close();
    },
  };
}

let current: Promise<AppServices> | undefined;

/** The process's services: those the host installed with `useServices`, else built from the environment. */
export function getServices(): Promise<AppServices> {
  current ??= createAppServices(loadConfig());
  return current;
}

export function useServices(services: AppServices | undefined): void {
  current = services ? Promise.resolve(services) : undefined;
}
