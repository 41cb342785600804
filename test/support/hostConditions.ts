import type { QueueName } from '../../shared/queue/names';
import type { TestHost } from './testHost';

/**
 * Waits until `condition` holds, checking between turns of the host's queue pumps a bounded number
 * of times (as queuesSettled does): for outcomes that leave a message scheduled, where waiting for
 * the queues to drain would wait for the schedule.
 */
export async function until(
  host: TestHost,
  condition: () => boolean | Promise<boolean>,
  what: string,
  queue: QueueName = 'pr-publish',
): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
    await host.services.queue.waitForMessages(queue, 20);
  }
  throw new Error(`${what} did not happen`);
}
