import { digestListLimit, digestRemainder, type AlertContent, type AlertMessage } from '../alertContent';

/** A Slack incoming-webhook payload in Block Kit, with `text` as the notification fallback. */
export function slackPayload(message: AlertMessage): unknown {
  if (message.kind === 'single') return singleAlert(message.alert);
  if (message.kind === 'notice') {
    const { notice } = message;
    return {
      text: notice.headline,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: notice.headline.slice(0, 150) } },
        { type: 'section', text: { type: 'mrkdwn', text: escape(notice.text).slice(0, 2900) } },
        { type: 'section', text: { type: 'mrkdwn', text: `*What to do:* ${escape(notice.action)}` } },
      ],
    };
  }
  const remainder = digestRemainder(message);
  return {
    text: message.headline,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: message.headline.slice(0, 150) } },
      ...message.alerts.slice(0, digestListLimit).map((alert) => ({
        type: 'section',
        text: { type: 'mrkdwn', text: `*${escape(alert.severity)}* · ${escape(alert.headline)}\n${where(alert)} · \`${escape(alert.redacted)}\`\n${escape(alert.remediation)}` },
      })),
      ...(remainder ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: escape(remainder) }] }] : []),
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
          { type: 'mrkdwn', text: `*Organization*\n${escape(alert.organization)}` },
          { type: 'mrkdwn', text: `*Where*\n${where(alert)}` },
          { type: 'mrkdwn', text: `*Found*\n\`${escape(alert.redacted)}\` (${escape(alert.ruleId)})` },
          { type: 'mrkdwn', text: `*Seen*\n${alert.occurrences} time(s)` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*What to do:* ${escape(alert.remediation)}` } },
    ],
  };
}

function where(alert: AlertContent): string {
  return alert.url ? `<${alert.url}|${escape(alert.location)}>` : escape(alert.location);
}

/** Slack's three control characters in mrkdwn. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
