import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryTrace, TraceEvent } from '../../shared/journeys';
import { type AlertReceiver, queuesSettled } from '../support/alertReceiver';
import { runCompiledCli } from '../support/compiledCli';
import { buildCompleteFixture, type LeakedBuildWorld, startLeakedBuildWorld } from '../support/leakedBuildWorld';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, githubHeaders, post } from '../support/webhookClient';

/**
 * `vigil trace`, the command an operator runs when Azure DevOps says "delivered": a real build.complete
 * through the local host (build scan, a leaked token, the risk.opened it emits, its alert and work-item
 * hops), a build of an organization Vigil does not know (parked by the handler), and an unknown id.
 */
const fixture = buildCompleteFixture.toString('utf8');
const deliveryId = 'aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e:a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1';
const leaked = new SecretFactory(11).gitHubToken();

let world: LeakedBuildWorld;
let pat: string;
let signingSecret: string;
let receiver: AlertReceiver;
let host: TestHost;

const vigil = (...args: string[]) => runCompiledCli({ ...process.env, ...testHookSecrets, VIGIL_DATA_DIR: host.dataDir }, ...args);

async function traceJson(id: string): Promise<DeliveryTrace> {
  const run = await vigil('trace', id, '--json');
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as DeliveryTrace;
}

beforeAll(async () => {
  world = await startLeakedBuildWorld({ logs: [{ id: 1, content: `2026-11-20T10:00:02.0000000Z export GITHUB_TOKEN=${leaked}\n` }] });
  ({ pat, signingSecret, receiver, host } = world);
  const alerted = receiver.next();
  expect((await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders())).status).toBe(202);
  await alerted;
  await queuesSettled(host);
  expect((await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders())).body).toMatchObject({ duplicate: true });
});

afterAll(async () => {
  await world?.close();
});

