import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '../../shared/queue/names';
import { createCosmosStore } from '../../shared/store/cosmos/cosmosStore';
import { type AmqpBroker, startAmqpBroker } from '../support/amqpBroker';
import { spawnWatched, type WatchedProcess } from '../support/childProcess';
import { type CosmosTestServer, startCosmosServer } from '../support/cosmosServer';
import { testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * `npm start` with Azure-shaped settings: Service Bus through a connection string to the loopback
 * AMQP broker (UseDevelopmentEmulator=true), Cosmos DB through COSMOS_ENDPOINT to the loopback
 * stand-in (its certificate trusted with NODE_EXTRA_CA_CERTS, as an operator would). No embedded
 * queue or store is involved: the data directory stays empty of a database.
 */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'build.complete.json'));

let broker: AmqpBroker;
let cosmos: CosmosTestServer;
let workDir: string;
let env: NodeJS.ProcessEnv;
let host: WatchedProcess | undefined;

beforeAll(async () => {
  broker = await startAmqpBroker({ queues: queueNames });
  cosmos = await startCosmosServer();
  workDir = mkdtempSync(join(tmpdir(), 'vigil-azure-'));
  const caFile = join(workDir, 'cosmos-ca.pem');
  writeFileSync(caFile, cosmos.certificatePem);
  env = {
    PATH: process.env.PATH,
    ...testHookSecrets,
    PORT: '0',
    VIGIL_DATA_DIR: join(workDir, 'data'),
    VIGIL_LOG_LEVEL: 'warn',
    ServiceBusConnection: broker.connectionString,
    COSMOS_ENDPOINT: cosmos.endpoint,
    COSMOS_KEY: cosmos.key,
    COSMOS_DATABASE: `vigil-${randomUUID()}`,
    VIGIL_COSMOS_CREATE: 'true',
    VIGIL_COSMOS_FORCE_QUERY_PLAN: 'false',
    NODE_EXTRA_CA_CERTS: caFile,
  };
});

afterAll(async () => {
  host?.child.kill('SIGKILL');
  await broker?.close();
  await cosmos?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the local host on the Azure adapters', () => {
  it('takes a posted Azure DevOps event through Service Bus to its handler and records the outcome in Cosmos DB', async () => {
    host = spawnWatched(process.execPath, [cli, 'start'], env);
    const baseUrl = (await host.waitForLine(/^Vigil local host listening on /)).split(' ').pop() ?? '';
    expect(host.lines.join('\n')).toMatch(/queue: service-bus, store: cosmos/);

    const accepted = await post(`${baseUrl}/hooks/azure-devops`, fixture, azureDevOpsHeaders());
    expect(accepted).toMatchObject({ status: 202, body: { queues: ['build-scan'] } });

    // No organization is configured, so the handler parks the event with the fix; the record lands in Cosmos.
    const vigil = promisify(execFile);
    let parked: Array<Record<string, unknown>> = [];
    for (let attempt = 0; attempt < 50 && parked.length === 0; attempt++) {
      const { stdout } = await vigil(process.execPath, [cli, 'dlq', 'list', '--queue', 'build-scan', '--json'], { env });
      parked = (JSON.parse(stdout) as { messages: Array<Record<string, unknown>> }).messages;
    }
    expect(parked).toEqual([
      expect.objectContaining({
        kind: 'parked',
        messageId: accepted.body.id,
        reason: expect.stringMatching(/no organization 'fabrikamfiber' \(add it with: vigil orgs add/),
      }),
    ]);

    // `vigil status` would ask Service Bus's HTTP administration API, which the AMQP broker does not speak: read Cosmos directly.
    const store = await createCosmosStore(cosmos.settings({ databaseName: env.COSMOS_DATABASE, createIfMissing: false }));
    expect(await store.container('deliveries').count({ outcome: 'accepted' })).toBe(1);
    await store.close();

    // `vigil trace` reads the same journey from Cosmos DB: the handler's hop, written after Service Bus delivered it.
    const { stdout: traced } = await vigil(process.execPath, [cli, 'trace', String(accepted.body.id), '--json'], { env });
    const trace = JSON.parse(traced) as { webhook: { outcome: string }; journey: { runs: Array<Record<string, unknown>> } };
    expect(trace.webhook.outcome).toBe('accepted');
    expect(trace.journey.runs).toEqual([
      expect.objectContaining({ functionName: 'scanBuild', queue: 'build-scan', outcome: 'parked', deliveryCount: 1 }),
    ]);

    host.child.kill('SIGTERM');
    expect((await host.exited).code).toBe(0);
  });
});
