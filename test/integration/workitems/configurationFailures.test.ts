import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { retryWorkItemSync } from '../../../shared/workitems';
import { type AlertReceiver, startAlertReceiver } from '../../support/alertReceiver';
import { customType } from '../../support/azureDevOps/workItemProcesses';
import { leakedTokenSighting } from '../../support/riskSightings';
import { type HarnessOptions, riskEnvelope, startWorkItemHarness, type WorkItemHarness } from '../../support/workItemHarness';

/**
 * Configuration failures do not flood: fifty risks against a work item type the project does not
 * have park fifty messages with one reason naming the setting, raise one alert, and call Azure
 * DevOps only until the first failure is known; fixing the settings and `vigil workitems retry`
 * file them all.
 */
let harness: WorkItemHarness;
let receiver: AlertReceiver | undefined;

afterEach(async () => {
  await harness?.close();
  await receiver?.close();
  receiver = undefined;
});

async function withAlerts(options: HarnessOptions): Promise<WorkItemHarness> {
  receiver = await startAlertReceiver();
  return startWorkItemHarness({
    ...options,
    alertChannel: {
      urlSecret: 'alert-hook-url',
      url: receiver.url,
      signingSecret: { name: 'alert-hook-key', value: `whsec_${randomBytes(32).toString('base64')}` },
    },
  });
}

/** Records `count` risks and puts their `risk.opened` on workitem-sync, as the scans would. */
async function openRisks(count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    const recorded = await harness.see({ ...leakedTokenSighting(`s${n}`, `fp-${n}`), project: 'Web' });
    const envelope = riskEnvelope(recorded, `s${n}`, harness.clock);
    await harness.services.queue.send('workitem-sync', [{ messageId: envelope.id, body: envelope }]);
  }
}

/** The queue function's own handling (idempotency, settlement, parking), four messages at a time as the host runs it. */
async function pump(queue: 'workitem-sync' | 'alerts'): Promise<void> {
  for (;;) {
    const messages = await harness.services.queue.receive(queue, { maxMessages: 4, lockDurationMs: 60_000 });
    if (messages.length === 0) return;
    await Promise.all(
      messages.map(async (message) => {
        await handleQueueMessage(
          {
            functionName: queue === 'alerts' ? 'sendAlert' : 'syncWorkItem',
            queue,
            body: message.body,
            messageId: message.messageId,
            deliveryCount: 1,
          },
          harness.services,
        );
        await harness.services.queue.complete(message);
      }),
    );
  }
}

const parked = async () => (await harness.services.stores.parked.query({ where: { queue: 'workitem-sync' }, limit: 1000 })).items;

