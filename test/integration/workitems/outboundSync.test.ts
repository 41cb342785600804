import { afterEach, describe, expect, it } from 'vitest';
import type { RiskSighting } from '../../../shared/risks/riskStore';
import { triageRisk } from '../../../shared/risks/triageRisk';
import { person } from '../../support/azureDevOps/identities';
import { recordedBodies } from '../../support/recordedRequests';
import { startWorkItemHarness, type WorkItemHarness } from '../../support/workItemHarness';

/**
 * Risks become work items, with the real azure-devops-node-api transport against the loopback
 * Azure Boards: one create per risk with the type's own fields, Vigil's tags and a link to the
 * evidence; a sighting changes nothing until a transition or an occurrence mark; changes test
 * /rev, keep people's tags, and are retried over a person's concurrent edit.
 */
const dana = person('Dana Reviewer');
let harness: WorkItemHarness;

afterEach(async () => {
  await harness?.close();
});

function sighting(sightingId: string, overrides: Partial<RiskSighting> = {}): RiskSighting {
  return {
    organization: 'contoso',
    kind: 'leaked-secret',
    ruleId: 'github-pat',
    title: 'GitHub personal access token',
    severity: 'high',
    asset: { id: 'pipeline:Web:12', name: 'web-ci', type: 'pipeline' },
    project: 'Web',
    fingerprint: 'fp-1',
    verified: true,
    evidence: {
      location: `build 7 / log 2 line ${sightingId.length}`,
      redacted: 'ghp_****3kT9',
      url: 'https://dev.azure.com/contoso/Web/_build/results?buildId=7&view=logs',
    },
    remediation: 'Revoke the token at github.com/settings/tokens and use a secret variable.',
    sightingId,
    ...overrides,
  };
}

