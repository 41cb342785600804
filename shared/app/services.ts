import { type Clock, systemClock } from '../clock';
import { loadConfig, type VigilConfig } from '../config';
import { createLogger, type Logger } from '../logging/logger';
import type { QueueAdmin, QueueReceiver, QueueSender } from '../queue/port';
import type { EmbeddedDatabase } from '../store/embedded/embeddedDatabase';
import type { ExpirySweeper } from '../store/embedded/expirySweeper';
import type { WalCheckpointer } from '../store/embedded/walCheckpointer';
import type { Store } from '../store/port';
import { startTelemetry, startTelemetryLater, telemetry as telemetryNow, telemetryWanted } from '../telemetry';
import { createVault } from '../vault/createVault';
import type { Vault } from '../vault/port';
import { type AppStores, createStores } from './stores';
import { tracedQueue, tracedStore, tracedVault } from './tracedAdapters';

export type QueueBackend = QueueSender & QueueReceiver & QueueAdmin & { releaseAllLocks?(): number };

/** Everything a use case may need, built once per process from the configuration (the composition root). */
export interface AppServices {
  config: VigilConfig;
  clock: Clock;
  logger: Logger;
  queue: QueueBackend;
  vault: Vault;
  /** Every container, typed once (shared/app/stores.ts). */
  stores: AppStores;
  /** Rejects when the store takes no writes right now (a full disk): what the health check reports. */
  checkStoreWritable(): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceOverrides {
  /** Checkpoint the embedded database on a worker thread (long-running hosts; see walCheckpointer.ts). */
  backgroundCheckpoints?: boolean;
  /** Delete expired documents of the embedded store on a schedule (long-running hosts; see expirySweeper.ts). */
  expirySweeps?: boolean;
  clock?: Clock;
  logger?: Logger;
  vault?: Vault;
  /** Start telemetry after the first invocation instead of before (the Functions host's cold start; see startTelemetryLater). */
  deferTelemetry?: boolean;
}

/**
 * Builds the adapters the configuration asks for: Azure ones when their settings are present,
 * embedded ones otherwise. Each adapter's module is loaded here, on demand, so the local host never
 * loads an Azure SDK and an Azure deployment never loads SQLite (docs/architecture.md, "Start-up").
 */
export async function createAppServices(config: VigilConfig, overrides: ServiceOverrides = {}): Promise<AppServices> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, format: config.logFormat });
  if (config.environment.VIGIL_CI_PROVIDER_MODULES) {
    // Extra CI provider modules are checked before anything starts: a bad one stops start-up with its path.
    await (await import('../ci/providers/registry.js')).loadCiProviders(config);
  }
  // Telemetry's SDK loads beside the adapters, and only when telemetry is on (shared/telemetry/).
  const tracing = telemetryWanted(config);
  if (overrides.deferTelemetry) startTelemetryLater(config);
  const [adapters, telemetry] = await Promise.all([
    loadAdapterModules(config),
    overrides.deferTelemetry ? undefined : startTelemetry(config),
  ]);
  let database: EmbeddedDatabase | undefined;
  let checkpointer: WalCheckpointer | undefined;
  let sweeper: ExpirySweeper | undefined;
  const embedded = async (): Promise<EmbeddedDatabase> => {
    if (!database) {
      database = (await import('../store/embedded/embeddedDatabase.js')).openEmbeddedDatabase(config.dataDir);
      if (overrides.backgroundCheckpoints) {
        checkpointer = (await import('../store/embedded/walCheckpointer.js')).startWalCheckpointer(database, logger);
      }
    }
    return database;
  };
  try {
    let store = await adapters.openStore(clock, embedded);
    let queue = await adapters.openQueue(clock, embedded);
    if (overrides.expirySweeps && config.storeBackend === 'embedded') {
      sweeper = (await import('../store/embedded/expirySweeper.js')).startExpirySweeper(await embedded(), clock, logger);
    }
    let vault = overrides.vault ?? createVault(config, { clock });
    // The wrappers ask for the process's telemetry on each call: started later, they trace from then on.
    if (tracing || telemetry?.enabled) {
      // Every send is a span: it carries the trace across the queue. Store and vault calls are spans
      // where they leave the process (Cosmos DB, Key Vault); the embedded ones take microseconds, and
      // a span each would cost a scan with many findings more than the calls themselves.
      queue = tracedQueue(queue, config.queueBackend === 'service-bus' ? 'servicebus' : 'embedded');
      if (config.storeBackend === 'cosmos') store = tracedStore(store, 'cosmosdb');
      if (config.vaultBackend === 'key-vault') vault = tracedVault(vault, 'keyvault');
    }
    return {
      config,
      clock,
      logger,
      queue,
      vault,
      stores: createStores(store, clock, config),
      checkStoreWritable: async () => store.checkWritable?.(),
      async close() {
        await telemetryNow().flush();
        await sweeper?.stop();
        await queue.close();
        await store.close();
        await checkpointer?.stop();
        database?.close();
      },
    };
  } catch (error) {
    await sweeper?.stop();
    await checkpointer?.stop();
    database?.close();
    throw error;
  }
}

