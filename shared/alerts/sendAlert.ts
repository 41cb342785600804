import { OrganizationDirectory } from '../organizations/organizationDirectory';
import type { OrganizationSettings } from '../organizations/organizationSettings';
import type { Risk } from '../risks/risk';
import { RiskStore } from '../risks/riskStore';
import { PermanentError } from '../errors';
import type { UseCase } from '../runtime/queueTrigger';
import { requireSecret } from '../vault/managedVault';
import { alertContentFor } from './alertContent';
import { AlertLedger, type AlertLedgerEntry } from './alertLedger';
import { deliverAlert } from './deliverAlert';

const alerting = new Set(['opened', 'reopened']);

/**
 * The `alerts` queue's use case: a risk that opened (or reopened) is announced on each of its
 * organization's channels, once per (risk, transition, channel), redacted. Sightings of a risk
 * already open are not alerted again.
 */
export const sendAlert: UseCase = async (envelope, { services }) => {
  const transition = String(envelope.subject.transition ?? '');
  if (!alerting.has(transition)) return { skipped: `no alert for transition '${transition}'` };
  const riskId = String(envelope.subject.riskId ?? '');
  const risk = await new RiskStore(services.store.container<Risk>('risks'), services.clock).get(envelope.organization, riskId);
  if (!risk) throw new PermanentError(`risk '${riskId}' of organization '${envelope.organization}' not found`);
  const settings = await new OrganizationDirectory(services.store.container<OrganizationSettings>('organizations'), services.clock).get(envelope.organization);
  const ledger = new AlertLedger(services.store.container<AlertLedgerEntry>('alerts'), services.clock);
  const alert = alertContentFor(risk, transition as 'opened' | 'reopened');

  let sent = 0;
  for (const channel of settings.alertChannels) {
    const claim = await ledger.claim(risk.organization, risk.id, transition, channel);
    if (claim.action === 'already-sent') continue;
    const url = await requireSecret(services.vault, channel.urlSecret);
    const signingSecret = channel.signingSecret ? await requireSecret(services.vault, channel.signingSecret) : undefined;
    await deliverAlert({ channel, url, signingSecret }, alert, claim.id, new Date(services.clock.now()));
    await ledger.markSent(risk.organization, claim.id);
    sent++;
  }
  return { sent, channels: settings.alertChannels.length };
};
