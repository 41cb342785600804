import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppServices } from '../../../shared/app/services';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { deliveryIdHint } from '../../../shared/cli/commands/trace';
import { recordDelivery } from '../../../shared/events/deliveryLog';
import { traceDelivery } from '../../../shared/journeys';
import { openEmbeddedDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { sweepExpiredDocuments } from '../../../shared/store/embedded/embeddedExpiry';
import { deliveriesRetentionDays, timeToLiveSeconds } from '../../../shared/store/timeToLive';
import { buildCompleteEvent, type EmbeddedServices, startEmbeddedServices } from '../../support/embeddedServices';
import type { ManualClock } from '../../support/manualClock';

/**
 * `vigil trace` on the embedded store once a delivery has outlived the deliveries' TTL: its record and its journey's
 * hops expire together (the journeys container keeps the deliveries' TTL), so the trace says it is not recorded, and
 * the command's hint says how long deliveries are kept.
 */
const delivery = buildCompleteEvent('sub-1:evt-expiring');

let embedded: EmbeddedServices;
let dataDir: string, clock: ManualClock, services: AppServices;

beforeEach(async () => {
  embedded = await startEmbeddedServices({ label: 'trace-expiry' });
  ({ dataDir, clock, services } = embedded);
});

afterEach(() => embedded.close());

async function deliverAndRun(): Promise<void> {
  await recordDelivery(services.stores.deliveries, {
    source: delivery.source,
    eventId: delivery.id,
    type: delivery.type,
    organization: delivery.organization,
    receivedAt: delivery.receivedAt,
    outcome: 'accepted',
    queues: ['build-scan'],
  });
  await handleQueueMessage(
    {
      functionName: 'scanBuild',
      queue: 'build-scan',
      body: delivery,
      messageId: delivery.id,
      deliveryCount: 1,
      enqueuedTime: new Date(clock.now()),
    },
    services,
    async () => undefined,
  );
}

describe('vigil trace of a delivery older than the deliveries are kept', () => {
  it('finds the delivery and its run up to the last second of the TTL, then nothing, before any sweep', async () => {
    await deliverAndRun();
    clock.advance(timeToLiveSeconds.deliveries * 1000 - 1000);
    const trace = await traceDelivery(services.stores, delivery.id);
    expect(trace?.webhook?.outcome).toBe('accepted');
    expect(trace?.journey?.runs.map((run) => run.outcome)).toEqual(['completed']);

    clock.advance(1000);
    expect(await traceDelivery(services.stores, delivery.id)).toBeUndefined();
    expect((await services.stores.journeys.query({})).items).toEqual([]);
  });

  it('leaves no record nor hop of it once the sweep has run', async () => {
    await deliverAndRun();
    clock.advance(timeToLiveSeconds.deliveries * 1000);
    const db = openEmbeddedDatabase(dataDir);
    try {
      expect(await sweepExpiredDocuments(db, clock)).toBeGreaterThanOrEqual(2);
      const left = db.prepare("SELECT COUNT(*) AS n FROM documents WHERE container IN ('deliveries', 'journeys')").get() as { n: number };
      expect(left.n).toBe(0);
    } finally {
      db.close();
    }
  });

  it('says, for an id it does not find, how long deliveries and their journeys are kept', () => {
    expect(deliveryIdHint).toContain(`kept ${deliveriesRetentionDays} days after their last write (locally and in Azure), then expire`);
  });
});
