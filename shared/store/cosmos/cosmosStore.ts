import type { CosmosClient, Database } from '@azure/cosmos';
import { ConfigurationError } from '../../errors';
import { type Container, type ContainerName, containerDefinitions, containerNames, type Document, type Store } from '../port';
import { containerTimeToLive } from '../timeToLive';
import { createCosmosClient } from './cosmosClient';
import { CosmosContainer } from './cosmosContainer';
import { cosmosFailure, type SecretValues } from './cosmosFailure';
import type { CosmosSettings } from './cosmosSettings';

/** Long enough for the SDK's own 429 retries (10 s by default) plus a slow answer; short of a function's timeout. */
export const defaultOperationTimeoutMs = 30_000;

/**
 * The store port on Azure Cosmos DB for NoSQL. With `createIfMissing` (VIGIL_COSMOS_CREATE=true) it
 * creates the database and the containers of docs/architecture.md, "State"; otherwise (Azure, where infra/ creates
 * them) it checks they exist, so a wrong COSMOS_DATABASE, credential or role fails start-up with one
 * line instead of the first event.
 */
export async function createCosmosStore(settings: CosmosSettings): Promise<Store> {
  const client = createCosmosClient(settings);
  const secrets: SecretValues = settings.key === undefined ? [] : [settings.key];
  const operationTimeoutMs = settings.operationTimeoutMs ?? defaultOperationTimeoutMs;
  let database: Database;
  try {
    database = settings.createIfMissing
      ? await createDatabaseAndContainers(client, settings.databaseName, operationTimeoutMs, secrets)
      : await verifyContainers(client, settings.databaseName, operationTimeoutMs, secrets);
  } catch (error) {
    client.dispose();
    throw error;
  }
  const options = { forceQueryPlan: settings.forceQueryPlan ?? true, operationTimeoutMs, secrets };
  const containers = new Map<ContainerName, CosmosContainer<Document>>();
  return {
    container<T extends Document>(name: ContainerName): Container<T> {
      let container = containers.get(name);
      if (!container) {
        container = new CosmosContainer<Document>(database.container(name), name, containerDefinitions[name].partitionKey, options);
        containers.set(name, container);
      }
      return container as unknown as Container<T>;
    },
    async close() {
      client.dispose();
    },
  };
}

async function createDatabaseAndContainers(
  client: CosmosClient,
  databaseName: string,
  timeoutMs: number,
  secrets: SecretValues,
): Promise<Database> {
  const { database } = await client.databases
    .createIfNotExists({ id: databaseName }, { abortSignal: AbortSignal.timeout(timeoutMs) })
    .catch((error: unknown) => {
      throw cosmosFailure(error, { database: databaseName }, secrets);
    });
  await Promise.all(
    containerNames.map((name) =>
      database.containers
        .createIfNotExists(
          {
            id: name,
            partitionKey: { paths: [`/${containerDefinitions[name].partitionKey}`] },
            // The same TTL as infra/ gives the container in Azure (shared/store/timeToLive.ts).
            ...(containerTimeToLive(name) === undefined ? {} : { defaultTtl: containerTimeToLive(name) }),
          },
          { abortSignal: AbortSignal.timeout(timeoutMs) },
        )
        .catch((error: unknown) => {
          throw cosmosFailure(error, { container: name }, secrets);
        }),
    ),
  );
  return database;
}

async function verifyContainers(client: CosmosClient, databaseName: string, timeoutMs: number, secrets: SecretValues): Promise<Database> {
  const database = client.database(databaseName);
  await Promise.all(
    containerNames.map(async (name) => {
      const { resource } = await database
        .container(name)
        .read({ abortSignal: AbortSignal.timeout(timeoutMs) })
        .catch((error: unknown) => {
          throw cosmosFailure(error, { container: name }, secrets);
        });
      const expected = `/${containerDefinitions[name].partitionKey}`;
      const actual = resource?.partitionKey?.paths?.[0];
      // Writes would succeed against a wrong key path, but reads by (id, partition key) would miss.
      if (actual !== expected) {
        throw new ConfigurationError(
          `Cosmos DB container '${name}' in database '${databaseName}' is partitioned on '${actual ?? 'nothing'}', expected '${expected}'; recreate it from infra/`,
        );
      }
    }),
  );
  return database;
}