type OpenEmbedded = () => Promise<EmbeddedDatabase>;

export interface AdapterModules {
  openStore(clock: Clock, embedded: OpenEmbedded): Promise<Store>;
  openQueue(clock: Clock, embedded: OpenEmbedded): Promise<QueueBackend>;
}

/**
 * Loads the store and queue adapters the configuration names, and only those (with the SDK or
 * SQLite binding they bring), without connecting to anything: what a cold start pays before its
 * first request. `npm run bench:startup` times exactly this.
 */
export async function loadAdapterModules(config: VigilConfig): Promise<AdapterModules> {
  const [openStore, openQueue] = await Promise.all([storeOpener(config), queueOpener(config)]);
  return { openStore, openQueue };
}

async function storeOpener(config: VigilConfig): Promise<AdapterModules['openStore']> {
  if (config.storeBackend === 'cosmos') {
    const { COSMOS_ENDPOINT, COSMOS_DATABASE, COSMOS_KEY, VIGIL_COSMOS_CREATE, VIGIL_COSMOS_FORCE_QUERY_PLAN } = config.environment;
    const { openCosmosStoreFromEnvironment } = await import('../store/cosmos/cosmosFromEnvironment.js');
    return () =>
      openCosmosStoreFromEnvironment({ COSMOS_ENDPOINT, COSMOS_DATABASE, COSMOS_KEY, VIGIL_COSMOS_CREATE, VIGIL_COSMOS_FORCE_QUERY_PLAN });
  }
  const [{ createEmbeddedStore }] = await Promise.all([
    import('../store/embedded/embeddedStore.js'),
    import('../store/embedded/embeddedDatabase.js'),
  ]);
  return async (clock, embedded) => createEmbeddedStore(await embedded(), clock);
}

async function queueOpener(config: VigilConfig): Promise<AdapterModules['openQueue']> {
  if (config.queueBackend === 'service-bus') {
    const { ServiceBusConnection, ServiceBusConnection__fullyQualifiedNamespace, ServiceBusConnection__clientId } = config.environment;
    const [{ createServiceBusQueue, defaultServiceBusCredential }, { serviceBusSettingsFromEnvironment }] = await Promise.all([
      import('../queue/serviceBus/serviceBusQueue.js'),
      import('../queue/serviceBus/serviceBusSettings.js'),
    ]);
    return async (clock) => {
      const settings = serviceBusSettingsFromEnvironment(
        { ServiceBusConnection, ServiceBusConnection__fullyQualifiedNamespace, ServiceBusConnection__clientId },
        defaultServiceBusCredential,
      );
      return createServiceBusQueue({ ...settings, maxDeliveryCount: config.maxDeliveryCount }, clock);
    };
  }
  const { createEmbeddedQueue } = await import('../queue/embedded/embeddedQueue.js');
  return async (clock, embedded) =>
    createEmbeddedQueue(await embedded(), {
      clock,
      maxDeliveryCount: config.maxDeliveryCount,
      duplicateWindowMs: config.duplicateWindowMs,
    });
}

let current: Promise<AppServices> | undefined;

/** The process's services: those the host installed with `useServices`, else built from the environment on first use. */
export function getServices(): Promise<AppServices> {
  // Under the Functions host telemetry starts once the first invocation is answered (functionRegistry.ts).
  current ??= createAppServices(loadConfig(), { deferTelemetry: Boolean(process.env.FUNCTIONS_WORKER_RUNTIME) });
  return current;
}

export function useServices(services: AppServices | undefined): void {
  current = services ? Promise.resolve(services) : undefined;
}