describe('a work item type the project does not have', () => {
  it('parks 50 risks with one reason naming the setting, raises one alert, and stops calling Azure DevOps', async () => {
    harness = await withAlerts({ workItems: { workItemType: 'Risk' } });
    await openRisks(50);
    await pump('workitem-sync');

    const messages = await parked();
    expect(messages).toHaveLength(50);
    const reasons = new Set(messages.map((m) => m.reason));
    expect(reasons.size).toBe(1);
    const [reason] = reasons;
    expect(reason).toMatch(
      /^WorkItemSyncFailingError: work-item sync of organization 'contoso' is failing: Azure DevOps refused the states of work item type 'Risk' in project 'Web' \(VS402323: Work item type Risk does not exist in project Web/,
    );
    expect(reason).toMatch(
      /choose one that does with vigil orgs work-items contoso --type TYPE; then run vigil workitems retry --org contoso$/,
    );
    // Only the messages already running when the first failure was marked asked Azure DevOps: four at most, each reading the type.
    expect(harness.witCalls().length).toBeLessThanOrEqual(8);
    expect(harness.witCalls().filter((c) => c.method === 'POST')).toEqual([]);

    const settings = await harness.services.stores.organizations.get('contoso');
    expect(settings.workItemSync).toMatchObject({
      status: 'failing',
      reason: reason.replace(/^WorkItemSyncFailingError: work-item sync of organization 'contoso' is failing: /, ''),
    });

    await pump('alerts');
    expect(receiver!.alerts).toHaveLength(1);
    const alert = JSON.parse(receiver!.alerts[0].body) as { type: string; data: { headline: string; text: string; action: string } };
    expect(alert).toMatchObject({
      type: 'vigil.notice',
      data: { headline: 'Work-item sync stopped for contoso', text: settings.workItemSync!.reason },
    });
    expect(alert.data.action).toMatch(/vigil workitems retry --org contoso/);
  });

  it('files them all once the settings are fixed and an operator retries', async () => {
    harness = await withAlerts({ workItems: { workItemType: 'Risk' } });
    await openRisks(12);
    await pump('workitem-sync');
    expect(await parked()).toHaveLength(12);
    // The operator fixes the type (vigil orgs work-items contoso --type Bug), then retries.
    await harness.services.stores.organizations.update('contoso', (o) => ({ ...o, workItems: { ...o.workItems, workItemType: 'Bug' } }));
    expect(await retryWorkItemSync(harness.services, 'contoso')).toEqual([{ organization: 'contoso', cleared: true, replayed: 12 }]);
    await pump('workitem-sync');
    expect(await parked()).toHaveLength(0);
    expect(harness.boards.workItems()).toHaveLength(12);
    expect((await harness.services.stores.organizations.get('contoso')).workItemSync).toBeUndefined();
  });

  it('tries again by itself when the settings change, without waiting for a retry', async () => {
    harness = await withAlerts({ workItems: { workItemType: 'Risk' } });
    await openRisks(1);
    await pump('workitem-sync');
    await harness.services.stores.organizations.update('contoso', (o) => ({ ...o, workItems: { ...o.workItems, workItemType: 'Bug' } }));
    await openRisks(2);
    await pump('workitem-sync');
    // The second risk's event ran on the new settings; the first stays parked until replayed.
    expect(harness.boards.workItems()).toHaveLength(1);
    expect((await harness.services.stores.organizations.get('contoso')).workItemSync).toBeUndefined();
  });
});

describe('other configuration failures', () => {
  it('names a required field Vigil does not fill, before asking Azure DevOps to create anything', async () => {
    harness = await withAlerts({
      projects: [
        {
          name: 'Web',
          process: [
            customType(
              'Security Finding',
              [
                ['New', 'Proposed'],
                ['Done', 'Completed'],
              ],
              [{ referenceName: 'Custom.Owner', name: 'Owner', alwaysRequired: true }],
            ),
          ],
        },
      ],
      workItems: { workItemType: 'Security Finding' },
    });
    await openRisks(3);
    await pump('workitem-sync');
    const [reason] = new Set((await parked()).map((m) => m.reason));
    expect(reason).toMatch(
      /work item type 'Security Finding' in project 'Web' requires 'Owner' \(Custom\.Owner\), which Vigil does not fill/,
    );
    expect(harness.witCalls().filter((c) => c.method === 'POST')).toEqual([]);
  });

  it('names the area path when the project has no such area', async () => {
    harness = await withAlerts({ workItems: { areaPath: 'Web\\Nowhere' } });
    await openRisks(2);
    await pump('workitem-sync');
    const reasons = new Set((await parked()).map((m) => m.reason));
    expect(reasons.size).toBe(1);
    expect([...reasons][0]).toMatch(
      /TF401347: Invalid tree name .*fix --area-path, --iteration-path or --route with vigil orgs work-items contoso/,
    );
  });

  it('names the permission when Azure DevOps answers 403', async () => {
    harness = await withAlerts({});
    harness.devops.injectFault({ path: '/_apis/wit/workitems/', method: 'POST', status: 403 });
    await openRisks(2);
    await pump('workitem-sync');
    const [reason] = new Set((await parked()).map((m) => m.reason));
    expect(reason).toMatch(/TF237111.*give Vigil's identity "View work items in this node" and "Edit work items in this node"/);
    await pump('alerts');
    expect(receiver!.alerts).toHaveLength(1);
  });

  it('parks work item events of a failing organization too, without calling Azure DevOps', async () => {
    harness = await withAlerts({ workItems: { workItemType: 'Risk' } });
    await openRisks(1);
    await pump('workitem-sync');
    harness.resetCalls();
    const envelope: EventEnvelope = {
      id: 'hook-1',
      source: 'azure-devops',
      type: 'workitem.updated',
      organization: 'contoso',
      subject: { workItemId: 7, rev: 3 },
      receivedAt: new Date(harness.clock.now()).toISOString(),
    };
    await harness.services.queue.send('workitem-sync', [{ messageId: envelope.id, body: envelope }]);
    await pump('workitem-sync');
    expect(await parked()).toHaveLength(2);
    expect(harness.witCalls()).toEqual([]);
  });
});
