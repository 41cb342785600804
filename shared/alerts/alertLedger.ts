import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { AlertChannel } from '../organizations';
import type { Container } from '../store';
import { isConflict, queryAll } from '../store';

/**
 * The alert ledger (the `alerts` container): one entry per (risk, transition, channel). It is
 * claimed before sending and marked sent after, so a risk reported twice, or an event delivered
 * twice, alerts a channel once. A claim left `sending` by a crash is sent again with the same id,
 * which Standard Webhooks receivers use to drop the repeat.
 */
export interface AlertLedgerEntry {
  id: string;
  organization: string;
  riskId: string;
  transition: string;
  channel: AlertChannel['type'];
  destinationSecret: string;
  status: 'sending' | 'sent';
  claimedAt: string;
  sentAt?: string;
}

export function alertLedgerId(riskId: string, transition: string, channel: AlertChannel): string {
  return createHash('sha256').update([riskId, transition, channel.type, channel.urlSecret].join('\u0000')).digest('base64url');
}

export class AlertLedger {
  constructor(
    private readonly entries: Container<AlertLedgerEntry>,
    private readonly clock: Clock,
  ) {}

  /** `send` when this channel still needs the alert (claimed now or left unsent), `already-sent` otherwise. */
  async claim(
    organization: string,
    riskId: string,
    transition: string,
    channel: AlertChannel,
  ): Promise<{ id: string; action: 'send' | 'already-sent' }> {
    const id = alertLedgerId(riskId, transition, channel);
    try {
      await this.entries.create({
        id,
        organization,
        riskId,
        transition,
        channel: channel.type,
        destinationSecret: channel.urlSecret,
        status: 'sending',
        claimedAt: new Date(this.clock.now()).toISOString(),
      });
      return { id, action: 'send' };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    const existing = await this.entries.read(id, organization);
    return { id, action: existing?.status === 'sent' ? 'already-sent' : 'send' };
  }

  async markSent(organization: string, id: string): Promise<void> {
    await this.entries.patch(id, organization, [
      { op: 'set', path: '/status', value: 'sent' },
      { op: 'set', path: '/sentAt', value: new Date(this.clock.now()).toISOString() },
    ]);
  }

  /** Every entry of an organization (or all), for operators and tests: what was sent where, never a secret's value. */
  async list(organization?: string): Promise<AlertLedgerEntry[]> {
    return queryAll(this.entries, { where: organization ? { organization } : {} });
  }
}
