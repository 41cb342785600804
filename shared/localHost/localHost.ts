import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { type AppServices, createAppServices, useServices } from '../app';
import { type FunctionDefinition, type HttpFunctionDefinition, loadFunctionModules, registeredFunctions } from '../azureFunctions';
import type { VigilConfig } from '../config';
import { acquireHostLock, unwritable } from './hostLock';
import { createHttpFrontDoor, routePrefix } from './httpFrontDoor';
import { createLocalAccess } from './localAccess';
import { type QueuePump, startQueuePump } from './queuePump';
import { startTimerSchedule, type TimerSchedule } from './timerSchedule';

export interface LocalHostOptions {
  config: VigilConfig;
  /** Prebuilt services (tests); by default built from `config`. */
  services?: AppServices;
  /** The functions to serve; by default the compiled files package.json `main` names, as the Functions host loads them. */
  functions?: FunctionDefinition[];
  /** How long an idle queue pump waits before looking for newly due scheduled messages. */
  idlePollMs?: number;
  /** For the Functions host's `AzureWebJobs.<name>.Disabled` settings; process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** The overview's per-start token (tests); a fresh random one by default. */
  accessToken?: string;
}

export interface LocalHost {
  /** `http://127.0.0.1:7071/api` */
  baseUrl: string;
  port: number;
  services: AppServices;
  functions: FunctionDefinition[];
  /** What the start-up recovered from a previous host that did not stop cleanly. */
  recovered: { locks: number; claims: number };
  /** Bytes of request bodies the HTTP front door holds right now (bounded by VIGIL_MAX_BODY_BYTES_IN_FLIGHT). */
  bodyBytesInFlight(): number;
  /** This start's token for the overview and its API (docs/overview.md, "Access"). */
  accessToken: string;
  /** The overview's address with the token, ready to open: `http://127.0.0.1:7071/?token=…`. */
  overviewUrl: string;
  /** Stops taking requests and messages, lets running handlers finish within the grace period, closes the stores. */
  stop(): Promise<void>;
}

/**
 * docs/architecture.md, "The local host": the same function registrations served without the Azure Functions host. HTTP
 * triggers at `/api/...`, queue triggers fed by the queue port with the host's settlement, timers
 * on their schedules. One host per data directory, because it owns the embedded queue's locks.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { config } = options;
  const usesDataDir = config.queueBackend === 'embedded' || config.storeBackend === 'embedded';
  if (usesDataDir) {
    try {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw unwritable(config.dataDir, error);
    }
  }
  const releaseHostLock = usesDataDir ? acquireHostLock(config.dataDir) : () => undefined;

  let services: AppServices | undefined;
  try {
    services = options.services ?? (await createAppServices(config, { backgroundCheckpoints: true, expirySweeps: true }));
    useServices(services);
    // A previous host that was killed left locks and claims nobody will release: the messages they
    // hold are ours to redeliver now, not after their lock or handler timeout.
    const recovered = {
      locks: services.queue.releaseAllLocks?.() ?? 0,
      claims: config.storeBackend === 'embedded' ? await services.stores.idempotency.releaseInProgressClaims() : 0,
    };
    const functions = (options.functions ?? loadDefaultFunctions()).filter((f) => !isDisabled(f.name, options.env ?? process.env));
    const logger = services.logger.child({ host: 'local' });

    const access = createLocalAccess(options.accessToken);
    const frontDoor = createHttpFrontDoor(
      functions.filter((f): f is HttpFunctionDefinition => f.kind === 'http'),
      logger,
      { maxBodyBytesInFlight: config.maxBodyBytesInFlight, access },
    );
    const server = frontDoor.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.bindAddress, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;

    const pumps: QueuePump[] = [];
    const timers: TimerSchedule[] = [];
    for (const definition of functions) {
      if (definition.kind === 'queue') {
        pumps.push(
          startQueuePump(definition, services.queue, logger, {
            concurrency: config.queueConcurrency,
            lockDurationMs: config.lockDurationMs,
            idlePollMs: options.idlePollMs ?? 1_000,
          }),
        );
      } else if (definition.kind === 'timer') {
        timers.push(startTimerSchedule(definition, logger));
      }
    }

    const running = services;
    let stopping: Promise<void> | undefined;
    const origin = `http://${hostForUrl(config.bindAddress)}:${port}`;
    return {
      baseUrl: `${origin}${routePrefix}`,
      accessToken: access.token,
      overviewUrl: `${origin}/?token=${access.token}`,
      port,
      services: running,
      functions,
      recovered,
      bodyBytesInFlight: frontDoor.bodyBytesInFlight,
      stop: () =>
        (stopping ??= (async () => {
          for (const timer of timers) timer.stop();
          const closed = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          const unfinished = (await Promise.all(pumps.map((pump) => pump.stop(config.shutdownGraceMs)))).reduce((a, b) => a + b, 0);
          if (unfinished > 0) {
            logger.warn('stopping with handlers still running; their messages are redelivered at the next start', { unfinished });
          }
          server.closeAllConnections();
          await closed;
          useServices(undefined);
          if (!options.services) await running.close();
          releaseHostLock();
        })()),
    };
  } catch (error) {
    if (services && !options.services) await services.close().catch(() => undefined);
    releaseHostLock();
    throw error;
  }
}

function loadDefaultFunctions(): FunctionDefinition[] {
  loadFunctionModules();
  return registeredFunctions();
}

/** The Functions host's switch to turn one function off without redeploying, honoured here too. */
function isDisabled(functionName: string, env: NodeJS.ProcessEnv): boolean {
  const value = env[`AzureWebJobs.${functionName}.Disabled`] ?? env[`AzureWebJobs__${functionName}__Disabled`];
  return value?.trim().toLowerCase() === 'true' || value?.trim() === '1';
}

function hostForUrl(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '::') return '127.0.0.1';
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}
