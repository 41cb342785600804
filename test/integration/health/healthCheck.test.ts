import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkHealth, healthAnswerTtlMs } from '../../../shared/app/healthCheck';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { createStores } from '../../../shared/app/stores';
import { loadConfig } from '../../../shared/config';
import { createLogger } from '../../../shared/logging/logger';
import { queueNames } from '../../../shared/queue/names';
import { createServiceBusQueue, type ServiceBusQueue } from '../../../shared/queue/serviceBus/serviceBusQueue';
import { createCosmosStore } from '../../../shared/store/cosmos/cosmosStore';
import type { Store } from '../../../shared/store/port';
import { createKeyVault } from '../../../shared/vault/keyVault/keyVault';
import type { Vault } from '../../../shared/vault/port';
import { envelope } from '../../contract/queueContractSupport';
import { type AmqpBroker, startAmqpBroker } from '../../support/amqpBroker';
import { documentRequests } from '../../support/cosmosFaults';
import { type CosmosTestServer, startCosmosServer } from '../../support/cosmosServer';
import { createFakeCredential, createLoopbackCertificate, type KeyVaultServer, startKeyVaultServer } from '../../support/keyVaultServer';
import { ManualClock } from '../../support/manualClock';

/**
 * `GET /api/health`'s answer, built from real adapters: Service Bus (the real SDK against the loopback
 * AMQP broker), Cosmos DB (the real SDK against the stand-in) and Key Vault (the real SecretClient
 * against its stand-in); then the embedded queue, store and local vault of `npm start`. Each
 * dependency is taken down in turn and the answer must name it and say why.
 */
const quiet = createLogger({ level: 'error', sink: { write: () => undefined } });

interface Health {
  status: string;
  problem?: string;
  checks: Record<'store' | 'queue' | 'vault', { status: string; reason?: string }>;
  queues?: Record<string, { oldestMessageAgeMs: number | null }>;
}

async function health(services: AppServices, options = {}): Promise<{ status: number; body: Health; retryAfter?: string }> {
  const answer = await checkHealth(services, options);
  return { status: answer.status, body: answer.jsonBody as unknown as Health, retryAfter: answer.headers?.['retry-after'] };
}

describe('the health check on the Azure adapters', () => {
  const clock = new ManualClock();
  let broker: AmqpBroker;
  let cosmos: CosmosTestServer;
  let keyVault: KeyVaultServer;
  let queue: ServiceBusQueue;
  let store: Store;
  let vault: Vault;

  /** Fresh services over the same adapters: the health check keeps its last answer per set of services. */
  const services = (): AppServices => {
    const config = loadConfig({
      ServiceBusConnection: broker.connectionString,
      COSMOS_ENDPOINT: cosmos.endpoint,
      KEY_VAULT_URL: keyVault.url,
      VIGIL_DATA_DIR: tmpdir(),
    });
    return {
      config,
      clock,
      logger: quiet,
      queue,
      vault,
      stores: createStores(store, clock, config),
      checkStoreWritable: async () => store.checkWritable?.(),
      close: async () => undefined,
    };
  };

  beforeAll(async () => {
    broker = await startAmqpBroker({ queues: queueNames, clock });
    queue = createServiceBusQueue(
      {
        auth: { kind: 'connection-string', connectionString: broker.connectionString },
        retryOptions: { maxRetries: 0, timeoutInMs: 1_000 },
      },
      clock,
    );
    cosmos = await startCosmosServer();
    store = await createCosmosStore(cosmos.settings());
    const credential = createFakeCredential();
    keyVault = await startKeyVaultServer({ acceptedToken: credential.token, certificate: createLoopbackCertificate() });
    vault = createKeyVault({
      vaultUrl: keyVault.url,
      credential,
      clientOptions: { tlsOptions: { ca: keyVault.ca }, disableChallengeResourceVerification: true, retryOptions: { maxRetries: 0 } },
    });
  });

  afterEach(() => cosmos.faults.clear());

  afterAll(async () => {
    await queue?.close();
    await broker?.close();
    await store?.close();
    await cosmos?.close();
    await keyVault?.close();
  });

  it("answers ok with every dependency reached, and each queue's oldest active message's age", async () => {
    await queue.send('build-scan', [{ messageId: 'waiting-1', body: envelope('waiting-1') }]);
    clock.advance(120_000);
    await queue.send('build-scan', [{ messageId: 'waiting-2', body: envelope('waiting-2') }]);
    await queue.send('alerts', [
      { messageId: 'later-1', body: envelope('later-1'), scheduledEnqueueTime: new Date(clock.now() + 3_600_000) },
    ]);
    clock.advance(5_000);

    const answer = await health(services());
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'ok',
      queue: 'service-bus',
      store: 'cosmos',
      vault: 'key-vault',
      checks: { store: { status: 'ok' }, queue: { status: 'ok' }, vault: { status: 'ok' } },
    });
    expect(answer.body.queues).toEqual({
      'build-scan': { oldestMessageAgeMs: 125_000 },
      'repo-scan': { oldestMessageAgeMs: null },
      'workitem-sync': { oldestMessageAgeMs: null },
      'pr-publish': { oldestMessageAgeMs: null },
      alerts: { oldestMessageAgeMs: null },
    });
  });

  it('answers 503 naming the store and the missing role when Cosmos DB refuses the read', async () => {
    cosmos.faults.inject(documentRequests('deliveries', 'GET'), 5, {
      kind: 'status',
      status: 403,
      body: { code: 'Forbidden', message: 'blocked' },
    });
    const answer = await health(services());
    expect(answer).toMatchObject({ status: 503, retryAfter: '30' });
    expect(answer.body.checks.store.status).toBe('unavailable');
    expect(answer.body.checks.store.reason).toContain('Cosmos DB Built-in Data Contributor');
    expect(answer.body.checks).toMatchObject({ queue: { status: 'ok' }, vault: { status: 'ok' } });
    expect(answer.body.problem).toMatch(/^store: /);
  });

  it('answers 503 naming the vault when Key Vault does not answer', async () => {
    await keyVault.close();
    const answer = await health(services());
    expect(answer.status).toBe(503);
    expect(answer.body.checks.vault.status).toBe('unavailable');
    expect(answer.body.checks.vault.reason).toMatch(/Key Vault|vault/i);
    expect(answer.body.checks).toMatchObject({ store: { status: 'ok' }, queue: { status: 'ok' } });
  });

  it('answers 503 naming the queue when Service Bus cannot be reached', async () => {
    await broker.close();
    // The SDK gives up first (its operation timeout, a second here), so its reason is the one reported.
    const answer = await health(services(), { probeTimeoutMs: 60_000 });
    expect(answer.status).toBe(503);
    expect(answer.body.checks.queue.status).toBe('unavailable');
    expect(answer.body.checks.queue.reason).toMatch(/could not peek '[a-z-]+' in namespace/);
    expect(answer.body.queues).toBeUndefined();
  });
});

