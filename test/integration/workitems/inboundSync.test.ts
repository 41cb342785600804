import { afterEach, describe, expect, it } from 'vitest';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { person } from '../../support/azureDevOps/identities';
import { leakedTokenSighting } from '../../support/riskSightings';
import { startWorkItemHarness, type WorkItemHarness } from '../../support/workItemHarness';

/**
 * The work item drives the risk: a person's change of state category moves it (closed → resolved
 * "closed in work item #N by NAME", Removed → accepted or a false positive by `System.Reason`,
 * reopened → open); Vigil's own revisions and those at or below the last synced change nothing;
 * a deleted work item breaks the link and is not recreated; a restored one is linked again.
 */
const dana = person('Dana Reviewer');
let harness: WorkItemHarness;

afterEach(async () => {
  await harness?.close();
});

const sighting = (id: string) => ({ ...leakedTokenSighting(id), project: 'Web' });

async function linkedRisk(options: Parameters<typeof startWorkItemHarness>[0] = {}) {
  harness = await startWorkItemHarness(options);
  const { risk } = await harness.see(sighting('a'));
  await harness.push(risk);
  const id = harness.boards.workItems()[0].id;
  harness.resetCalls();
  return { risk, id };
}

const statusOf = async (riskId: string) => (await harness.services.stores.risks.get('contoso', riskId))!;

describe('a person changing the work item', () => {
  it('resolves the risk when they close it, saying by whom, and announces it once', async () => {
    const { risk, id } = await linkedRisk();
    harness.clock.advance(60_000);
    const closed = harness.boards.as(dana).setFields(id, { 'System.State': 'Closed' });
    expect(await harness.pull(id, 'updated', closed.rev)).toMatchObject({ action: 'pulled', status: 'resolved', risks: 1 });
    expect(await statusOf(risk.id)).toMatchObject({
      status: 'resolved',
      resolution: `closed in work item #${id} by Dana Reviewer (state Closed)`,
      triage: { source: 'work-item', by: 'Dana Reviewer', reference: `work item #${id}` },
    });
    expect(await harness.link(risk)).toMatchObject({ rev: closed.rev, category: 'Completed', syncedStatus: 'resolved' });
    // The change's own risk.changed reaches the sync, which finds the work item already closed: nothing is written.
    const drained = await harness.drain();
    expect(drained.map((e: EventEnvelope) => [e.type, e.subject.transition, e.subject.source])).toEqual([
      ['risk.changed', 'resolved', 'work-item'],
    ]);
    expect(harness.boards.workItem(id).rev).toBe(closed.rev);
    // Delivered again (Azure DevOps retries): at or below the last synced revision, so not even read.
    harness.resetCalls();
    expect(await harness.pull(id, 'updated', closed.rev)).toMatchObject({ action: 'unchanged' });
    expect(harness.witCalls()).toEqual([]);
  });

  it('ignores revisions Vigil made itself, and does not read the work item for its own echo', async () => {
    const { risk, id } = await linkedRisk();
    await harness.push((await harness.services.stores.risks.resolve('contoso', risk.id, 'the check passes'))!);
    const echoed = harness.boards.workItem(id);
    harness.resetCalls();
    expect(await harness.pull(id, 'updated', echoed.rev)).toMatchObject({
      action: 'unchanged',
      why: expect.stringMatching(/at or below the last one synced/),
    });
    expect(harness.witCalls()).toEqual([]);
    // Even without the revision in the event, a revision by Vigil's identity changes nothing.
    expect(await harness.pull(id, 'updated')).toMatchObject({ action: 'unchanged' });
    expect((await statusOf(risk.id)).status).toBe('resolved');
  });

  it('marks the risk a false positive when they remove it with a false-positive reason, and accepts it for any other', async () => {
    const { risk, id } = await linkedRisk({ workItems: { workItemType: 'Task', falsePositiveReasons: ['Not a secret'], acceptDays: 30 } });
    harness.clock.advance(60_000);
    harness.boards.as(dana).setFields(id, { 'System.State': 'Removed', 'System.Reason': 'Not a secret' });
    await harness.pull(id);
    expect(await statusOf(risk.id)).toMatchObject({
      status: 'false-positive',
      triage: { reason: `moved to Removed in work item #${id} by Dana Reviewer (reason: Not a secret)` },
    });
    harness.clock.advance(60_000);
    harness.boards.as(dana).setFields(id, { 'System.State': 'Active' });
    await harness.pull(id);
    expect((await statusOf(risk.id)).status).toBe('open');
    harness.clock.advance(60_000);
    harness.boards.as(dana).setFields(id, { 'System.State': 'Removed', 'System.Reason': 'Out of scope' });
    await harness.pull(id);
    const accepted = await statusOf(risk.id);
    expect(accepted.status).toBe('accepted');
    expect(Date.parse(accepted.triage!.until!) - harness.clock.now()).toBe(30 * 86_400_000);
  });

  it('reopens the risk when they move the work item back, and the risk then stays open', async () => {
    const { risk, id } = await linkedRisk();
    harness.clock.advance(60_000);
    harness.boards.as(dana).setFields(id, { 'System.State': 'Closed' });
    await harness.pull(id);
    harness.clock.advance(60_000);
    harness.boards.as(dana).setFields(id, { 'System.State': 'Active' });
    expect(await harness.pull(id)).toMatchObject({ action: 'pulled', status: 'open' });
    expect(await statusOf(risk.id)).toMatchObject({
      status: 'open',
      triage: { reason: `reopened in work item #${id} by Dana Reviewer (state Active)` },
    });
  });

  it("leaves the risk alone for a person's edit that keeps the state category (a title, a tag)", async () => {
    const { risk, id } = await linkedRisk();
    harness.boards.as(dana).setFields(id, { 'System.Title': 'Rotate the build token' });
    harness.boards.as(dana).addTags(id, ['team-web']);
    expect(await harness.pull(id)).toMatchObject({ action: 'unchanged' });
    expect((await statusOf(risk.id)).status).toBe('open');
    expect(harness.boards.workItem(id).title).toBe('Rotate the build token');
  });

  it('takes the newer side when the risk and the work item both changed since the last sync', async () => {
    const { risk, id } = await linkedRisk();
    // The person closes it first; the secret is seen in a new build a minute later: the risk's change is newer.
    harness.clock.advance(60_000);
    harness.boards.as(dana).setFields(id, { 'System.State': 'Closed' });
    harness.clock.advance(60_000);
    await harness.services.stores.risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Lee', source: 'cli' });
    harness.clock.advance(60_000);
    const reopened = await harness.see(sighting('later'));
    expect(reopened.transition).toBe('reopened');
    // The work item as Vigil left it would already match an open risk, so it reads it before saying so: the
    // person's close is older than the risk's reopening, so the work item comes back.
    expect(await harness.push(reopened.risk)).toMatchObject({ action: 'updated', changes: ['state Closed → New'] });
    // The person's close arrives late: at or below what Vigil has synced.
    expect(await harness.pull(id)).toMatchObject({ action: 'unchanged' });
    expect(harness.boards.workItem(id).state).toBe('New');
    expect((await statusOf(risk.id)).status).toBe('open');
  });
});

