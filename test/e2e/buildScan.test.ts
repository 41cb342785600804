import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { narrowed } from '../../shared/store/port';
import { type AlertReceiver, queuesSettled, type ReceivedAlert } from '../support/alertReceiver';
import type { AzureDevOpsServer } from '../support/azureDevOpsServer';
import { type LeakedBuildWorld, startLeakedBuildWorld } from '../support/leakedBuildWorld';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import type { TestHost } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * A finished build, end to end through the local host: the real build.complete sample is posted,
 * the handler re-fetches the build and its logs from a loopback Azure DevOps with the real
 * azure-devops-node-api client, stores the leaked token as a risk, and a loopback receiver gets
 * exactly one signed alert. Nothing anywhere holds the token itself.
 */
const leaked = new SecretFactory(7).gitHubToken();

let world: LeakedBuildWorld;
let fixture: Buffer;
let buildId: number;
let pat: string;
let signingSecret: string;
let devops: AzureDevOpsServer;
let host: TestHost;
let receiver: AlertReceiver;
let alerts: ReceivedAlert[];
const settled = () => queuesSettled(host);

beforeAll(async () => {
  world = await startLeakedBuildWorld({
    logs: [
      { id: 1, sizeBytes: 200_000 },
      {
        id: 2,
        content: `2026-11-20T10:00:01.0000000Z ##[section]Starting: Publish\n2026-11-20T10:00:02.0000000Z export GITHUB_TOKEN=${leaked}\n2026-11-20T10:00:03.0000000Z done\n`,
      },
    ],
    env: { VIGIL_LOG_LEVEL: 'debug' },
  });
  ({ fixture, buildId, pat, signingSecret, devops, host, receiver } = world);
  alerts = receiver.alerts;
});

afterAll(async () => {
  await world?.close();
});

describe('a finished Azure Pipelines build', () => {
  it('has its logs scanned, the leaked token stored as a risk and one signed alert sent, all redacted', async () => {
    const alerted = receiver.next();
    const response = await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders());
    expect(response.status).toBe(202);
    await alerted;
    await settled();

    const risks = await host.services.stores.risks.list({ organization: 'fabrikamfiber' });
    expect(risks).toHaveLength(1);
    expect(risks[0]).toMatchObject({ kind: 'leaked-secret', status: 'open', occurrences: 1, verified: true });
    expect(risks[0].evidence.location).toMatch(/log 2 line 2$/);

    const scans = (await host.services.stores.scans.query({ where: { organization: 'fabrikamfiber', kind: 'build' } })).items.flatMap(
      (record) => narrowed(record, 'kind', 'build') ?? [],
    );
    expect(scans[0]).toMatchObject({ buildId, logsScanned: 2, findings: 1 });
    expect(scans[0].bytesScanned).toBeGreaterThan(200_000);

    expect(alerts).toHaveLength(1);
    expect(() => new Webhook(signingSecret).verify(alerts[0].body, alerts[0].headers)).not.toThrow();
    expect(devops.callsTo(`/builds/${buildId}/logs`).length).toBe(3); // the list, then each log once
  });

  it('does nothing new when the same delivery comes again', async () => {
    const again = await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders());
    expect(again.body).toMatchObject({ duplicate: true });
    await settled();
    const [risk] = await host.services.stores.risks.list({ organization: 'fabrikamfiber' });
    expect(risk.occurrences).toBe(1);
    expect(alerts).toHaveLength(1);
  });

  it('never stores, logs or alerts the token itself, nor the PAT', async () => {
    const everything = [
      ...host.logLines,
      ...alerts.map((a) => a.body),
      JSON.stringify(await host.services.stores.risks.list()),
      JSON.stringify((await host.services.stores.scans.query({})).items),
      JSON.stringify(await host.services.stores.alertLedger.list()),
    ].join('\n');
    expect(everything).not.toContain(leaked);
    expect(everything).not.toContain(pat);
  });

  it('parks a build of an organization Vigil does not know, saying how to add it', async () => {
    const payload = JSON.parse(fixture.toString('utf8')) as { id: string; resourceContainers: Record<string, { baseUrl: string }> };
    payload.id = 'unknown-org-delivery';
    for (const container of Object.values(payload.resourceContainers)) container.baseUrl = 'https://dev.azure.com/Northwind/';
    await post(host.url('/hooks/azure-devops'), JSON.stringify(payload), azureDevOpsHeaders());
    await settled();
    const parked = (await host.services.stores.parked.query({ where: { queue: 'build-scan' } })).items;
    expect(parked.map((p) => p.reason)).toContainEqual(
      expect.stringMatching(/no organization 'northwind' \(add it with: vigil orgs add northwind/),
    );
  });
});
