import { type AlertContent, type AlertMessage, digestListLimit, digestRemainder } from '../alertContent';

/** A Slack incoming-webhook payload in Block Kit, with `text` as the notification fallback. */
export function slackPayload(message: AlertMessage): unknown {
  if (message.kind === 'single') return singleAlert(message.alert);
  if (message.kind === 'notice') {
    const { notice } = message;
    return {
      text: notice.headline,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: notice.headline.slice(0, 150) } },
        { type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(notice.text).slice(0, 2900) } },
        { type: 'section', text: { type: 'mrkdwn', text: `*What to do:* ${escapeMrkdwn(notice.action)}` } },
      ],
    };
  }
  const remainder = digestRemainder(message);
  return {
    text: message.headline,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: message.headline.slice(0, 150) } },
      ...(message.summary ? [{ type: 'section', text: { type: 'mrkdwn', text: escapeMrkdwn(message.summary).slice(0, 2900) } }] : []),
      ...message.alerts.slice(0, digestListLimit).map((alert) => ({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `*${escapeMrkdwn(alert.severity)}* · ${escapeMrkdwn(alert.headline)}\n${where(alert)} · \`${escapeMrkdwn(alert.redacted)}\`\n${escapeMrkdwn(alert.remediation)}`,
        },
      })),
      ...(remainder ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(remainder) }] }] : []),
    ],
  };
}

function singleAlert(alert: AlertContent): unknown {
  return {
    text: alert.headline,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: alert.headline.slice(0, 150) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Organization*\n${escapeMrkdwn(alert.organization)}` },
          { type: 'mrkdwn', text: `*Where*\n${where(alert)}` },
          { type: 'mrkdwn', text: `*Found*\n\`${escapeMrkdwn(alert.redacted)}\` (${escapeMrkdwn(alert.ruleId)})` },
          { type: 'mrkdwn', text: `*Seen*\n${alert.occurrences} time(s)` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*What to do:* ${escapeMrkdwn(alert.remediation)}` } },
    ],
  };
}

function where(alert: AlertContent): string {
  return alert.url ? `<${alert.url}|${escapeMrkdwn(alert.location)}>` : escapeMrkdwn(alert.location);
}

/** Slack's three control characters in mrkdwn. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
