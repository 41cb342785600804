import type { Clock } from '../../clock';
import { messageOf } from '../../errors';
import type { Logger } from '../../logging';
import type { EmbeddedDatabase } from './embeddedDatabase';
import { type SweepOptions, sweepExpiredDocuments } from './embeddedExpiry';

/**
 * Deletes expired documents of the embedded store on a long-running host (`npm start`): once soon after start (a host
 * started after weeks off has a backlog), then every `intervalMs`. Never on a request's path: reads already hide
 * expired documents, so the sweep only gives their space back, in bounded batches (embeddedExpiry.ts).
 */
export interface ExpirySweeper {
  /** Stops the schedule and waits for a sweep under way, so the database can be closed after it. */
  stop(): Promise<void>;
}

export interface ExpirySweeperOptions extends SweepOptions {
  intervalMs?: number;
}

/** Five minutes: an expired document is invisible at once, so the sweep only bounds how long its row takes space. */
export const defaultSweepIntervalMs = 5 * 60_000;
/** The first sweep waits until start-up's own work is done. */
export const firstSweepDelayMs = 10_000;

export function startExpirySweeper(db: EmbeddedDatabase, clock: Clock, logger: Logger, options: ExpirySweeperOptions = {}): ExpirySweeper {
  const log = logger.child({ component: 'expirySweeper' });
  let running: Promise<void> | undefined;
  let stopped = false;
  const sweep = () => {
    if (stopped || running) return;
    running = sweepExpiredDocuments(db, clock, options)
      .then((deleted) => {
        if (deleted > 0) log.debug('deleted expired documents', { deleted });
      })
      .catch((error: unknown) => log.warn('expired documents were not deleted; the next sweep tries again', { reason: messageOf(error) }))
      .finally(() => {
        running = undefined;
      });
  };
  const first = setTimeout(sweep, firstSweepDelayMs);
  const timer = setInterval(sweep, options.intervalMs ?? defaultSweepIntervalMs);
  // The host must not stay up for its sweeps.
  first.unref();
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
