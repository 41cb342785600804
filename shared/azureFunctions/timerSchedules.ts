import { Cron } from 'croner';
import { ConfigurationError } from '../errors';

/**
 * A timer function's NCRONTAB schedule (six fields, seconds first, UTC), checked the way both hosts
 * will run it; `setting` names the app setting it came from, for the error.
 */
export function validTimerSchedule(setting: string, schedule: string): string {
  try {
    new Cron(schedule, { timezone: 'UTC', paused: true }).stop();
    return schedule;
  } catch (error) {
    throw new ConfigurationError(`invalid setting ${setting} '${schedule}': ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * The occurrence of `schedule` a timer run belongs to, as an ISO time: the latest occurrence in
 * the few minutes before it fired, or the minute it fired when it ran late (a past-due run). The
 * same occurrence fired twice gives the same slot, hence the same message ids.
 */
export function scheduleSlot(schedule: string, firedAt: number, toleranceMs = 5 * 60_000): string {
  const cron = new Cron(schedule, { timezone: 'UTC', paused: true });
  let slot: Date | undefined;
  for (let next = cron.nextRun(new Date(firedAt - toleranceMs)); next && next.getTime() <= firedAt; next = cron.nextRun(next)) slot = next;
  cron.stop();
  return (slot ?? new Date(Math.floor(firedAt / 60_000) * 60_000)).toISOString();
}
