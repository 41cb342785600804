import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuesSettled } from '../support/alertReceiver';
import { ServiceConnectionRoutes } from '../support/azureDevOps/serviceConnectionRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * An authenticated payload is trusted for ids only: every URL in it is pointed at a loopback trap,
 * and the build is still scanned, from the organization's configured URL, with the trap never called.
 */
const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'build.complete.json'), 'utf8');
const project = '33dd33dd-ee44-ff55-aa66-77bb77bb77bb';
const buildId = 2727068;
const pat = `test-pat-${randomBytes(12).toString('hex')}`;

let devops: AzureDevOpsServer;
let host: TestHost;
let trap: Server;
const trapped: string[] = [];

beforeAll(async () => {
  trap = createServer((request, response) => {
    trapped.push(`${request.method} ${request.url}`);
    response.writeHead(500).end();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', () => resolve()));
  devops = await startAzureDevOpsServer({
    organization: 'fabrikamfiber',
    pat,
    projects: [{ id: project, name: 'FabrikamFiberChat' }],
    extensions: [new ServiceConnectionRoutes()],
    builds: [{ id: buildId, project, logs: [{ id: 1, content: `export GITHUB_TOKEN=${new SecretFactory(12).gitHubToken()}\n` }] }],
  });
  host = await startTestHost({ env: { VIGIL_SECRET_ADO_PAT_FABRIKAMFIBER: pat } });
  const organizations = host.services.stores.organizations;
  await organizations.add('fabrikamfiber', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikamfiber' } },
  });
});

afterAll(async () => {
  await host?.dispose();
  await devops?.close();
  await new Promise((resolve) => trap?.close(resolve));
});

describe('URLs in a payload', () => {
  it('are never called: the build is fetched from the configured organization URL', async () => {
    const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/fabrikamfiber`;
    const body = fixture.replace(/https:\/\/dev\.azure\.com\/FabrikamFiber/gi, trapUrl);
    expect(body).toContain(trapUrl);
    const response = await post(host.url('/hooks/azure-devops'), body, azureDevOpsHeaders());
    expect(response).toMatchObject({ status: 202, body: { queues: ['build-scan'] } });
    await queuesSettled(host);
    const risks = await host.services.stores.risks.list({ organization: 'fabrikamfiber' });
    expect(risks).toHaveLength(1);
    expect(devops.callsTo(`/builds/${buildId}/logs`).length).toBeGreaterThan(0);
    expect(trapped).toEqual([]);
  });
});
