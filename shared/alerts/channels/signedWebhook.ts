import { Webhook } from 'standardwebhooks';
import type { AlertMessage } from '../alertContent';

/**
 * A generic webhook signed per the Standard Webhooks spec: `webhook-id` (the ledger id, so
 * receivers can drop a redelivery), `webhook-timestamp`, `webhook-signature` (`v1,<HMAC-SHA256>`).
 * The signing secret is a `whsec_<base64>` value from the vault. A digest is `risk.alert.batch`
 * with every grouped alert in `data.alerts`; a notice about Vigil itself is `vigil.notice`.
 */
export function signedWebhookRequest(
  message: AlertMessage,
  messageId: string,
  signingSecret: string,
  now: Date,
): { body: string; headers: Record<string, string> } {
  const payload =
    message.kind === 'single'
      ? { type: 'risk.alert', timestamp: now.toISOString(), data: message.alert }
      : message.kind === 'notice'
        ? { type: 'vigil.notice', timestamp: now.toISOString(), data: message.notice }
        : {
            type: 'risk.alert.batch',
            timestamp: now.toISOString(),
            data: {
              organization: message.organization,
              headline: message.headline,
              ...(message.summary ? { summary: message.summary } : {}),
              alerts: message.alerts,
            },
          };
  const body = JSON.stringify(payload);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(signingSecret).sign(messageId, now, body),
    },
  };
}
