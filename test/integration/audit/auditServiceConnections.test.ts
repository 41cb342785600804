import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import type { UseCaseContext } from '../../../shared/app/useCase';
import { auditEndpointEvent, auditProjectIfDue } from '../../../shared/audit/auditServiceConnections';
import { loadConfig } from '../../../shared/config';
import { type AzureDevOpsConnection, connectAzureDevOps } from '../../../shared/devops/azureDevOpsConnection';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import type { Risk } from '../../../shared/risks/risk';
import { narrowed } from '../../../shared/store/port';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import {
  approvalCheck,
  azureRmEndpoint,
  classicAzureEndpoint,
  genericEndpoint,
  type LoopbackServiceConnection,
  ServiceConnectionRoutes,
} from '../../support/azureDevOps/serviceConnectionRoutes';
import { type AzureDevOpsServer, projectIdFor, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { ManualClock } from '../../support/manualClock';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * The service connection audit through the real azure-devops-node-api client against the
 * loopback Azure DevOps, with the embedded store and queue: what an endpoint event and a
 * project audit record, announce and call, and what they never keep.
 */
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const secrets = new SecretFactory(47);
const clientSecret = secrets.entraClientSecret();
const password = secrets.password();
const webId = projectIdFor('web');
const deployId = 'a1b2c3d4-0000-4000-8000-00000000000d';
const minute = 60_000;
const day = 86_400_000;

let clock: ManualClock;
let services: AppServices;
let dataDir: string;
let ado: AzureDevOpsServer;
let routes: ServiceConnectionRoutes;
let logLines: string[];
let context: UseCaseContext;
const clients: AzureDevOpsConnection[] = [];

const daysAgo = (days: number) => new Date(clock.now() - days * day).toISOString();

/** A subscription-wide Azure connection with a client secret, one pipeline, used yesterday: three checks fail. */
function secretDeploy(): LoopbackServiceConnection {
  return {
    endpoint: azureRmEndpoint({
      id: deployId,
      name: 'web-deploy',
      scheme: 'ServicePrincipal',
      authenticationType: 'spnKey',
      scopeLevel: 'Subscription',
      secret: clientSecret,
    }),
    allPipelines: false,
    pipelines: [12],
    executions: [{ finishTime: daysAgo(1) }],
  };
}

function endpointEvent(type = 'ms.vss-endpoint.endpoint-updated', endpointId = deployId): EventEnvelope {
  return {
    id: `5f1e6a2c-sub:${randomBytes(8).toString('hex')}`,
    source: 'azure-devops',
    type,
    organization: 'contoso',
    project: webId, // endpoint events name the project by id
    subject: { endpointId },
    receivedAt: new Date(clock.now()).toISOString(),
  };
}

function buildEvent(): EventEnvelope {
  return {
    id: `7a7a-sub:${randomBytes(8).toString('hex')}`,
    source: 'azure-devops',
    type: 'build.complete',
    organization: 'contoso',
    project: 'web',
    subject: { buildId: 391 },
    receivedAt: new Date(clock.now()).toISOString(),
  };
}

/** The risk events sent since the last call (drained from the alerts queue, which every risk event reaches). */
async function announced(): Promise<EventEnvelope[]> {
  const messages = await services.queue.receive('alerts', { maxMessages: 100, lockDurationMs: 60_000 });
  for (const message of messages) await services.queue.complete(message);
  return messages.map((m) => m.body as EventEnvelope);
}

async function storedRisks(): Promise<Risk[]> {
  return await services.stores.risks.list({ organization: 'contoso' });
}

async function client(): Promise<AzureDevOpsConnection> {
  const settings = await services.stores.organizations.get('contoso');
  const opened = await connectAzureDevOps(settings, { vault: services.vault, clock, options: { verify: false } });
  clients.push(opened);
  return opened;
}

beforeEach(async () => {
  clock = new ManualClock();
  logLines = [];
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-audit-'));
  routes = new ServiceConnectionRoutes([secretDeploy()]);
  ado = await startAzureDevOpsServer({ organization: 'contoso', pat, projects: [{ id: webId, name: 'web' }], extensions: [routes] });
  const logger = createLogger({ level: 'debug', sink: { write: (line) => void logLines.push(line) } });
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), {
    clock,
    logger,
    vault: createEnvironmentVault({ VIGIL_SECRET_ADO_PAT_CONTOSO: pat }),
  });
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: ado.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
  });
  context = { services, logger, functionName: 'build-scan' };
});