describe('a new risk', () => {
  it('gets one work item with a title naming the kind and asset, its fields by the type, Vigil tags and a Hyperlink to the evidence', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('build:7:log:2:line:40'));
    const outcome = await harness.push(risk);
    expect(outcome).toMatchObject({ action: 'created', workItemId: expect.any(Number) });
    const [item] = harness.boards.workItems();
    expect(harness.boards.workItems()).toHaveLength(1);
    const link = await harness.link(risk);
    expect(link).toMatchObject({
      status: 'linked',
      workItemId: item.id,
      project: 'Web',
      syncedStatus: 'open',
      rev: 1,
      category: 'Proposed',
    });
    expect(item).toMatchObject({
      project: 'Web',
      type: 'Bug',
      state: 'New',
      title: 'Leaked secret: GitHub personal access token in web-ci',
    });
    expect(item.tags.sort()).toEqual(['github-pat', link!.marker, 'severity-high', 'vigil', 'web-ci'].sort());
    expect(link!.marker).toMatch(/^vigil-risk-[0-9a-f]{16}$/);
    expect(item.fields['Microsoft.VSTS.Common.Priority']).toBe(2);
    expect(item.fields['Microsoft.VSTS.Common.Severity']).toBe('2 - High');
    const description = String(item.fields['System.Description']);
    expect(item.fields['Microsoft.VSTS.TCM.ReproSteps']).toBe(description);
    expect(description).toContain('<code>ghp_****3kT9</code>');
    expect(description).toContain(risk.id);
    expect(description).toContain('Revoke the token');
    expect(description).toContain('<a href="https://dev.azure.com/contoso/Web/_build/results?buildId=7&amp;view=logs">');
    expect(item.relations).toEqual([
      expect.objectContaining({ rel: 'Hyperlink', url: 'https://dev.azure.com/contoso/Web/_build/results?buildId=7&view=logs' }),
    ]);
    // One create, plus the type's states and fields read once.
    expect(harness.witCalls().map((c) => `${c.method} ${c.path.replace(/^\/contoso/, '')}`)).toEqual(
      expect.arrayContaining([
        'POST /Web/_apis/wit/workitems/$Bug',
        'GET /Web/_apis/wit/workitemtypes/Bug/states',
        'GET /Web/_apis/wit/workitemtypes/Bug/fields',
      ]),
    );
    expect(harness.witCalls()).toHaveLength(3);
  });

  it('makes no second work item when the same event is handled again, and reads nothing when nothing changed', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    await harness.push(risk, { eventId: 'risk:x:opened:a' });
    harness.resetCalls();
    expect(await harness.push(risk, { eventId: 'risk:x:opened:a' })).toMatchObject({ action: 'unchanged' });
    expect(harness.boards.workItems()).toHaveLength(1);
    expect(harness.witCalls()).toEqual([]);
  });

  it('gets no work item below the minimum severity, when the sync is off, or when it is not open', async () => {
    harness = await startWorkItemHarness({ workItems: { minimumSeverity: 'critical' } });
    const { risk } = await harness.see(sighting('a'));
    expect(await harness.push(risk)).toMatchObject({ action: 'skipped', why: expect.stringMatching(/below the minimum/) });
    await harness.services.stores.organizations.update('contoso', (o) => ({
      ...o,
      workItems: { ...o.workItems, minimumSeverity: 'low', enabled: false },
    }));
    expect(await harness.push(risk)).toMatchObject({ skipped: expect.stringMatching(/work-item sync is off/) });
    await harness.services.stores.organizations.update('contoso', (o) => ({ ...o, workItems: { ...o.workItems, enabled: true } }));
    await harness.services.stores.risks.triage('contoso', risk.id, {
      status: 'false-positive',
      reason: 'fixture',
      by: 'Dana',
      source: 'cli',
    });
    expect(await harness.push((await harness.services.stores.risks.get('contoso', risk.id))!)).toMatchObject({
      action: 'skipped',
      why: expect.stringMatching(/only open risks/),
    });
    expect(harness.boards.workItems()).toHaveLength(0);
  });

  it('files in one security project and routes area and iteration by repository pattern', async () => {
    harness = await startWorkItemHarness({
      projects: [
        { name: 'Web', process: 'Agile' },
        {
          name: 'Security',
          process: 'Agile',
          areaPaths: ['Security\\Leaks', 'Security\\Payments'],
          iterationPaths: ['Security\\Sprint 9'],
        },
      ],
      workItems: {
        project: 'Security',
        areaPath: 'Security\\Leaks',
        routes: [{ repository: 'pay*', areaPath: 'Security\\Payments', iterationPath: 'Security\\Sprint 9' }],
      },
    });
    const plain = await harness.see(sighting('a', { asset: { id: 'repository:1', name: 'Web/frontend', type: 'repository' } }));
    const payments = await harness.see(sighting('b', { asset: { id: 'repository:2', name: 'Web/payments-api', type: 'repository' } }));
    await harness.push(plain.risk);
    await harness.push(payments.risk);
    const byTitle = new Map(harness.boards.workItems().map((w) => [w.title, w]));
    expect(byTitle.get('Leaked secret: GitHub personal access token in Web/frontend')?.fields).toMatchObject({
      'System.TeamProject': 'Security',
      'System.AreaPath': 'Security\\Leaks',
    });
    expect(byTitle.get('Leaked secret: GitHub personal access token in Web/payments-api')?.fields).toMatchObject({
      'System.AreaPath': 'Security\\Payments',
      'System.IterationPath': 'Security\\Sprint 9',
    });
  });

  it('groups the risks of one rule in one repository into one work item, open while any is open', async () => {
    harness = await startWorkItemHarness({ workItems: { grouping: 'repository-rule' } });
    const asset = { id: 'repository:9', name: 'Web/api', type: 'repository' as const };
    const first = await harness.see(sighting('a', { asset, fingerprint: 'fp-1' }));
    await harness.push(first.risk);
    const second = await harness.see(
      sighting('b', { asset, fingerprint: 'fp-2', evidence: { location: 'src/b.ts:3', redacted: 'ghp_****zzzz' } }),
    );
    expect(await harness.push(second.risk)).toMatchObject({ action: 'updated', changes: ['members 1 → 2'] });
    const [item] = harness.boards.workItems();
    expect(harness.boards.workItems()).toHaveLength(1);
    expect(item.title).toBe('Leaked secrets (github-pat) in Web/api');
    expect(String(item.fields['System.Description'])).toContain('ghp_****zzzz');
    // Closed in Azure Boards: every open member is resolved; one resolved by Vigil reopens only itself.
    harness.boards.as(dana).setFields(item.id, { 'System.State': 'Closed' });
    expect(await harness.pull(item.id)).toMatchObject({ action: 'pulled', status: 'resolved', risks: 2 });
    expect((await harness.services.stores.risks.list({ organization: 'contoso' })).map((r) => r.status)).toEqual(['resolved', 'resolved']);
  });
});

describe('a risk seen again', () => {
  it('changes nothing in the work item, and no call is made, until the occurrences cross 10', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('s1'));
    await harness.push(risk);
    const created = harness.boards.workItems()[0];
    harness.resetCalls();
    let latest = risk;
    for (let n = 2; n <= 9; n++) {
      latest = (await harness.see(sighting(`s${n}`))).risk;
      expect(await harness.push(latest)).toMatchObject({ action: 'unchanged' });
    }
    expect(harness.witCalls()).toEqual([]);
    latest = (await harness.see(sighting('s10'))).risk;
    expect(await harness.push(latest)).toMatchObject({ action: 'updated', changes: ['seen 10 times'] });
    const after = harness.boards.workItem(created.id);
    expect(after.rev).toBe(2);
    expect(after.comments.map((c) => c.text)).toEqual([expect.stringMatching(/^Vigil: seen 10 times now; latest at /)]);
    expect(String(after.fields['System.Description'])).toContain('10 time(s)');
    // One PATCH, tested against the revision the link remembered: no read first.
    expect(harness.witCalls().map((c) => c.method)).toEqual(['PATCH']);
    expect(recordedBodies(harness.witCalls(), { method: 'PATCH' })[0]).toEqual(
      expect.arrayContaining([{ op: 'test', path: '/rev', value: 1 }]),
    );
    latest = (await harness.see(sighting('s11'))).risk;
    expect(await harness.push(latest)).toMatchObject({ action: 'unchanged' });
  });

  it("swaps Vigil's severity tag when the severity changes, keeping a person's tags, and retries when a person edits in between", async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    await harness.push(risk);
    const id = harness.boards.workItems()[0].id;
    // A person adds a tag after Vigil's last write: Vigil's test of /rev fails once, it reads again and writes over the new revision.
    harness.boards.as(dana).addTags(id, ['team-payments']);
    const worse = (await harness.see(sighting('b', { severity: 'critical' }))).risk;
    harness.resetCalls();
    expect(await harness.push(worse)).toMatchObject({ action: 'updated', changes: ['severity high → critical'] });
    const item = harness.boards.workItem(id);
    expect(item.tags).toEqual(expect.arrayContaining(['team-payments', 'severity-critical', 'vigil']));
    expect(item.tags).not.toContain('severity-high');
    expect(item.fields['Microsoft.VSTS.Common.Priority']).toBe(1);
    expect(harness.witCalls().map((c) => c.method)).toEqual(['PATCH', 'GET', 'PATCH']);
    expect(harness.witCalls()[0].status).toBe(412);
  });
});

