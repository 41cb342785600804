import { afterEach, describe, expect, it } from 'vitest';
import type { WorkItemsClient } from '../../../shared/devops/workItemsClient';
import { reconcileOrganization, withSyncSession } from '../../../shared/workitems';
import { leakedTokenSighting } from '../../support/riskSightings';
import { startWorkItemHarness, type WorkItemHarness } from '../../support/workItemHarness';

/**
 * No duplicates, ever: the link is claimed before Azure DevOps is asked to create anything, and a
 * claim a crash left behind is recovered by the work item's marker tag before anything is created
 * again. A crash is injected before the create, between the create and the link record, and after
 * it; each time the event is handled again (as the queue redelivers it): at most one work item,
 * and every risk linked after recovery.
 */
let harness: WorkItemHarness;

afterEach(async () => {
  await harness?.close();
});

class Crash extends Error {}

/** The real client, with the process dying at one point of the create. */
function crashing(when: 'before-create' | 'after-create'): (client: WorkItemsClient) => WorkItemsClient {
  return (client) => ({
    ...client,
    async createWorkItem(project, type, operations) {
      if (when === 'before-create') throw new Crash('the process died before the create was sent');
      await client.createWorkItem(project, type, operations);
      throw new Crash('the process died before the answer was recorded');
    },
  });
}

const sighting = (id: string, fingerprint = 'fp-1') => ({ ...leakedTokenSighting(id, fingerprint), project: 'Web' });

describe('a crash while filing a work item', () => {
  it('before the create: the redelivered event finds its own claim, searches by marker, finds nothing and creates one', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    await expect(harness.push(risk, { eventId: 'e1', wrapClient: crashing('before-create') })).rejects.toBeInstanceOf(Crash);
    expect(await harness.link(risk)).toMatchObject({ status: 'claimed', claimedBy: 'e1' });
    expect(harness.boards.workItems()).toHaveLength(0);
    harness.resetCalls();
    expect(await harness.push(risk, { eventId: 'e1' })).toMatchObject({ action: 'created' });
    expect(harness.witCalls().map((c) => `${c.method} ${c.path.split('/_apis/')[1]}`)).toEqual([
      'POST wit/wiql',
      'POST wit/workitems/$Bug',
    ]);
    expect(harness.boards.workItems()).toHaveLength(1);
    expect((await harness.link(risk))?.status).toBe('linked');
  });

  it('between the create and the link record: the work item is found by its marker tag and linked, not created again', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    await expect(harness.push(risk, { eventId: 'e1', wrapClient: crashing('after-create') })).rejects.toBeInstanceOf(Crash);
    expect(harness.boards.workItems()).toHaveLength(1);
    expect((await harness.link(risk))?.status).toBe('claimed');
    expect(await harness.push(risk, { eventId: 'e1' })).toMatchObject({
      action: 'recovered',
      workItemId: harness.boards.workItems()[0].id,
    });
    expect(harness.boards.workItems()).toHaveLength(1);
    expect(await harness.link(risk)).toMatchObject({ status: 'linked', workItemId: harness.boards.workItems()[0].id, rev: 1 });
  });

  it('between the create and the link record, when the store write is what fails: the same', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    const links = harness.services.stores.workItemLinks;
    const replace = links.replace.bind(links);
    let failed = false;
    links.replace = async (link, etag) => {
      if (!failed && link.status === 'linked') {
        failed = true;
        throw new Crash('the store went away while the link was being recorded');
      }
      return replace(link, etag);
    };
    await expect(harness.push(risk, { eventId: 'e1' })).rejects.toBeInstanceOf(Crash);
    links.replace = replace;
    expect(await harness.push(risk, { eventId: 'e1' })).toMatchObject({ action: 'recovered' });
    expect(harness.boards.workItems()).toHaveLength(1);
  });

  it('after the link record: handling the event again changes nothing', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    await harness.push(risk, { eventId: 'e1' });
    harness.resetCalls();
    expect(await harness.push(risk, { eventId: 'e1' })).toMatchObject({ action: 'unchanged' });
    expect(harness.boards.workItems()).toHaveLength(1);
    expect(harness.witCalls()).toEqual([]);
  });

  it("waits for another worker's fresh claim instead of creating beside it, and takes over a claim whose worker died", async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    await expect(harness.push(risk, { eventId: 'e1', wrapClient: crashing('after-create') })).rejects.toBeInstanceOf(Crash);
    // Another event for the same risk while the claim is fresh: it is rescheduled, nothing is created.
    await expect(harness.push(risk, { eventId: 'e2' })).rejects.toMatchObject({ kind: 'throttled' });
    expect(harness.boards.workItems()).toHaveLength(1);
    // Once the claim is older than a handler can run, the other event takes it over and recovers the work item.
    harness.clock.advance(harness.services.config.handlerTimeoutMs + 1);
    expect(await harness.push(risk, { eventId: 'e2' })).toMatchObject({ action: 'recovered' });
    expect(harness.boards.workItems()).toHaveLength(1);
  });

  it('files one work item for two events of the same new risk handled at once', async () => {
    harness = await startWorkItemHarness();
    const { risk } = await harness.see(sighting('a'));
    const results = await Promise.allSettled([harness.push(risk, { eventId: 'opened' }), harness.push(risk, { eventId: 'seen-again' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { kind: 'throttled' } });
    expect(harness.boards.workItems()).toHaveLength(1);
  });

  it('leaves every risk linked, one work item each, after crashes at every step and a reconciliation', async () => {
    harness = await startWorkItemHarness();
    const risks = [];
    for (let n = 0; n < 6; n++) risks.push((await harness.see(sighting(`s${n}`, `fp-${n}`))).risk);
    const steps = ['before-create', 'after-create', undefined] as const;
    for (const [n, risk] of risks.entries()) {
      const step = steps[n % 3];
      await harness.push(risk, { eventId: `e${n}`, ...(step ? { wrapClient: crashing(step) } : {}) }).catch((error: unknown) => {
        if (!(error instanceof Crash)) throw error;
      });
    }
    expect(harness.boards.workItems()).toHaveLength(4);
    harness.clock.advance(harness.services.config.handlerTimeoutMs + 1);
    const session = await withSyncSession(harness.services, 'contoso', harness.services.logger, (ctx) =>
      reconcileOrganization(ctx, { dryRun: false, runId: 'after-crashes' }),
    );
    expect(session.ran && session.value).toMatchObject({ recovered: 2, created: 2, orphans: [], duplicates: [] });
    expect(harness.boards.workItems()).toHaveLength(6);
    const links = await harness.services.stores.workItemLinks.list('contoso');
    expect(links.map((l) => l.status)).toEqual(Array(6).fill('linked'));
    expect(new Set(links.map((l) => l.workItemId)).size).toBe(6);
  });
});