afterEach(async () => {
  for (const opened of clients.splice(0)) opened.close();
  await services.close();
  await ado.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('an endpoint event', () => {
  it('audits that connection and records its risks, with no credential anywhere Vigil writes', async () => {
    const record = await auditEndpointEvent(endpointEvent(), context);

    expect(record).toMatchObject({
      id: `audit:${webId}:${deployId}`,
      organization: 'contoso',
      kind: 'audit',
      project: webId,
      endpointId: deployId,
      status: 'completed',
      endpointsAudited: 1,
      checksFailed: 3,
      checksUnevaluated: 0,
      risksOpened: 3,
      apiCalls: 4,
      pendingAnnouncements: [],
    });
    const risks = await storedRisks();
    expect(risks.map((r) => [r.ruleId, r.severity]).sort()).toEqual([
      ['service-connection/client-secret', 'high'],
      ['service-connection/no-approval-or-branch-control', 'high'],
      ['service-connection/subscription-wide-scope', 'high'],
    ]);
    const secretRisk = risks.find((r) => r.ruleId === 'service-connection/client-secret')!;
    expect(secretRisk).toMatchObject({
      kind: 'service-connection',
      status: 'open',
      occurrences: 1,
      asset: { id: `service-connection:${deployId}`, name: 'web-deploy', type: 'service-connection' },
      evidence: {
        location: 'endpoint web-deploy · authorization.parameters.authenticationType',
        redacted: 'authorization.scheme = ServicePrincipal, authorization.parameters.authenticationType = spnKey',
      },
      recentSightings: [`audit:${deployId}:client-secret:${secretRisk.fingerprint}`],
    });
    expect(secretRisk.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(secretRisk.remediation).toMatch(/workload identity federation/);

    const sent = await announced();
    expect(sent.map((e) => [e.type, e.subject.transition])).toEqual([
      ['risk.opened', 'opened'],
      ['risk.opened', 'opened'],
      ['risk.opened', 'opened'],
    ]);

    // One call per thing read: the endpoint, its permissions, its newest use, its checks (it reaches a whole subscription).
    expect(ado.callsTo(`/_apis/serviceendpoint/endpoints/${deployId}`, 'GET')).toHaveLength(1);
    expect(ado.callsTo(`/_apis/pipelines/pipelinePermissions/endpoint/${deployId}`)).toHaveLength(1);
    expect(ado.callsTo(`/_apis/serviceendpoint/${deployId}/executionhistory`)).toEqual([
      expect.objectContaining({ query: expect.objectContaining({ top: '1' }) }),
    ]);
    expect(ado.callsTo('/_apis/pipelines/checks/configurations')).toEqual([
      expect.objectContaining({ query: expect.objectContaining({ resourceType: 'endpoint', resourceId: deployId, $expand: 'settings' }) }),
    ]);

    const asset = await services.stores.assets.read(`service-connection:${deployId}`, 'contoso');
    expect(asset).toMatchObject({
      type: 'service-connection',
      name: 'web-deploy',
      connectionType: 'AzureRM',
      failedChecks: ['client-secret', 'subscription-wide-scope', 'no-approval-or-branch-control'],
    });

    const everything = [
      JSON.stringify(await storedRisks()),
      JSON.stringify((await services.stores.scans.query({})).items),
      JSON.stringify((await services.stores.assets.query({})).items),
      JSON.stringify(sent),
      ...logLines,
    ].join('\n');
    expect(everything).not.toContain(clientSecret);
    expect(everything).not.toContain('serviceprincipalkey');
    expect(everything).not.toContain(pat);
  });

  it('opens nothing and announces nothing when the unchanged connection is audited again', async () => {
    await auditEndpointEvent(endpointEvent(), context);
    await announced();
    clock.advance(10 * minute);

    const again = await auditEndpointEvent(endpointEvent(), context);

    expect(again).toMatchObject({ checksFailed: 3, risksOpened: 0, risksReopened: 0, status: 'completed' });
    expect(await announced()).toEqual([]);
    expect((await storedRisks()).map((r) => r.occurrences)).toEqual([1, 1, 1]);
  });

  it('resolves the client-secret risk when the secret is replaced by workload identity, and opens exactly the new risk when it is opened to all pipelines', async () => {
    await auditEndpointEvent(endpointEvent(), context);
    await announced();
    const secretRisk = (await storedRisks()).find((r) => r.ruleId === 'service-connection/client-secret')!;

    routes.update(deployId, (c) => {
      c.endpoint = azureRmEndpoint({ id: deployId, name: 'web-deploy', scheme: 'WorkloadIdentityFederation', scopeLevel: 'Subscription' });
    });
    clock.advance(minute);
    const fixed = await auditEndpointEvent(endpointEvent(), context);
    expect(fixed).toMatchObject({ checksFailed: 2, risksOpened: 0, risksResolved: 1 });
    expect(fixed.endpoints[0].failed).not.toContain('client-secret');
    expect(await services.stores.risks.get('contoso', secretRisk.id)).toMatchObject({
      status: 'resolved',
      resolvedAt: new Date(clock.now()).toISOString(),
      resolution: 'the check passes',
    });
    // A change, not a new risk: work-item sync hears of it, the alert channels do not.
    const resolution = await announced();
    expect(resolution.map((e) => [e.type, e.subject.riskId, e.subject.transition])).toEqual([['risk.changed', secretRisk.id, 'resolved']]);
    const again = await auditEndpointEvent(endpointEvent(), context);
    expect(again).toMatchObject({ risksResolved: 0 });
    expect(await announced()).toEqual([]);

    routes.update(deployId, (c) => {
      c.allPipelines = true;
    });
    const opened = await auditEndpointEvent(endpointEvent(), context);
    expect(opened).toMatchObject({ checksFailed: 3, risksOpened: 1 });
    const risk = (await storedRisks()).find((r) => r.ruleId === 'service-connection/open-to-all-pipelines');
    expect(risk).toMatchObject({
      severity: 'critical',
      evidence: { redacted: 'allPipelines.authorized = true (subscription-wide Azure scope)' },
    });
    const sent = await announced();
    expect(sent).toHaveLength(1);
    expect(sent[0].subject).toMatchObject({ riskId: risk!.id, transition: 'opened' });
  });

  it('reopens a resolved risk whose failure is still there, and announces it once', async () => {
    await auditEndpointEvent(endpointEvent(), context);
    await announced();
    const risk = (await storedRisks()).find((r) => r.ruleId === 'service-connection/client-secret')!;
    clock.advance(day);
    await services.stores.risks.resolve('contoso', risk.id, 'resolved by hand for this test');

    const audited = await auditEndpointEvent(endpointEvent(), context);
    const again = await auditEndpointEvent(endpointEvent(), context);

    expect(audited).toMatchObject({ risksReopened: 1, risksOpened: 0 });
    expect(again).toMatchObject({ risksReopened: 0, risksOpened: 0 });
    expect(await services.stores.risks.get('contoso', risk.id)).toMatchObject({ status: 'open', occurrences: 2 });
    expect((await announced()).map((e) => e.subject.transition)).toEqual(['reopened']);
  });

  it('does not call a connection created minutes ago inactive, though it has never run', async () => {
    routes.set({
      ...secretDeploy(),
      endpoint: genericEndpoint({ id: 'e-new', name: 'artifacts', url: 'https://artifacts.contoso.com', scheme: 'Token' }),
      executions: [],
    });
    const created = await auditEndpointEvent(endpointEvent('ms.vss-endpoint.endpoint-created', 'e-new'), context);
    expect(created.endpoints[0]).toMatchObject({ id: 'e-new', failed: [] });

    // A day later the project audit has no event to go by: the asset remembers when it was created.
    clock.advance(day);
    const record = await auditProjectIfDue(buildEvent(), context, await client());
    expect(record?.endpoints.find((e) => e.id === 'e-new')).toMatchObject({ failed: [] });
  });

  it('keeps a risk open when its check cannot be evaluated any more (a refused permission proves nothing)', async () => {
    routes.update(deployId, (c) => {
      c.allPipelines = true;
    });
    await auditEndpointEvent(endpointEvent(), context);
    const openToAll = (await storedRisks()).find((r) => r.ruleId === 'service-connection/open-to-all-pipelines')!;
    routes.update(deployId, (c) => {
      c.refuse = { pipelinePermissions: 403 };
    });

    const record = await auditEndpointEvent(endpointEvent(), context);

    expect(record).toMatchObject({ risksResolved: 0 });
    expect(await services.stores.risks.get('contoso', openToAll.id)).toMatchObject({ status: 'open' });
  });

  it('resolves the old risk and opens a new one when a failing setting changes value', async () => {
    await auditEndpointEvent(endpointEvent(), context);
    const subscriptionWide = (await storedRisks()).find((r) => r.ruleId.includes('scope'))!;
    routes.update(deployId, (c) => {
      c.endpoint = azureRmEndpoint({
        id: deployId,
        name: 'web-deploy',
        scheme: 'ServicePrincipal',
        authenticationType: 'spnKey',
        scopeLevel: 'ManagementGroup',
        secret: clientSecret,
      });
    });

    const record = await auditEndpointEvent(endpointEvent(), context);

    // Every failure whose values name the scope is a new risk replacing its old one.
    expect(record.risksOpened).toBeGreaterThanOrEqual(1);
    expect(record.risksResolved).toBe(record.risksOpened);
    expect(await services.stores.risks.get('contoso', subscriptionWide.id)).toMatchObject({
      status: 'resolved',
      resolution: 'the connection changed',
    });
    expect((await storedRisks()).filter((r) => r.status === 'open')).toHaveLength(record.checksFailed);
  });

  it('still audits what it may read when the identity may not read pipeline permissions', async () => {
    routes.update(deployId, (c) => {
      c.refuse = { pipelinePermissions: 403 };
    });
    const record = await auditEndpointEvent(endpointEvent(), context);
    expect(record).toMatchObject({ status: 'completed', checksFailed: 2, checksUnevaluated: 2 });
    expect(record.endpoints[0].unevaluated).toEqual(['open-to-all-pipelines', 'no-approval-or-branch-control']);
  });

  it('is a permanent error for a connection that no longer exists', async () => {
    await expect(auditEndpointEvent(endpointEvent('ms.vss-endpoint.endpoint-updated', 'e-gone'), context)).rejects.toMatchObject({
      kind: 'permanent',
    });
  });
});

describe('the project audit after a build', () => {
  beforeEach(() => {
    routes.set({
      endpoint: genericEndpoint({ id: 'e-jenkins', name: 'jenkins', url: 'http://jenkins.contoso.internal:8080', secret: password }),
      allPipelines: true,
      executions: [{ finishTime: daysAgo(3) }],
    });
    routes.set({
      endpoint: classicAzureEndpoint({ id: 'e-asm', name: 'asm-legacy', projects: ['web', 'billing'] }),
      pipelines: [],
      executions: [{ finishTime: daysAgo(400) }],
    });
    routes.set({
      endpoint: azureRmEndpoint({
        id: 'e-prod',
        name: 'web-prod',
        scheme: 'WorkloadIdentityFederation',
        scopeLevel: 'Subscription',
        scope: '/subscriptions/1272a66f-e2e8-4e88-ab43-487409186c3f/resourcegroups/rg-web-prod',
      }),
      pipelines: [12],
      executions: [{ finishTime: daysAgo(2) }],
      checks: [approvalCheck('e-prod')],
    });
    routes.set({ endpoint: genericEndpoint({ id: 'e-other', name: 'other-project-feed', scheme: 'Token', projects: ['billing'] }) });
  });

  it("audits every connection of the build's project, then skips within the hour and audits again after it", async () => {
    const open = await client();
    const first = await auditProjectIfDue(buildEvent(), context, open);

    expect(first).toMatchObject({
      id: 'audit:web:all',
      status: 'completed',
      trigger: 'build.complete',
      endpointsAudited: 4,
      risksOpened: first!.checksFailed,
    });
    expect(Object.fromEntries(first!.endpoints.map((e) => [e.name, e.failed]))).toEqual({
      'web-deploy': ['client-secret', 'subscription-wide-scope', 'no-approval-or-branch-control'],
      jenkins: ['open-to-all-pipelines', 'insecure-auth-scheme'],
      'asm-legacy': ['classic-azure', 'shared-across-projects', 'inactive'],
      'web-prod': [],
    });
    expect((await storedRisks()).find((r) => r.ruleId === 'service-connection/insecure-auth-scheme')).toMatchObject({
      severity: 'high',
      evidence: { location: 'endpoint jenkins · url', redacted: 'authorization.scheme = UsernamePassword, url scheme = http' },
    });
    expect(await announced()).toHaveLength(8);
    // The list once, then permissions and newest use of each connection, and checks of the two that reach production.
    const auditCalls = () =>
      ado.calls.filter((c) => /serviceendpoint|pipelinePermissions|checks\/configurations/i.test(c.path) && c.method === 'GET').length;
    expect(first!.apiCalls).toBe(1 + 4 * 2 + 2);
    expect(auditCalls()).toBe(first!.apiCalls);

    clock.advance(59 * minute);
    expect(await auditProjectIfDue(buildEvent(), context, open)).toBeUndefined();
    expect(auditCalls()).toBe(first!.apiCalls);

    clock.advance(minute);
    const second = await auditProjectIfDue(buildEvent(), context, open);
    expect(second).toMatchObject({ endpointsAudited: 4, checksFailed: first!.checksFailed, risksOpened: 0 });
    expect(await announced()).toEqual([]);
    expect(auditCalls()).toBe(2 * first!.apiCalls);
  });

  it('lets one of two builds finishing together audit the project', async () => {
    const [a, b] = await Promise.all([
      auditProjectIfDue(buildEvent(), context, await client()),
      auditProjectIfDue(buildEvent(), context, await client()),
    ]);
    expect([a, b].filter((r) => r !== undefined)).toHaveLength(1);
    expect(ado.callsTo('/_apis/serviceendpoint/endpoints', 'GET').filter((c) => c.path.endsWith('/endpoints'))).toHaveLength(1);
  });

  it('announces, on its next run, the risks a crashed audit recorded but did not send', async () => {
    const sends = services.queue.send.bind(services.queue);
    services.queue.send = async () => {
      throw new Error('Service Bus unavailable');
    };
    await expect(auditProjectIfDue(buildEvent(), context, await client())).rejects.toThrow('Service Bus unavailable');
    services.queue.send = sends;
    const failed = narrowed(await services.stores.scans.read('audit:web:all', 'contoso'), 'kind', 'audit');
    expect(failed).toMatchObject({ status: 'failed', error: 'Service Bus unavailable' });
    expect(failed!.pendingAnnouncements).toHaveLength(8);

    const retried = await auditProjectIfDue(buildEvent(), context, await client());
    expect(retried).toMatchObject({ status: 'completed', risksOpened: 0, pendingAnnouncements: [] });
    expect((await announced()).map((e) => e.subject.transition)).toEqual(Array(8).fill('opened'));
  });

  it('leaves a project with no connections audited and quiet', async () => {
    const record = await auditProjectIfDue({ ...buildEvent(), project: 'empty' }, context, await client());
    expect(record).toMatchObject({ endpointsAudited: 0, checksFailed: 0, apiCalls: 1 });
    expect(await announced()).toEqual([]);
  });
});
