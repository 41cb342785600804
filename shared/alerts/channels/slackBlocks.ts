import type { AlertContent } from '../alertContent';

/** A Slack incoming-webhook payload in Block Kit, with `text` as the notification fallback. */
export function slackPayload(alert: AlertContent): unknown {
  const where = alert.url ? `<${alert.url}|${escape(alert.location)}>` : escape(alert.location);
  return {
    text: alert.headline,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: alert.headline.slice(0, 150) } },
      {
        type: 'section',
        fields: [
          { type: 'mrkdwn', text: `*Organization*\n${escape(alert.organization)}` },
          { type: 'mrkdwn', text: `*Where*\n${where}` },
          { type: 'mrkdwn', text: `*Found*\n\`${escape(alert.redacted)}\` (${escape(alert.ruleId)})` },
          { type: 'mrkdwn', text: `*Seen*\n${alert.occurrences} time(s)` },
        ],
      },
      { type: 'section', text: { type: 'mrkdwn', text: `*What to do:* ${escape(alert.remediation)}` } },
    ],
  };
}

/** Slack's three control characters in mrkdwn. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
