import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { AlertChannel } from '../organizations';
import type { Container, Stored } from '../store';
import { isConflict, isPreconditionFailed } from '../store';

/** An alert held back because its destination had its fill for the window. */
export interface HeldAlert {
  ledgerId: string;
  riskId: string;
  transition: string;
}

/**
 * The rate-limit state of one destination (a channel URL secret), kept in the `alerts` container
 * beside the ledger. Up to `burstLimit` alerts go out one by one in a window; the rest are held and
 * sent together as one message when the window ends, so a build that leaks 40 secrets posts a
 * handful of messages, not 40.
 */
export interface DestinationWindow {
  id: string;
  organization: string;
  kind: 'destination-window';
  destination: string;
  windowStart: string;
  sent: number;
  held: HeldAlert[];
  /** When the held alerts go out (the flush message is scheduled for then). */
  flushAt?: string;
}

export interface WindowSettings {
  burstLimit: number;
  windowMs: number;
}

export type Admission = { action: 'send-now' } | { action: 'held'; flushAt: Date };

/** Identifies a destination without naming its URL: the channel type and the secret that holds it. */
export function destinationKey(channel: AlertChannel): string {
  return createHash('sha256').update(`${channel.type}\u0000${channel.urlSecret}`).digest('base64url').slice(0, 22);
}

export class DestinationWindows {
  constructor(
    private readonly documents: Container<DestinationWindow>,
    private readonly clock: Clock,
    private readonly settings: WindowSettings,
  ) {}

  /** Decides whether one alert goes out now or waits for the window's grouped message. */
  async admit(organization: string, channel: AlertChannel, alert: HeldAlert): Promise<Admission> {
    const destination = destinationKey(channel);
    const id = `window:${destination}`;
    for (;;) {
      const now = this.clock.now();
      const existing = await this.documents.read(id, organization);
      if (!existing) {
        try {
          await this.documents.create({
            id,
            organization,
            kind: 'destination-window',
            destination,
            windowStart: iso(now),
            sent: 1,
            held: [],
          });
          return { action: 'send-now' };
        } catch (error) {
          if (isConflict(error)) continue;
          throw error;
        }
      }
      // A redelivered alert that was already held keeps its place in the group.
      if (existing.flushAt && existing.held.some((h) => h.ledgerId === alert.ledgerId))
        return { action: 'held', flushAt: new Date(existing.flushAt) };
      const windowEnd = Date.parse(existing.windowStart) + this.settings.windowMs;
      let next: DestinationWindow;
      let admission: Admission;
      if (existing.held.length === 0 && now >= windowEnd) {
        next = { ...fields(existing), windowStart: iso(now), sent: 1 };
        admission = { action: 'send-now' };
      } else if (existing.held.length === 0 && existing.sent < this.settings.burstLimit) {
        next = { ...fields(existing), sent: existing.sent + 1 };
        admission = { action: 'send-now' };
      } else {
        const flushAt = existing.flushAt ?? iso(Math.max(windowEnd, now));
        next = { ...fields(existing), held: [...existing.held, alert], flushAt };
        admission = { action: 'held', flushAt: new Date(flushAt) };
      }
      try {
        await this.documents.replace(next, { ifMatch: existing._etag });
        return admission;
      } catch (error) {
        if (isPreconditionFailed(error)) continue;
        throw error;
      }
    }
  }

  async held(organization: string, destination: string): Promise<DestinationWindow | undefined> {
    const found = await this.documents.read(`window:${destination}`, organization);
    return found ? fields(found) : undefined;
  }

  /**
   * After a grouped message went out: forget the alerts it carried and start a new window. Alerts
   * held meanwhile stay, with a new flush time that the caller schedules.
   */
  async release(organization: string, destination: string, sent: HeldAlert[]): Promise<{ flushAt?: Date }> {
    const id = `window:${destination}`;
    const gone = new Set(sent.map((h) => h.ledgerId));
    for (;;) {
      const existing = await this.documents.read(id, organization);
      if (!existing) return {};
      const now = this.clock.now();
      const held = existing.held.filter((h) => !gone.has(h.ledgerId));
      const next: DestinationWindow = { ...fields(existing), windowStart: iso(now), sent: 1, held };
      if (held.length > 0) next.flushAt = iso(now + this.settings.windowMs);
      else delete next.flushAt;
      try {
        await this.documents.replace(next, { ifMatch: existing._etag });
        return next.flushAt ? { flushAt: new Date(next.flushAt) } : {};
      } catch (error) {
        if (isPreconditionFailed(error)) continue;
        throw error;
      }
    }
  }
}

function fields(stored: Stored<DestinationWindow>): DestinationWindow {
  const { _etag, _ts, ...rest } = stored;
  return rest;
}

const iso = (ms: number) => new Date(ms).toISOString();
