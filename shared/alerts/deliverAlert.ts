import { PermanentError, ThrottledError, TransientError } from '../errors';
import type { AlertChannel } from '../organizations';
import { telemetry } from '../telemetry';
import type { AlertMessage } from './alertContent';
import { signedWebhookRequest } from './channels/signedWebhook';
import { slackPayload } from './channels/slackBlocks';
import { teamsPayload } from './channels/teamsCard';

export interface AlertDestination {
  channel: AlertChannel;
  url: string;
  signingSecret?: string;
}

/**
 * Posts one alert to one channel and maps the answer onto the settlement errors, in a client span,
 * counted by channel type and outcome. Neither carries the URL: it holds the channel's credential.
 */
export async function deliverAlert(
  destination: AlertDestination,
  message: AlertMessage,
  messageId: string,
  now: Date,
  fetchImpl: typeof fetch = fetch,
): Promise<void> {
  const channelType = destination.channel.type;
  try {
    await telemetry().inSpan(`alert ${channelType}`, { kind: 'client', attributes: { 'vigil.channel.type': channelType } }, () =>
      post(destination, message, messageId, now, fetchImpl),
    );
    telemetry().count('vigil.alerts', 1, { channel_type: channelType, outcome: 'sent' });
  } catch (error) {
    telemetry().count('vigil.alerts', 1, { channel_type: channelType, outcome: 'failed' });
    throw error;
  }
}

async function post(
  destination: AlertDestination,
  message: AlertMessage,
  messageId: string,
  now: Date,
  fetchImpl: typeof fetch,
): Promise<void> {
  const { channel } = destination;
  const request =
    channel.type === 'webhook'
      ? signedWebhookRequest(message, messageId, requiredSigningSecret(destination), now)
      : {
          body: JSON.stringify(channel.type === 'teams' ? teamsPayload(message) : slackPayload(message)),
          headers: { 'content-type': 'application/json' },
        };
  let response: Response;
  try {
    response = await fetchImpl(destination.url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'error' });
  } catch (error) {
    throw new TransientError(
      `the ${channel.type} channel (secret '${channel.urlSecret}') could not be reached: ${(error as Error).message}`,
    );
  }
  await response.body?.cancel();
  if (response.ok) return;
  const where = `the ${channel.type} channel (secret '${channel.urlSecret}')`;
  if (response.status === 429) {
    const seconds = Number(response.headers.get('retry-after'));
    throw new ThrottledError(`${where} is rate-limiting alerts`, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000);
  }
  if (response.status >= 500 || response.status === 408) throw new TransientError(`${where} answered ${response.status}`);
  throw new PermanentError(`${where} refused the alert with ${response.status}: check the URL stored in that secret`);
}

function requiredSigningSecret(destination: AlertDestination): string {
  if (!destination.signingSecret) {
    throw new PermanentError(
      `webhook channel (secret '${destination.channel.urlSecret}') has no signing secret: add one with vigil orgs channel add --signing-secret`,
    );
  }
  return destination.signingSecret;
}
