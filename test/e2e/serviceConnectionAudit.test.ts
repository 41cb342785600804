import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Risk } from '../../shared/risks/risk';
import { type AlertReceiver, queuesSettled, startAlertReceiver } from '../support/alertReceiver';
import { azureRmEndpoint, ServiceConnectionRoutes } from '../support/azureDevOps/serviceConnectionRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { startTestHost, type TestHost } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * A service connection changed in Azure DevOps, end to end through the local host: the real
 * `ms.vss-endpoint.endpoint-updated` sample (pointed at a loopback organization) is posted, the
 * handler re-fetches the connection with the real client, records one risk per failing check and
 * alerts each once. The same unchanged connection reported again opens and alerts nothing.
 */
const sample = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'ms.vss-endpoint.endpoint-updated.json'), 'utf8'),
) as {
  id: string;
  resource: { id: string };
  resourceContainers: { account: { baseUrl?: string } };
};
const endpointId = sample.resource.id;
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const clientSecret = `fake-client-secret-${randomBytes(12).toString('hex')}`;

let devops: AzureDevOpsServer;
let host: TestHost;
let receiver: AlertReceiver;

function delivery(id: string): string {
  return JSON.stringify({
    ...sample,
    id,
    resourceContainers: {
      ...sample.resourceContainers,
      account: { ...sample.resourceContainers.account, baseUrl: 'https://dev.azure.com/fabrikamfiber/' },
    },
  });
}

beforeAll(async () => {
  const connections = new ServiceConnectionRoutes([
    {
      // A client-secret Azure connection on a whole subscription, open to every pipeline: three checks fail.
      endpoint: azureRmEndpoint({
        id: endpointId,
        name: 'deploy-prod',
        authenticationType: 'spnKey',
        scopeLevel: 'Subscription',
        secret: clientSecret,
        creationDate: '2026-11-01T00:00:00Z',
      }),
      allPipelines: true,
      executions: [{ finishTime: '2026-11-19T10:00:00Z' }],
    },
  ]);
  devops = await startAzureDevOpsServer({ organization: 'fabrikamfiber', pat, extensions: [connections] });
  receiver = await startAlertReceiver();
  host = await startTestHost({
    env: { VIGIL_SECRET_ADO_PAT_FABRIKAMFIBER: pat, VIGIL_SECRET_ALERT_HOOK_URL: receiver.url, VIGIL_ALERT_BURST_LIMIT: '100' },
  });
  const organizations = host.services.stores.organizations;
  await organizations.add('fabrikamfiber', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikamfiber' } },
  });
  await organizations.addChannel('fabrikamfiber', { type: 'slack', urlSecret: 'alert-hook-url' });
});

afterAll(async () => {
  await host?.dispose();
  await devops?.close();
  await receiver?.close();
});

async function serviceConnectionRisks(): Promise<Risk[]> {
  return await host.services.stores.risks.list({ organization: 'fabrikamfiber', kind: 'service-connection' });
}

describe('a service connection updated in Azure DevOps', () => {
  it('is audited: one risk per failing check, each alerted once, never with its credential', async () => {
    const response = await post(host.url('/hooks/azure-devops'), delivery('endpoint-update-1'), azureDevOpsHeaders());
    expect(response.status).toBe(202);
    await queuesSettled(host);

    const risks = await serviceConnectionRisks();
    expect(risks.map((r) => r.ruleId).sort()).toEqual(
      expect.arrayContaining(['service-connection/client-secret', 'service-connection/open-to-all-pipelines'].sort()),
    );
    for (const risk of risks) expect(risk.asset).toMatchObject({ id: `service-connection:${endpointId}`, type: 'service-connection' });
    expect(receiver.alerts).toHaveLength(risks.length);
    const everything = [...host.logLines, ...receiver.alerts.map((a) => a.body), JSON.stringify(risks)].join('\n');
    expect(everything).not.toContain(clientSecret);
    expect(everything).not.toContain(pat);
  });

  it('opens and alerts nothing new when the unchanged connection is reported again', async () => {
    const before = { risks: (await serviceConnectionRisks()).map((r) => [r.id, r.occurrences]), alerts: receiver.alerts.length };
    await post(host.url('/hooks/azure-devops'), delivery('endpoint-update-2'), azureDevOpsHeaders());
    await queuesSettled(host);
    expect((await serviceConnectionRisks()).map((r) => [r.id, r.occurrences])).toEqual(before.risks);
    expect(receiver.alerts).toHaveLength(before.alerts);
  });
});