describe('the health check on the embedded adapters', () => {
  let dataDir: string;
  let embedded: AppServices;
  const clock = new ManualClock();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'vigil-health-'));
    embedded = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), { clock, logger: quiet });
  });

  afterAll(async () => {
    await embedded?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("reports the oldest active message's age per queue, leaving scheduled messages aside", async () => {
    await embedded.queue.send('repo-scan', [{ messageId: 'old-1', body: envelope('old-1') }]);
    await embedded.queue.send('repo-scan', [
      { messageId: 'later-1', body: envelope('later-1'), scheduledEnqueueTime: new Date(clock.now() + 3_600_000) },
    ]);
    clock.advance(90_000);
    const answer = await health(embedded);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ok', queue: 'embedded', store: 'embedded', vault: 'local' });
    expect(answer.body.queues?.['repo-scan']).toEqual({ oldestMessageAgeMs: 90_000 });
    expect(answer.body.queues?.['build-scan']).toEqual({ oldestMessageAgeMs: null });
  });

  it('answers from its last probe for a second, then probes again', async () => {
    clock.advance(healthAnswerTtlMs);
    const first = await health(embedded);
    await embedded.queue.send('alerts', [{ messageId: 'new-1', body: envelope('new-1') }]);
    expect(await health(embedded)).toEqual(first);
    clock.advance(healthAnswerTtlMs);
    expect((await health(embedded)).body.queues?.alerts).toEqual({ oldestMessageAgeMs: healthAnswerTtlMs });
  });

  it('answers 503 naming the vault when the local vault file is damaged', async () => {
    writeFileSync(join(dataDir, 'vault.json'), 'not json');
    const damaged = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), { clock, logger: quiet });
    try {
      const answer = await health(damaged);
      expect(answer.status).toBe(503);
      expect(answer.body.checks.vault).toEqual({ status: 'unavailable', reason: expect.stringContaining('vault.json') });
      expect(answer.body.checks).toMatchObject({ store: { status: 'ok' }, queue: { status: 'ok' } });
    } finally {
      await damaged.close();
      rmSync(join(dataDir, 'vault.json'));
    }
  });

  it('counts a dependency that does not answer in time as unavailable', async () => {
    const hanging: AppServices = { ...embedded, vault: { getSecret: () => new Promise<never>(() => undefined) } };
    const answer = await health(hanging, { probeTimeoutMs: 1 });
    expect(answer.status).toBe(503);
    expect(answer.body.checks.vault).toEqual({ status: 'unavailable', reason: 'the vault did not answer within 1 ms' });
  });
});
