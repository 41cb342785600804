import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countDeliveries } from '../../shared/events/deliveryLog';
import { type EventEnvelope, EventEnvelopeSchema } from '../../shared/events/envelope';
import { type QueueName, queueNames } from '../../shared/queue/names';
import { ManualClock } from '../support/manualClock';
import { failStoreWritesAsOnAFullDisk } from '../support/storeWriteFailures';
import { appFunctions, startTestHost, type TestHost } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * The webhook's answers where a bad day or a hostile sender probed them, over real HTTP against the
 * local host: every storage failure is a 503 (Azure DevOps puts a subscription on probation for
 * anything else), an event nothing routes is acknowledged whatever its shape, a delivery cannot
 * silence the refusal counter, ids are held to a sane form, and the answer to a redelivery says
 * what was done.
 */
const serviceHooks = join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks');
const sample = (name: string) => JSON.parse(readFileSync(join(serviceHooks, name), 'utf8')) as Record<string, unknown>;

let clock: ManualClock;
let host: TestHost;
let restore: (() => void) | undefined;

beforeAll(async () => {
  clock = new ManualClock(Date.now());
  // HTTP functions only: what the webhook enqueues stays on the queues for the assertions to count.
  host = await startTestHost({ clock, functions: (await appFunctions()).filter((f) => f.kind === 'http') });
});

afterEach(() => {
  restore?.();
  restore = undefined;
});

afterAll(async () => {
  await host?.dispose();
});

async function activeMessages(): Promise<number> {
  let total = 0;
  for (const queue of queueNames) total += (await host.services.queue.counts(queue)).active;
  return total;
}

function deliver(payload: Record<string, unknown>, headers = azureDevOpsHeaders()) {
  return post(host.url('/hooks/azure-devops'), JSON.stringify(payload), headers);
}

async function envelopesOn(queue: QueueName): Promise<EventEnvelope[]> {
  const messages = await host.services.queue.receive(queue, { maxMessages: 100, lockDurationMs: 60_000 });
  for (const m of messages) await host.services.queue.abandon(m, 'inspected by a test');
  return messages.map((m) => EventEnvelopeSchema.parse(m.body));
}

