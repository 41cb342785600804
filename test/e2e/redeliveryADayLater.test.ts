import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventEnvelope, EventEnvelopeSchema } from '../../shared/events/envelope';
import type { Risk } from '../../shared/risks/risk';
import { type AlertReceiver, queuesSettled, startAlertReceiver } from '../support/alertReceiver';
import { ServiceConnectionRoutes } from '../support/azureDevOps/serviceConnectionRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { ManualClock } from '../support/manualClock';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * The same Azure DevOps delivery a day later, long after the queue's duplicate window, end to end
 * through the local host: the webhook answers "duplicate" and enqueues nothing; and should the
 * event reach a handler again all the same (a delivery log that lost its record), the handler's
 * idempotency record is the last line of defence: no second scan, risk occurrence, alert or
 * work-item message.
 */
const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'build.complete.json'));
const project = '33dd33dd-ee44-ff55-aa66-77bb77bb77bb';
const buildId = 2727068;
const leaked = new SecretFactory(11).gitHubToken();
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;
const day = 24 * 3_600_000;

let devops: AzureDevOpsServer;
let host: TestHost;
let receiver: AlertReceiver;
let clock: ManualClock;
let firstEnvelope: EventEnvelope | undefined;

beforeAll(async () => {
  devops = await startAzureDevOpsServer({
    organization: 'fabrikamfiber',
    pat,
    projects: [{ id: project, name: 'FabrikamFiberChat' }],
    extensions: [new ServiceConnectionRoutes()],
    builds: [{ id: buildId, project, logs: [{ id: 1, content: `2026-11-20T10:00:02.0000000Z export GITHUB_TOKEN=${leaked}\n` }] }],
  });
  receiver = await startAlertReceiver();
  clock = new ManualClock(Date.now());
  host = await startTestHost({
    clock,
    env: { VIGIL_SECRET_ADO_PAT_FABRIKAMFIBER: pat, VIGIL_SECRET_ALERT_HOOK_URL: receiver.url, VIGIL_SECRET_ALERT_HOOK_KEY: signingSecret },
  });
  const organizations = host.services.stores.organizations;
  await organizations.add('fabrikamfiber', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikamfiber' } },
  });
  await organizations.addChannel('fabrikamfiber', { type: 'webhook', urlSecret: 'alert-hook-url', signingSecret: 'alert-hook-key' });
});

afterAll(async () => {
  await host?.dispose();
  await devops?.close();
  await receiver?.close();
});

async function risks(): Promise<Risk[]> {
  return await host.services.stores.risks.list({ organization: 'fabrikamfiber' });
}

async function workItemMessages(): Promise<number> {
  const counts = await host.services.queue.counts('workitem-sync');
  const parked = await host.services.stores.parked.count({ queue: 'workitem-sync' });
  return counts.active + counts.scheduled + counts.deadLettered + parked;
}

describe('a build delivered again a day later', () => {
  it('is scanned once the first time: one risk, one alert', async () => {
    const alerted = receiver.next();
    const response = await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders());
    expect(response.status).toBe(202);
    await alerted;
    await queuesSettled(host);
    expect(await risks()).toEqual([expect.objectContaining({ occurrences: 1, status: 'open' })]);
    expect(receiver.alerts).toHaveLength(1);
    firstEnvelope = EventEnvelopeSchema.parse({
      id: response.body.id,
      source: 'azure-devops',
      type: 'build.complete',
      organization: 'fabrikamfiber',
      project,
      subject: { buildId },
      receivedAt: new Date(clock.now()).toISOString(),
    });
  });

  it('is answered as a duplicate and enqueued no second time', async () => {
    clock.advance(day);
    const logFetches = devops.callsTo(`/builds/${buildId}/logs`).length;
    const workItems = await workItemMessages();
    const again = await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders());
    expect(again).toMatchObject({ status: 202, body: { duplicate: true, queues: ['build-scan'] } });
    expect(await host.services.queue.counts('build-scan')).toMatchObject({ active: 0, scheduled: 0 });
    await queuesSettled(host);
    expect(devops.callsTo(`/builds/${buildId}/logs`).length).toBe(logFetches);
    expect(await risks()).toEqual([expect.objectContaining({ occurrences: 1 })]);
    expect(receiver.alerts).toHaveLength(1);
    expect(await workItemMessages()).toBe(workItems);
  });

  it('does nothing new even when the event reaches the handler again: its idempotency record holds', async () => {
    if (!firstEnvelope) throw new Error('the first delivery did not run');
    const logFetches = devops.callsTo(`/builds/${buildId}/logs`).length;
    const workItems = await workItemMessages();
    // As if the delivery log had lost its record: the queue's own duplicate window is long past.
    await host.services.queue.send('build-scan', [{ messageId: firstEnvelope.id, body: firstEnvelope }]);
    await queuesSettled(host);
    expect(devops.callsTo(`/builds/${buildId}/logs`).length).toBe(logFetches);
    expect(await risks()).toEqual([expect.objectContaining({ occurrences: 1 })]);
    expect(receiver.alerts).toHaveLength(1);
    expect(await workItemMessages()).toBe(workItems);
  });
});
