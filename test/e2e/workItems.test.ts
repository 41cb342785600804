import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Risk } from '../../shared/risks/risk';
import { queuesSettled } from '../support/alertReceiver';
import { connectionDataRoutes, type LoopbackIdentity, person } from '../support/azureDevOps/identities';
import { ServiceConnectionRoutes } from '../support/azureDevOps/serviceConnectionRoutes';
import { WorkItemRoutes, type WorkItemSnapshot } from '../support/azureDevOps/workItemRoutes';
import { WorkItemServiceHooks } from '../support/azureDevOps/workItemServiceHooks';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { recordedRequestText } from '../support/recordedRequests';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * Risks and work items end to end: the local host, a loopback Azure DevOps with builds and Azure
 * Boards, and its service-hook emitter posting every work item change back to the host's webhook
 * as Azure DevOps would, Vigil's own changes included. A build leaks a secret → exactly one work
 * item; redelivery and a second build with the same secret → still one; a person closes it → the
 * risk is resolved with the reason; Vigil's own echo → nothing; the secret leaks again → the risk
 * reopens and the work item moves back with one comment. Nothing anywhere holds the secret.
 */
const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'build.complete.json'), 'utf8');
const project = '33dd33dd-ee44-ff55-aa66-77bb77bb77bb';
const leaked = new SecretFactory(11).gitHubToken();
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const vigil: LoopbackIdentity = { id: 'dddddddd-0000-4000-8000-0000000e2e01', displayName: 'Vigil', uniqueName: 'vigil@fabrikam.example' };
const dana = person('Dana Reviewer');

let devops: AzureDevOpsServer;
let boards: WorkItemRoutes;
let hooks: WorkItemServiceHooks;
let host: TestHost;

const logWith = (line: number) =>
  `2026-11-20T10:00:01.0000000Z ##[section]Starting: Publish\n${'x\n'.repeat(line - 2)}2026-11-20T10:00:02.0000000Z export GITHUB_TOKEN=${leaked}\n`;

/** The recorded build.complete sample, for another build. */
function buildCompleted(buildId: number): string {
  return fixture.replaceAll('2727068', String(buildId)).replace('"a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1"', `"${randomUUID()}"`);
}

/** Until the queues are drained and every service hook the changes caused has been delivered and handled. */
async function settle(): Promise<void> {
  for (let round = 0; round < 20; round++) {
    const delivered = hooks.deliveries.length;
    await hooks.settled();
    await queuesSettled(host);
    await hooks.settled();
    if (hooks.deliveries.length === delivered) return;
  }
  throw new Error('work item changes kept causing service hooks');
}

async function theRisk(): Promise<Risk> {
  const risks = await host.services.stores.risks.list({ organization: 'fabrikamfiber' });
  expect(risks).toHaveLength(1);
  return risks[0];
}

function theWorkItem(): WorkItemSnapshot {
  const items = boards.workItems();
  expect(items).toHaveLength(1);
  return items[0];
}

beforeAll(async () => {
  boards = new WorkItemRoutes({ projects: [{ name: 'FabrikamFiberChat', id: project, process: 'Agile' }], identity: vigil });
  devops = await startAzureDevOpsServer({
    organization: 'fabrikamfiber',
    pat,
    projects: [{ id: project, name: 'FabrikamFiberChat' }],
    extensions: [connectionDataRoutes(vigil), boards, new ServiceConnectionRoutes()],
    builds: [{ id: 2727068, project, logs: [{ id: 2, content: logWith(2) }] }],
  });
  host = await startTestHost({ env: { VIGIL_SECRET_ADO_PAT_FABRIKAMFIBER: pat } });
  await host.services.stores.organizations.add('fabrikamfiber', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikamfiber' } },
    workItems: { enabled: true, workItemType: 'Issue', stateMapping: {} },
  });
  hooks = new WorkItemServiceHooks(boards, {
    orgUrl: devops.url,
    target: { url: host.url('/hooks/azure-devops'), secret: testHookSecrets.VIGIL_HOOK_SECRET_AZURE_DEVOPS },
    automatic: true,
  });
});

afterAll(async () => {
  hooks?.stop();
  await host?.dispose();
  await devops?.close();
});

