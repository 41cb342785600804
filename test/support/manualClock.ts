import type { Clock } from '../../shared/clock';

/** A clock the test moves by hand: expiry, locks and schedules without sleeping. */
export class ManualClock implements Clock {
  constructor(private current = Date.parse('2026-11-20T10:00:00.000Z')) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
