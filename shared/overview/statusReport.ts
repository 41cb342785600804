import type { AppServices } from '../app';
import { countDeliveries } from '../events';
import type { QueueCounts } from '../queue';
import { queueNames } from '../queue';

/** `vigil status --json` and `GET /api/status`: queue depths, delivery counts and failing work-item syncs. */
export async function statusReport(services: AppServices) {
  const queues: Record<string, QueueCounts> = {};
  for (const queue of queueNames) queues[queue] = await services.queue.counts(queue);
  const deliveries = await countDeliveries(services.stores.deliveries);
  const failing = (await services.stores.organizations.list()).flatMap((o) =>
    o.workItemSync ? [{ organization: o.organization, reason: o.workItemSync.reason, since: o.workItemSync.since }] : [],
  );
  return { queues, deliveries, workItemSync: { failing } };
}

export type StatusReport = Awaited<ReturnType<typeof statusReport>>;
