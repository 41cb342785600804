import { Agent } from 'node:https';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, PermanentError, ThrottledError, TransientError } from '../../../shared/errors';
import { createCosmosStore } from '../../../shared/store/cosmos/cosmosStore';
import { containerDefinitions, containerNames, type Store } from '../../../shared/store/port';
import { containerTimeToLive } from '../../../shared/store/timeToLive';
import { documentRequests } from '../../support/cosmosFaults';
import { type CosmosTestServer, startCosmosServer } from '../../support/cosmosServer';

/**
 * What the contract cannot show because the stand-in never does it by itself: throttling, server
 * and network failures, refused credentials, and start-up checks. Faults are injected in front of
 * the stand-in and travel through the real SDK and its retry policies.
 */
describe('Cosmos DB adapter: throttling, failures, credentials, TLS and start-up', () => {
  let server: CosmosTestServer;
  let store: Store;
  let databaseName: string;
  const maxRetries = 2;

  beforeAll(async () => {
    server = await startCosmosServer();
    const settings = server.settings({ throttleRetries: { maxRetries, maxWaitSeconds: 5 } });
    databaseName = settings.databaseName;
    store = await createCosmosStore(settings);
  });
  afterAll(async () => {
    await store.close();
    await server.close();
  });
  afterEach(() => server.faults.clear());

  const risks = () => store.container<{ id: string; organization: string }>('risks');
  const caught = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail('expected the call to fail'),
      (error: unknown) => error,
    );

  describe('throttling (429)', () => {
    it('retries as the server says (x-ms-retry-after-ms) and succeeds within the retry budget', async () => {
      server.faults.inject(documentRequests('risks', 'POST'), maxRetries, {
        kind: 'status',
        status: 429,
        headers: { 'x-ms-retry-after-ms': '2' },
      });
      const created = await risks().create({ id: 'throttled-then-fine', organization: 'contoso' });
      expect(created.id).toBe('throttled-then-fine');
      expect(server.faults.servedCount).toBe(maxRetries);
    });

    it('gives up after the configured retries with a ThrottledError carrying the server’s wait', async () => {
      server.faults.inject(documentRequests('risks', 'POST'), 100, {
        kind: 'status',
        status: 429,
        headers: { 'x-ms-retry-after-ms': '3' },
      });
      const error = await caught(risks().create({ id: 'throttled-for-good', organization: 'contoso' }));
      expect(error).toBeInstanceOf(ThrottledError);
      expect((error as ThrottledError).retryAfterMs).toBe(3);
      expect(server.faults.servedCount).toBe(maxRetries + 1);
    });
  });

  describe('server and network failures', () => {
    it('turns a 5xx into a TransientError', async () => {
      server.faults.inject(documentRequests('risks', 'PUT'), 1, { kind: 'status', status: 500 });
      const created = await risks().create({ id: 'server-error', organization: 'contoso' });
      const error = await caught(risks().replace(created));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toContain('500');
    });

    it('turns a dropped connection into a TransientError', async () => {
      server.faults.inject(documentRequests('risks', 'POST'), 1, { kind: 'reset' });
      const error = await caught(risks().create({ id: 'dropped', organization: 'contoso' }));
      expect(error).toBeInstanceOf(TransientError);
    });
  });

  describe('credentials', () => {
    it('authenticates with an Entra ID token for the account when no key is configured', async () => {
      const scopes: string[] = [];
      const authorizations = new Set<string>();
      server.faults.observe((request) => authorizations.add(String(request.headers.authorization)));
      const entra = await createCosmosStore(
        server.settings({
          databaseName,
          createIfMissing: false,
          key: undefined,
          credential: {
            getToken: async (scope) => {
              scopes.push(...[scope].flat());
              return { token: 'entra-access-token', expiresOnTimestamp: Date.now() + 3_600_000 };
            },
          },
        }),
      );
      try {
        await entra.container<{ id: string; organization: string }>('risks').create({ id: 'via-entra', organization: 'contoso' });
      } finally {
        await entra.close();
      }
      expect(new Set(scopes)).toEqual(new Set([`${server.endpoint}/.default`]));
      expect([...authorizations]).toEqual(['type=aad&ver=1.0&sig=entra-access-token']);
    });

    it('reports a refused credential as a configuration error without ever repeating the key', async () => {
      server.faults.inject(documentRequests('risks', 'POST'), 1, {
        kind: 'status',
        status: 401,
        body: { code: 'Unauthorized', message: `The input authorization token can't serve the request: ${server.key}` },
      });
      const error = await caught(risks().create({ id: 'unauthorized', organization: 'contoso' }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('COSMOS_KEY');
      expect(
        JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack, cause: (error as Error).cause }),
      ).not.toContain(server.key);
    });

    it('names the missing data-plane role on a 403', async () => {
      server.faults.inject(documentRequests('risks', 'POST'), 1, {
        kind: 'status',
        status: 403,
        body: { code: 'Forbidden', message: 'blocked' },
      });
      const error = await caught(risks().create({ id: 'forbidden', organization: 'contoso' }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('Cosmos DB Built-in Data Contributor');
    });
  });

  describe('ids Cosmos cannot hold', () => {
    it('refuses to write them and reads nothing for them, before any request is made', async () => {
      for (const id of ['a/b', 'a?b', 'a#b', 'a\\b']) {
        const error = await caught(risks().create({ id, organization: 'contoso' }));
        expect(error).toBeInstanceOf(PermanentError);
        expect((error as Error).message).toContain('cannot be stored in Cosmos DB');
        expect(await risks().read(id, 'contoso')).toBeUndefined();
      }
    });
  });

  describe('TLS', () => {
    it('verifies the server certificate: a client that does not trust it cannot connect', async () => {
      const stranger = new Agent({ keepAlive: false });
      try {
        const error = await caught(createCosmosStore(server.settings({ agent: stranger, databaseName, createIfMissing: false })));
        expect(error).toBeInstanceOf(TransientError);
        expect((error as Error).message).toMatch(/certificate/i);
      } finally {
        stranger.destroy();
      }
    });
  });

  describe('start-up', () => {
    it('without VIGIL_COSMOS_CREATE, fails on a database that does not exist, naming the setting', async () => {
      const error = await caught(createCosmosStore(server.settings({ createIfMissing: false })));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('COSMOS_DATABASE');
      expect((error as Error).message).toContain('VIGIL_COSMOS_CREATE=true');
    });

    it('without VIGIL_COSMOS_CREATE, opens a database that infra created', async () => {
      const existing = await createCosmosStore(server.settings({ databaseName, createIfMissing: false }));
      await existing.close();
    });

    it('with VIGIL_COSMOS_CREATE, creates each container with the TTL infra/ gives it in Azure', async () => {
      const settings = server.settings({ databaseName });
      const client = new CosmosClient({ endpoint: settings.endpoint, key: server.key, agent: server.agent });
      try {
        const database = client.database(databaseName);
        for (const name of containerNames) {
          const { resource } = await database.container(name).read();
          expect({ name, defaultTtl: resource?.defaultTtl }).toEqual({ name, defaultTtl: containerTimeToLive(name) });
        }
      } finally {
        client.dispose();
      }
    });

    it('refuses a container partitioned on the wrong key', async () => {
      const settings = server.settings();
      const client = new CosmosClient({ endpoint: settings.endpoint, key: server.key, agent: server.agent });
      try {
        // Every container as infra/ would make it, except `risks`.
        const { database } = await client.databases.createIfNotExists({ id: settings.databaseName });
        for (const name of containerNames) {
          const path = name === 'risks' ? '/tenant' : `/${containerDefinitions[name].partitionKey}`;
          await database.containers.createIfNotExists({ id: name, partitionKey: { paths: [path] } });
        }
      } finally {
        client.dispose();
      }
      const error = await caught(createCosmosStore({ ...settings, createIfMissing: false }));
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toMatch(/'risks'.*'\/tenant'.*'\/organization'/);
    });
  });
});