describe('a risk whose status changes', () => {
  it('moves its work item to a Resolved-category state with a comment saying why when Vigil resolves it', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    await harness.push(risk);
    const resolved = await harness.services.stores.risks.resolve('contoso', risk.id, 'the check passes');
    expect(await harness.push(resolved!)).toMatchObject({ action: 'updated', changes: ['state New → Resolved'] });
    const item = harness.boards.workItems()[0];
    expect(item.state).toBe('Resolved');
    expect(item.comments.map((c) => c.text)).toEqual(['Vigil resolved this risk: the check passes (Vigil).']);
  });

  it('moves it back to a Proposed-category state with one comment when the risk reopens', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    await harness.push(risk);
    await harness.push((await harness.services.stores.risks.resolve('contoso', risk.id, 'the check passes'))!);
    const reopened = await harness.see(sighting('b', { evidence: { location: 'build 9 / log 2 line 4', redacted: 'ghp_****3kT9' } }));
    expect(reopened.transition).toBe('reopened');
    await harness.push(reopened.risk);
    const item = harness.boards.workItems()[0];
    expect(item.state).toBe('New');
    expect(item.comments.map((c) => c.text).at(-1)).toBe('Vigil reopened this risk: seen again: build 9 / log 2 line 4 (Vigil).');
  });

  it('respects a person moving it to Removed: a sighting does not move it back, an operator reopening does', async () => {
    harness = await startWorkItemHarness({ workItems: { workItemType: 'User Story' } });
    const { risk } = await harness.see(sighting('a'));
    await harness.push(risk);
    const id = harness.boards.workItems()[0].id;
    harness.boards.as(dana).setFields(id, { 'System.State': 'Removed', 'System.Reason': 'Removed from the backlog' });
    expect(await harness.pull(id)).toMatchObject({ action: 'pulled', status: 'accepted' });
    const accepted = (await harness.services.stores.risks.get('contoso', risk.id))!;
    expect(accepted).toMatchObject({
      status: 'accepted',
      triage: { source: 'work-item', by: 'Dana Reviewer', reference: `work item #${id}` },
    });
    expect(Date.parse(accepted.triage!.until!) - harness.clock.now()).toBe(90 * 86_400_000);
    // Seen again while accepted: it stays accepted and the work item stays Removed.
    const again = await harness.see(sighting('b'));
    expect(again.risk.status).toBe('accepted');
    expect(await harness.push(again.risk)).toMatchObject({ action: 'unchanged' });
    // An operator reopens it: that is explicit, so the work item comes back.
    harness.clock.advance(60_000);
    const deps = { risks: harness.services.stores.risks, queue: harness.services.queue, clock: harness.clock };
    const reopened = await triageRisk(deps, 'contoso', risk.id, {
      status: 'open',
      reason: 'the vendor says it is live',
      by: 'Lee',
      source: 'cli',
    });
    await harness.push(reopened.risk);
    expect(harness.boards.workItem(id).state).toBe('New');
  });

  it('moves it to Removed when a person accepts the risk or calls it a false positive elsewhere (the CLI, a pull request)', async () => {
    harness = await startWorkItemHarness({ workItems: { workItemType: 'User Story' } });
    const { risk } = await harness.see(sighting('a'));
    await harness.push(risk);
    const deps = { risks: harness.services.stores.risks, queue: harness.services.queue, clock: harness.clock };
    await triageRisk(deps, 'contoso', risk.id, {
      status: 'false-positive',
      reason: 'a test fixture',
      by: 'Dana',
      source: 'pull-request',
      reference: 'pull request 7',
    });
    await harness.drain();
    const item = harness.boards.workItems()[0];
    expect(item.state).toBe('Removed');
    expect(item.comments.map((c) => c.text)).toEqual([
      'Vigil: this risk was marked a false positive: a test fixture (Dana, pull request 7).',
    ]);
  });
});