describe('a full disk', () => {
  it('answers 503 with Retry-After, not 500, for an event nothing routes (recording it as ignored fails)', async () => {
    restore = failStoreWritesAsOnAFullDisk(host.services);
    const response = await fetch(host.url('/hooks/azure-devops'), {
      method: 'POST',
      headers: azureDevOpsHeaders(),
      body: JSON.stringify({ ...sample('tfvc.checkin.json'), id: 'full-disk-ignored' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('answers 503 when the delivery cannot be recorded after it was enqueued, and the retry is enqueued no second time', async () => {
    const payload = { ...sample('git.push.json'), id: 'full-disk-after-enqueue' };
    const before = await activeMessages();
    restore = failStoreWritesAsOnAFullDisk(host.services, ['deliveries']);
    const failed = await fetch(host.url('/hooks/azure-devops'), {
      method: 'POST',
      headers: azureDevOpsHeaders(),
      body: JSON.stringify(payload),
    });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toMatch(/^\d+$/);
    restore();
    restore = undefined;

    const retried = await deliver(payload);
    expect(retried).toMatchObject({ status: 202, body: { queues: ['repo-scan'] } });
    expect(await activeMessages()).toBe(before + 1);
  });

  it('makes the health check answer 503 while the store takes no writes, and ok again after', async () => {
    restore = failStoreWritesAsOnAFullDisk(host.services);
    clock.advance(2_000);
    const unhealthy = await fetch(host.url('/health'));
    expect(unhealthy.status).toBe(503);
    expect(await unhealthy.json()).toMatchObject({ status: 'unavailable', store: 'embedded' });
    restore();
    restore = undefined;
    clock.advance(2_000);
    expect((await fetch(host.url('/health'))).status).toBe(200);
  });
});

describe('an event nothing routes', () => {
  it('is acknowledged 202 ignored even without an id or an event type (manualintervention.pending), and recorded', async () => {
    const response = await deliver(sample('manualintervention.pending.json'));
    expect(response).toMatchObject({ status: 202, body: { queues: [], ignored: expect.stringContaining("'unknown'") } });
    const record = await host.services.stores.deliveries.query({ where: { source: 'azure-devops', outcome: 'ignored', type: 'unknown' } });
    expect(record.items).toHaveLength(1);
  });

  it('is acknowledged with an id it can keep when its own id is not one', async () => {
    const response = await deliver({ ...sample('tfvc.checkin.json'), id: 'line\nbreak\u001b[31m' });
    expect(response.status).toBe(202);
    expect(response.body.id).toMatch(/^tfvc\.checkin:sha256:[0-9a-f]{64}$|^sha256:[0-9a-f]{64}$/);
  });
});

describe('delivery ids', () => {
  it.each([
    ['a newline and ANSI escapes', 'a0a0a0a0\n2026-01-01T00:00:00.000Z ERROR forged\u001b[2J'],
    ['a slash', 'a0a0/../b1b1'],
    ['more than 200 characters', 'a'.repeat(201)],
  ])("keeps a routed Azure DevOps delivery whose id holds %s under its body's hash, never refusing it", async (_case, id) => {
    const before = await activeMessages();
    const response = await deliver({ ...sample('git.push.json'), id });
    expect(response).toMatchObject({ status: 202, body: { id: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), queues: ['repo-scan'] } });
    expect(await activeMessages()).toBe(before + 1);
  });
});

describe('the refusal counter', () => {
  it("cannot be silenced by a delivery that takes the id of the day's tally", async () => {
    // A day no refusal has been counted on yet: the delivery comes before the day's first refusal.
    clock.advance(24 * 3_600_000);
    const day = new Date(clock.now()).toISOString().slice(0, 10);
    const deliveries = host.services.stores.deliveries;
    const before = (await countDeliveries(deliveries)).refused;
    expect((await deliver({ ...sample('tfvc.checkin.json'), subscriptionId: 'refused', id: day })).status).toBe(202);
    expect((await deliver(sample('git.push.json'), azureDevOpsHeaders('wrong-secret'))).status).toBe(401);
    expect((await deliver(sample('git.push.json'), azureDevOpsHeaders('wrong-again'))).status).toBe(401);
    expect((await countDeliveries(deliveries)).refused).toBe(before + 2);
  });
});

describe('a redelivery', () => {
  it("after the queue's duplicate window is answered as a duplicate and is not enqueued again", async () => {
    const payload = { ...sample('git.push.json'), id: 'redelivered-after-window' };
    const before = await activeMessages();
    expect(await deliver(payload)).toMatchObject({ status: 202, body: { queues: ['repo-scan'] } });
    expect(await activeMessages()).toBe(before + 1);

    clock.advance(host.services.config.duplicateWindowMs + 2 * 60_000);
    const again = await deliver(payload);
    expect(again).toMatchObject({ status: 202, body: { queues: ['repo-scan'], duplicate: true } });
    expect(await activeMessages()).toBe(before + 1);
  });
});

describe('identical deliveries at the same moment', () => {
  it('are enqueued exactly once, and all but one are answered as duplicates (15 races of 50)', async () => {
    for (let race = 0; race < 15; race++) {
      const payload = { ...sample('git.push.json'), id: `raced-${race}` };
      const before = await activeMessages();
      const answers = await Promise.all(Array.from({ length: 50 }, () => deliver(payload)));
      expect(answers.every((a) => a.status === 202)).toBe(true);
      expect(answers.filter((a) => a.body.duplicate !== true)).toHaveLength(1);
      expect(await activeMessages()).toBe(before + 1);
    }
  });
});

describe('the organization of an event', () => {
  it("is read from the payload's URLs when resourceContainers has none (git.push names fabrikam-fiber-inc, not its account id)", async () => {
    const response = await deliver({ ...sample('git.push.json'), id: 'organization-from-url' });
    expect(response.status).toBe(202);
    const envelope = (await envelopesOn('repo-scan')).find((e) => e.id === response.body.id);
    expect(envelope?.organization).toBe('fabrikam-fiber-inc');
  });
});