describe('a leaked secret and its work item', () => {
  it('files exactly one work item with the right fields, tags, state and link when a build leaks a secret', async () => {
    expect((await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders())).status).toBe(202);
    await settle();
    const risk = await theRisk();
    const item = theWorkItem();
    const link = await host.services.stores.workItemLinks.get(
      'fabrikamfiber',
      (await host.services.stores.workItemLinks.list('fabrikamfiber'))[0].id,
    );
    expect(link).toMatchObject({ status: 'linked', workItemId: item.id, subject: { kind: 'risk', riskId: risk.id } });
    expect(item).toMatchObject({ project: 'FabrikamFiberChat', type: 'Issue', state: 'Active', changedBy: 'Vigil' });
    expect(item.title).toMatch(/^Leaked secret: GitHub .* in /);
    expect(item.tags).toEqual(expect.arrayContaining(['vigil', link!.marker, `severity-${risk.severity}`, risk.ruleId]));
    expect(item.fields['Microsoft.VSTS.Common.Priority']).toBeDefined();
    expect(String(item.fields['System.Description'])).toContain(risk.evidence.redacted);
    expect(item.relations).toEqual([expect.objectContaining({ rel: 'Hyperlink' })]);
  });

  it('still has one work item after the same delivery again and a second build with the same secret', async () => {
    const again = await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders());
    expect(again.body).toMatchObject({ duplicate: true });
    devops.addBuild({ id: 2727069, project, logs: [{ id: 2, content: logWith(3) }] });
    expect((await post(host.url('/hooks/azure-devops'), buildCompleted(2727069), azureDevOpsHeaders())).status).toBe(202);
    await settle();
    expect((await theRisk()).occurrences).toBe(2);
    expect(theWorkItem().rev).toBe(1);
  });

  it('resolves the risk with the reason when a person closes the work item', async () => {
    const id = theWorkItem().id;
    boards.as(dana).setFields(id, { 'System.State': 'Closed' });
    await settle();
    const risk = await theRisk();
    expect(risk).toMatchObject({
      status: 'resolved',
      resolution: `closed in work item #${id} by Dana Reviewer (state Closed)`,
      triage: { source: 'work-item', by: 'Dana Reviewer' },
    });
    // Vigil wrote nothing back: the work item is as Dana left it.
    expect(theWorkItem()).toMatchObject({ state: 'Closed', changedBy: 'Dana Reviewer' });
  });

  it('reopens the risk and moves the work item back with one comment when the secret leaks again; its own echo changes nothing', async () => {
    devops.addBuild({ id: 2727070, project, logs: [{ id: 2, content: logWith(4) }] });
    const deliveredBefore = hooks.deliveries.length;
    expect((await post(host.url('/hooks/azure-devops'), buildCompleted(2727070), azureDevOpsHeaders())).status).toBe(202);
    await settle();
    const risk = await theRisk();
    expect(risk).toMatchObject({ status: 'open', occurrences: 3, triage: { status: 'open', source: 'scan' } });
    const item = theWorkItem();
    expect(item).toMatchObject({ state: 'Active', changedBy: 'Vigil' });
    expect(item.comments.filter((c) => c.by === 'Vigil').map((c) => c.text)).toEqual([
      expect.stringMatching(/^Vigil reopened this risk: seen again: .*line 4/),
    ]);
    // Vigil's move was echoed back by the service hook, answered, and changed nothing.
    const echoes = hooks.deliveries.slice(deliveredBefore);
    expect(echoes.map((d) => [d.eventType, d.status, (d.payload.resource as { revisedBy: { id: string } }).revisedBy.id])).toEqual([
      ['workitem.updated', 202, vigil.id],
    ]);
    expect(theWorkItem().rev).toBe(item.rev);
    expect((await theRisk()).status).toBe('open');
    const link = (await host.services.stores.workItemLinks.list('fabrikamfiber'))[0];
    expect(link).toMatchObject({ rev: item.rev, syncedStatus: 'open', category: 'InProgress' });
  });

  it('never sent, stored, queued or logged the secret or the PAT', async () => {
    const everything = [
      recordedRequestText(devops.calls),
      ...hooks.deliveries.map((d) => JSON.stringify(d.payload)),
      JSON.stringify(boards.workItems()),
      JSON.stringify(await host.services.stores.risks.list()),
      JSON.stringify(await host.services.stores.workItemLinks.list()),
      ...host.logLines,
    ].join('\n');
    // What was looked through holds the work item and its requests (their marker tag), just not the secret.
    expect(everything).toContain('vigil-risk-');
    expect(everything).not.toContain(leaked);
    expect(everything).not.toContain(pat);
  });
});
