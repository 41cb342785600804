import type { AppServices } from '../app';
import { queueNames } from '../queue';

/** Something outside Vigil that reacts to what Vigil does (the simulator's work item service hooks). */
export interface HookQuiet {
  /** How many deliveries it has sent so far. */
  sent(): number;
  /** Resolves when every delivery it started has been answered. */
  settled(): Promise<void>;
}

/**
 * Resolves once Vigil has done everything the last event caused: every queue empty (nothing active,
 * nothing scheduled) and no service hook in flight, with no new delivery during the round (a work item
 * Vigil changes is echoed back by the hooks and handled again). Polls the queue counts, waiting for
 * new messages between rounds, and throws at `deadline` naming the queues still busy.
 */
export async function untilSettled(services: AppServices, hooks: HookQuiet[], deadline: number): Promise<void> {
  for (;;) {
    const sentBefore = hooks.reduce((sum, h) => sum + h.sent(), 0);
    for (const h of hooks) await h.settled();
    const busy: string[] = [];
    for (const queue of queueNames) {
      const counts = await services.queue.counts(queue);
      if (counts.active + counts.scheduled > 0) busy.push(`${queue} (${counts.active} active, ${counts.scheduled} scheduled)`);
    }
    const sentAfter = hooks.reduce((sum, h) => sum + h.sent(), 0);
    if (busy.length === 0 && sentAfter === sentBefore) return;
    if (Date.now() > deadline) {
      throw new Error(`Vigil was still busy when the step's time ran out: ${busy.join(', ') || 'service hooks still being delivered'}`);
    }
    await services.queue.waitForMessages(queueNames[0], 25);
  }
}
