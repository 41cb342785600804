import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CosmosTestServer, startCosmosServer } from '../../support/cosmosServer';

const probe = resolve(__dirname, '../../support/cosmosEnvironmentProbe.ts');

/** The app's own path to Cosmos: settings from the environment only, in a process of its own. */
describe('Cosmos DB store opened from the environment', () => {
  let server: CosmosTestServer;
  let dir: string;
  let caFile: string;

  beforeAll(async () => {
    server = await startCosmosServer();
    dir = mkdtempSync(join(tmpdir(), 'vigil-cosmos-env-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, server.certificatePem);
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function runProbe(env: Record<string, string>): Promise<Record<string, unknown>> {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', probe], {
      env: { PATH: process.env.PATH ?? '', ...env },
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
  }

  const cosmosEnvironment = () => ({
    COSMOS_ENDPOINT: server.endpoint,
    COSMOS_KEY: server.key,
    COSMOS_DATABASE: `vigil-env-${randomUUID()}`,
    VIGIL_COSMOS_CREATE: 'true',
    VIGIL_COSMOS_FORCE_QUERY_PLAN: 'false',
  });

  it('creates the database and containers with VIGIL_COSMOS_CREATE=true and works, trusting the CA given to Node', async () => {
    expect(await runProbe({ ...cosmosEnvironment(), NODE_EXTRA_CA_CERTS: caFile })).toEqual({ read: 'from-environment', count: 1 });
  });

  it('does not connect to a server whose certificate nobody trusts', async () => {
    const result = await runProbe(cosmosEnvironment());
    expect(result.failure).toBe('transient');
    expect(String(result.message)).toMatch(/certificate/i);
    expect(String(result.message)).not.toContain(server.key);
  });
});
