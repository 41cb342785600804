import { Webhook } from 'standardwebhooks';
import type { AlertContent } from '../alertContent';

/**
 * A generic webhook signed per the Standard Webhooks spec: `webhook-id` (the ledger id, so
 * receivers can drop a redelivery), `webhook-timestamp`, `webhook-signature` (`v1,<HMAC-SHA256>`).
 * The signing secret is a `whsec_<base64>` value from the vault.
 */
export function signedWebhookRequest(alert: AlertContent, messageId: string, signingSecret: string, now: Date): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ type: 'risk.alert', timestamp: now.toISOString(), data: alert });
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
