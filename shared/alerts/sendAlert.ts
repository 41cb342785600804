import type { AppServices, UseCase } from '../app';
import { PermanentError } from '../errors';
import type { EventEnvelope } from '../events';
import type { AlertChannel } from '../organizations';
import type { Risk } from '../risks';
import { requireSecret } from '../vault';
import { type AlertContent, type AlertMessage, alertContentFor, alertDigestFor } from './alertContent';
import { digestSummary } from './alertSummary';
import { deliverAlert } from './deliverAlert';
import { type DestinationWindow, destinationKey } from './destinationWindow';

const alerting = new Set(['opened', 'reopened']);

/**
 * The `alerts` queue's use case: a risk that opened (or reopened) is announced on each of its
 * organization's channels, once per (risk, transition, channel), redacted. Sightings of a risk
 * already open are not alerted again. A destination that had its fill for the window gets the
 * rest as one grouped message when the window ends (`alerts.flush`).
 */
export const sendAlert: UseCase = async (envelope, { services }) => {
  const transition = String(envelope.subject.transition ?? '');
  if (!alerting.has(transition)) return { skipped: `no alert for transition '${transition}'` };
  const riskId = String(envelope.subject.riskId ?? '');
  const { risks, organizations, alertLedger: ledger, alertWindows: windows } = services.stores;
  const risk = await risks.get(envelope.organization, riskId);
  if (!risk) throw new PermanentError(`risk '${riskId}' of organization '${envelope.organization}' not found`);
  const settings = await organizations.get(envelope.organization);
  const alert = alertContentFor(risk, transition as 'opened' | 'reopened');

  let sent = 0;
  let held = 0;
  for (const channel of settings.alertChannels) {
    const claim = await ledger.claim(risk.organization, risk.id, transition, channel);
    if (claim.action === 'already-sent') continue;
    const admission = await windows.admit(risk.organization, channel, { ledgerId: claim.id, riskId: risk.id, transition });
    if (admission.action === 'held') {
      await scheduleFlush(services, envelope.organization, channel, admission.flushAt);
      held++;
      continue;
    }
    await deliverTo(services, channel, { kind: 'single', alert }, claim.id);
    await ledger.markSent(risk.organization, claim.id);
    sent++;
  }
  return { sent, held, channels: settings.alertChannels.length };
};

/** `alerts.flush`, the end of a destination's window: everything it held goes out as one message. */
export const flushHeldAlerts: UseCase = async (envelope, { services, logger }) => {
  const destination = String(envelope.subject.destination ?? '');
  const { risks, organizations, alertLedger: ledger, alertWindows: windows } = services.stores;
  const settings = await organizations.get(envelope.organization);
  const channel = settings.alertChannels.find((c) => destinationKey(c) === destination);
  const window = await windows.held(envelope.organization, destination);
  if (!window || window.held.length === 0) return { sent: 0 };
  if (!channel) {
    // The channel was removed since: nothing to send to, and nothing left to hold.
    await windows.release(envelope.organization, destination, window.held);
    return { sent: 0, dropped: window.held.length };
  }
  const alerts: AlertContent[] = [];
  const grouped: Risk[] = [];
  for (const held of window.held) {
    const risk = await risks.get(envelope.organization, held.riskId);
    if (!risk) continue;
    grouped.push(risk);
    alerts.push(alertContentFor(risk, held.transition === 'reopened' ? 'reopened' : 'opened'));
  }
  if (alerts.length > 0) {
    const summary = await digestSummary(settings, grouped, services, logger);
    await deliverTo(services, channel, alertDigestFor(envelope.organization, alerts, summary), digestId(window));
  }
  for (const held of window.held) await ledger.markSent(envelope.organization, held.ledgerId);
  const next = await windows.release(envelope.organization, destination, window.held);
  if (next.flushAt) await scheduleFlush(services, envelope.organization, channel, next.flushAt);
  return { sent: 1, grouped: alerts.length };
};

async function deliverTo(services: AppServices, channel: AlertChannel, message: AlertMessage, messageId: string): Promise<void> {
  const url = await requireSecret(services.vault, channel.urlSecret);
  const signingSecret = channel.signingSecret ? await requireSecret(services.vault, channel.signingSecret) : undefined;
  await deliverAlert({ channel, url, signingSecret }, message, messageId, new Date(services.clock.now()));
}

/** One flush message per destination and flush time: repeats of the schedule are dropped by the queue. */
async function scheduleFlush(services: AppServices, organization: string, channel: AlertChannel, flushAt: Date): Promise<void> {
  const destination = destinationKey(channel);
  const id = `alerts-flush:${organization}:${destination}:${flushAt.getTime()}`;
  const envelope: EventEnvelope = {
    id,
    source: 'vigil',
    type: 'alerts.flush',
    organization,
    subject: { destination },
    receivedAt: new Date(services.clock.now()).toISOString(),
  };
  await services.queue.send('alerts', [{ messageId: id, body: envelope, scheduledEnqueueTime: flushAt }]);
}

/** The same held group always goes out under the same id, so a receiver can drop a repeat after a crash. */
function digestId(window: DestinationWindow): string {
  return `digest:${window.destination}:${window.flushAt ?? window.windowStart}`;
}