describe('a work item deleted and restored', () => {
  it('breaks the link on deletion and never recreates the work item on its own', async () => {
    const { risk, id } = await linkedRisk();
    harness.boards.as(dana).delete(id);
    expect(await harness.pull(id, 'deleted')).toMatchObject({ action: 'broken', workItemId: id });
    expect(await harness.link(risk)).toMatchObject({ status: 'broken', workItemId: id });
    const again = await harness.see(sighting('b'));
    expect(await harness.push(again.risk)).toMatchObject({ action: 'skipped', why: expect.stringMatching(/was deleted: not recreated/) });
    expect(harness.boards.workItems().filter((w) => !w.deleted)).toHaveLength(0);
  });

  it('does not break the link for a deletion event about a work item that still exists', async () => {
    const { risk, id } = await linkedRisk();
    expect(await harness.pull(id, 'deleted')).toMatchObject({ action: 'unchanged', why: 'the work item exists: not deleted' });
    expect((await harness.link(risk))?.status).toBe('linked');
  });

  it('links a restored work item again and syncs it', async () => {
    const { risk, id } = await linkedRisk();
    harness.boards.as(dana).delete(id);
    await harness.pull(id, 'deleted');
    await harness.services.stores.risks.resolve('contoso', risk.id, 'the check passes');
    harness.boards.as(dana).restore(id);
    expect(await harness.pull(id, 'restored')).toMatchObject({ action: 'relinked', workItemId: id });
    expect(await harness.link(risk)).toMatchObject({ status: 'linked', syncedStatus: 'resolved' });
    expect(harness.boards.workItem(id).state).toBe('Resolved');
  });

  it('ignores events about work items no risk is linked to, without a call', async () => {
    harness = await startWorkItemHarness();
    const other = harness.boards.seed({ project: 'Web', type: 'Bug', title: 'Someone else' });
    expect(await harness.pull(other)).toMatchObject({ action: 'skipped', why: `work item #${other} is not linked to a risk` });
    expect(harness.witCalls()).toEqual([]);
  });
});
