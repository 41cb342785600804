import { InvocationContext, type Timer } from '@azure/functions';
import { Cron } from 'croner';
import type { TimerFunctionDefinition } from '../azureFunctions';
import { invocationLogHandler } from '../azureFunctions';
import { messageOf } from '../errors';
import type { Logger } from '../logging';

export interface TimerSchedule {
  stop(): void;
  nextRun(): Date | undefined;
}

/**
 * Runs a timer-triggered function on its NCRONTAB schedule (six fields, seconds first, UTC, as
 * Azure Functions reads it). A run still going when the next is due is skipped, not stacked.
 */
export function startTimerSchedule(definition: TimerFunctionDefinition, logger: Logger): TimerSchedule {
  const log = logger.child({ function: definition.name });
  let last = new Date();
  const job = new Cron(definition.schedule, { timezone: 'UTC', protect: true }, async (self: Cron) => {
    const now = new Date();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: { last: last.toISOString(), next: self.nextRun()?.toISOString() ?? '', lastUpdated: now.toISOString() },
    };
    last = now;
    const context = new InvocationContext({
      invocationId: `${definition.name}:${now.toISOString()}`,
      functionName: definition.name,
      logHandler: invocationLogHandler(log),
    });
    try {
      await definition.handler(timer, context);
    } catch (error) {
      log.error('timer run failed; it runs again at its next occurrence', { error: messageOf(error) });
    }
  });
  return { stop: () => job.stop(), nextRun: () => job.nextRun() ?? undefined };
}