describe('vigil trace on a delivery that went through', () => {
  it('shows the webhook, the build scan, the risk it opened and that risk’s alert and work-item hops, with times', async () => {
    const trace = await traceJson(deliveryId);
    expect(trace.webhook).toMatchObject({
      source: 'azure-devops',
      type: 'build.complete',
      organization: 'fabrikamfiber',
      outcome: 'accepted',
      queues: ['build-scan'],
      duplicates: 1,
    });
    const journey = trace.journey as TraceEvent;
    expect(journey.runs).toEqual([
      expect.objectContaining({ functionName: 'scanBuild', queue: 'build-scan', outcome: 'completed', deliveryCount: 1 }),
    ]);
    const [run] = journey.runs;
    expect(Date.parse(run.endedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
    expect(run.waitedMs).toBeGreaterThanOrEqual(0);

    const opened = journey.emitted.find((event) => event.type === 'risk.opened') as TraceEvent;
    expect(opened.queues.sort()).toEqual(['alerts', 'workitem-sync']);
    expect(opened.runs.map((r) => [r.functionName, r.queue]).sort()).toEqual([
      ['sendAlert', 'alerts'],
      ['syncWorkItem', 'workitem-sync'],
    ]);
    expect(opened.runs.find((r) => r.functionName === 'sendAlert')?.outcome).toBe('completed');
    for (const r of opened.runs) expect(Date.parse(r.startedAt)).toBeGreaterThanOrEqual(Date.parse(run.startedAt));
  });

  it('prints the same journey as indented lines, the redelivery included', async () => {
    const run = await vigil('trace', deliveryId);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`delivery ${deliveryId}: azure-devops build.complete for fabrikamfiber`);
    expect(run.stdout).toMatch(/webhook accepted, enqueued on build-scan/);
    expect(run.stdout).toMatch(/delivered again 1 time\(s\).*answered duplicate, nothing enqueued/);
    expect(run.stdout).toMatch(/^ {2}\S+Z {2}scanBuild on build-scan: completed in \d/m);
    expect(run.stdout).toMatch(/^ {4}-> risk\.opened risk:\S+ on (alerts, workitem-sync|workitem-sync, alerts)$/m);
    expect(run.stdout).toMatch(/^ {7}\S+Z {2}sendAlert on alerts: completed/m);
  });

  it('finds the delivery from an internal event id too', async () => {
    const opened = ((await traceJson(deliveryId)).journey as TraceEvent).emitted.find((e) => e.type === 'risk.opened') as TraceEvent;
    const trace = await traceJson(opened.eventId);
    expect(trace).toMatchObject({ deliveryId, asked: opened.eventId });
  });

  it('keeps no token, secret or payload value in any hop', async () => {
    const hops = JSON.stringify((await host.services.stores.journeys.query({})).items);
    for (const value of [leaked, pat, signingSecret, receiver.url, ...Object.values(testHookSecrets), 'FabrikamFiberChat', '20241202.1']) {
      expect(hops).not.toContain(value);
    }
  });
});

describe('vigil trace on a delivery that was parked', () => {
  it('shows the handler that parked it, why, and where to look', async () => {
    const unknown = JSON.parse(fixture.replaceAll('FabrikamFiber', 'Contoso')) as Record<string, unknown>;
    unknown.id = 'b1b1b1b1-0000-4000-8000-000000000001';
    expect((await post(host.url('/hooks/azure-devops'), JSON.stringify(unknown), azureDevOpsHeaders())).status).toBe(202);
    await queuesSettled(host);
    const id = `aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e:${unknown.id}`;

    const trace = await traceJson(id);
    expect(trace.webhook).toMatchObject({ outcome: 'accepted', organization: 'contoso' });
    const [run] = (trace.journey as TraceEvent).runs;
    expect(run).toMatchObject({ functionName: 'scanBuild', queue: 'build-scan', outcome: 'parked' });
    expect(run.reason).toMatch(/contoso/);

    const text = (await vigil('trace', id)).stdout;
    expect(text).toContain(`scanBuild on build-scan: parked in`);
    expect(text).toContain(run.reason);
    expect(text).toContain('see `vigil dlq list --queue build-scan`');
  });
});

describe('vigil trace on a delivery the webhook did not enqueue', () => {
  it('shows a delivery parked at the webhook with the reason, and one ignored with why', async () => {
    const unidentifiable = {
      subscriptionId: 'sub-1',
      id: 'unidentified-1',
      eventType: 'git.push',
      publisherId: 'tfs',
      resource: { pushedBy: { displayName: 'Jamal Hartnett' } },
      resourceContainers: { project: { id: 'c2c2c2c2-dddd-eeee-ffff-a3a3a3a3a3a3' } },
    };
    const parked = await post(host.url('/hooks/azure-devops'), JSON.stringify(unidentifiable), azureDevOpsHeaders());
    expect(parked.body.parked).toBeTypeOf('string');
    const trace = await traceJson('sub-1:unidentified-1');
    expect(trace).toEqual({
      deliveryId: 'sub-1:unidentified-1',
      webhook: expect.objectContaining({ type: 'git.push', outcome: 'parked', queues: [], reason: parked.body.parked }),
    });
    expect((await vigil('trace', 'sub-1:unidentified-1')).stdout).toContain("see `vigil dlq list` for the payload's shape");
    expect(JSON.stringify(trace)).not.toContain('Jamal Hartnett');

    const comment = { subscriptionId: 'sub-1', id: 'ignored-1', eventType: 'workitem.commented', resource: {} };
    const ignored = await post(host.url('/hooks/azure-devops'), JSON.stringify(comment), azureDevOpsHeaders());
    expect((await vigil('trace', 'sub-1:ignored-1')).stdout).toContain(`webhook ignored (202, nothing enqueued): ${ignored.body.ignored}`);
  });
});

describe('vigil trace on a delivery refused after it proved its sender', () => {
  it('shows the status and the reason the sender was given, and nothing enqueued', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', before: 'a', after: 'b' });
    const refused = await post(host.url('/hooks/github'), body, githubHeaders('push', body, { delivery: 'refused-delivery-1' }));
    expect(refused.status).toBe(422);
    const trace = await traceJson('refused-delivery-1');
    expect(trace).toEqual({
      deliveryId: 'refused-delivery-1',
      webhook: expect.objectContaining({ source: 'github', type: 'push', outcome: 'refused', status: 422, queues: [] }),
    });
    expect(trace.webhook?.reason).toBe(refused.body.message);
    expect((await vigil('trace', 'refused-delivery-1')).stdout).toContain(`webhook refused 422: ${refused.body.message}`);
  });

  it('keeps nothing of a request that did not prove its sender', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/main', before: 'a', after: 'b' });
    const headers = githubHeaders('push', body, { delivery: 'unauthenticated-1', secret: 'not-the-secret' });
    expect((await post(host.url('/hooks/github'), body, headers)).status).toBe(401);
    expect((await vigil('trace', 'unauthenticated-1')).code).toBe(1);
  });
});

describe('vigil trace on an id it does not know', () => {
  it('exits 1 and says what delivery ids look like and where to find them', async () => {
    const run = await vigil('trace', 'no-such-delivery');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("no delivery or event 'no-such-delivery' is recorded");
    expect(run.stderr).toContain('X-GitHub-Delivery');
    expect(run.stderr).toContain('X-Gitlab-Event-UUID');
    expect(run.stderr).toContain('vigil status');
  });
});
