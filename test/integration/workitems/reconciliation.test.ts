import { afterEach, describe, expect, it } from 'vitest';
import type { RiskSighting } from '../../../shared/risks/riskStore';
import { type ReconcileReport, reconcileOrganization, withSyncSession } from '../../../shared/workitems';
import { person } from '../../support/azureDevOps/identities';
import { leakedTokenSighting } from '../../support/riskSightings';
import { startWorkItemHarness, type WorkItemHarness } from '../../support/workItemHarness';

/**
 * The reconciliation compares every linked risk with its work item (one WIQL query, then batch
 * reads of 200) and repairs drift in the direction of the newer change; a dry run reports the
 * same without writing.
 */
const dana = person('Dana Reviewer');
let harness: WorkItemHarness;

afterEach(async () => {
  await harness?.close();
});

const sighting = (n: number): RiskSighting => ({ ...leakedTokenSighting(`s${n}`, `fp-${n}`), project: 'Web' });

async function reconcile(dryRun = false): Promise<ReconcileReport> {
  const session = await withSyncSession(harness.services, 'contoso', harness.services.logger, (ctx) =>
    reconcileOrganization(ctx, { dryRun, runId: `test-${harness.clock.now()}` }),
  );
  if (!session.ran) throw new Error(session.why);
  return session.value;
}

async function linkedRisks(count: number) {
  harness = await startWorkItemHarness();
  const risks = [];
  for (let n = 0; n < count; n++) {
    const { risk } = await harness.see(sighting(n));
    await harness.push(risk);
    risks.push(risk);
  }
  const ids = new Map(
    (await harness.services.stores.workItemLinks.list('contoso')).map((l) => [
      l.subject.kind === 'risk' ? l.subject.riskId : '',
      l.workItemId!,
    ]),
  );
  return { risks, ids };
}

describe('the reconciliation', () => {
  it('reads 450 linked work items with one query and three batch reads, and changes nothing when all are in step', async () => {
    await linkedRisks(450);
    harness.resetCalls();
    const report = await reconcile();
    expect(report).toMatchObject({
      links: 450,
      checked: 450,
      unchanged: 450,
      pushed: 0,
      pulled: 0,
      orphans: [],
      duplicates: [],
      failures: [],
    });
    expect(harness.witCalls().map((c) => `${c.method} ${c.path.split('/_apis/')[1]}`)).toEqual([
      'POST wit/wiql',
      'POST wit/workitemsbatch',
      'POST wit/workitemsbatch',
      'POST wit/workitemsbatch',
    ]);
    expect(report.apiCalls).toBe(4);
  });

  it('repairs drift both ways: a closed work item resolves its risk, a resolved risk closes its work item', async () => {
    const { risks, ids } = await linkedRisks(3);
    harness.clock.advance(60_000);
    // Missed events: a person closed one work item; Vigil resolved another risk without reaching Azure DevOps.
    harness.boards.as(dana).setFields(ids.get(risks[0].id)!, { 'System.State': 'Closed' });
    await harness.services.stores.risks.resolve('contoso', risks[1].id, 'the check passes');
    harness.clock.advance(60_000);

    const dry = await reconcile(true);
    expect(dry).toMatchObject({ dryRun: true, pulled: 1, pushed: 1, unchanged: 1 });
    expect(dry.actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'would update the risk', workItemId: ids.get(risks[0].id) }),
        expect.objectContaining({ action: 'would update the work item', workItemId: ids.get(risks[1].id), detail: 'state New → Resolved' }),
      ]),
    );
    expect((await harness.services.stores.risks.get('contoso', risks[0].id))?.status).toBe('open');
    expect(harness.boards.workItem(ids.get(risks[1].id)!).state).toBe('New');

    const report = await reconcile();
    expect(report).toMatchObject({ pulled: 1, pushed: 1, unchanged: 1 });
    expect(await harness.services.stores.risks.get('contoso', risks[0].id)).toMatchObject({
      status: 'resolved',
      triage: { by: 'Dana Reviewer', source: 'work-item' },
    });
    expect(harness.boards.workItem(ids.get(risks[1].id)!).state).toBe('Resolved');
    expect(await reconcile()).toMatchObject({ pulled: 0, pushed: 0, unchanged: 3 });
  });

  it('marks links of deleted work items broken, links restored ones again, and reports work items no link knows', async () => {
    const { risks, ids } = await linkedRisks(2);
    harness.boards.as(dana).delete(ids.get(risks[0].id)!);
    const stray = harness.boards.seed({
      project: 'Web',
      type: 'Bug',
      title: 'copied by hand',
      tags: ['vigil', 'vigil-risk-0000000000000000'],
    });
    const report = await reconcile();
    expect(report).toMatchObject({ broken: 1, orphans: [stray] });
    expect((await harness.link(risks[0]))?.status).toBe('broken');
    harness.boards.as(dana).restore(ids.get(risks[0].id)!);
    expect(await reconcile()).toMatchObject({ relinked: 1 });
    expect((await harness.link(risks[0]))?.status).toBe('linked');
    expect(harness.boards.workItems().some((w) => w.id === stray && !w.deleted)).toBe(true);
  });

  it('reopens risks whose acceptance ended, moving their work items back', async () => {
    harness = await startWorkItemHarness({ workItems: { workItemType: 'User Story' } });
    const { risk } = await harness.see(sighting(1));
    await harness.push(risk);
    const id = harness.boards.workItems()[0].id;
    harness.clock.advance(60_000);
    harness.boards.as(dana).setFields(id, { 'System.State': 'Removed' });
    await harness.pull(id);
    expect((await harness.services.stores.risks.get('contoso', risk.id))?.status).toBe('accepted');
    harness.clock.advance(91 * 86_400_000);
    const report = await reconcile();
    expect(report).toMatchObject({ reopenedAcceptances: 1, pushed: 1 });
    expect((await harness.services.stores.risks.get('contoso', risk.id))?.triage).toMatchObject({ status: 'open', source: 'expiry' });
    expect(harness.boards.workItem(id).state).toBe('New');
  });

  it('files work items for open risks that have none (recorded while the sync was off)', async () => {
    harness = await startWorkItemHarness({ workItems: { enabled: false } });
    await harness.see(sighting(1));
    await harness.see(sighting(2));
    await harness.services.stores.organizations.update('contoso', (o) => ({ ...o, workItems: { ...o.workItems, enabled: true } }));
    expect(await reconcile(true)).toMatchObject({ created: 2 });
    expect(harness.boards.workItems()).toHaveLength(0);
    expect(await reconcile()).toMatchObject({ created: 2 });
    expect(harness.boards.workItems()).toHaveLength(2);
  });
});
