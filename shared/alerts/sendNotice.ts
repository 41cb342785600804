import type { UseCase } from '../app';
import { requireSecret } from '../vault';
import type { AlertMessage } from './alertContent';
import { deliverAlert } from './deliverAlert';

/**
 * `vigil:workitems.sync-failing` on `alerts` (subject `{ since }`): an organization's work-item
 * sync stopped on a configuration failure; each of its channels hears it once (the ledger keys it
 * by the failure's time), with the reason and what to do. A failure already cleared by the time
 * this runs is not announced.
 */
export const alertWorkItemSyncFailing: UseCase = async (envelope, { services }) => {
  const since = String(envelope.subject.since ?? '');
  const settings = await services.stores.organizations.get(envelope.organization);
  const state = settings.workItemSync;
  if (!state || state.since !== since) return { skipped: 'the failure was cleared since' };
  const message: AlertMessage = {
    kind: 'notice',
    notice: {
      headline: `Work-item sync stopped for ${settings.organization}`,
      organization: settings.organization,
      text: state.reason,
      action: `fix the setting, then run: vigil workitems retry --org ${settings.organization} (messages are parked until then; vigil status shows it)`,
    },
  };
  let sent = 0;
  for (const channel of settings.alertChannels) {
    const claim = await services.stores.alertLedger.claim(
      settings.organization,
      `workitem-sync:${settings.organization}`,
      `failing:${since}`,
      channel,
    );
    if (claim.action === 'already-sent') continue;
    const url = await requireSecret(services.vault, channel.urlSecret);
    const signingSecret = channel.signingSecret ? await requireSecret(services.vault, channel.signingSecret) : undefined;
    await deliverAlert({ channel, url, signingSecret }, message, claim.id, new Date(services.clock.now()));
    await services.stores.alertLedger.markSent(settings.organization, claim.id);
    sent++;
  }
  return { sent, channels: settings.alertChannels.length };
};
