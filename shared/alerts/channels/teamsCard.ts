import { type AlertContent, type AlertMessage, type AlertNotice, digestListLimit, digestRemainder } from '../alertContent';

/** A Teams Workflows ("When a Teams webhook request is received") payload: one Adaptive Card 1.4 attachment. */
export function teamsPayload(message: AlertMessage): unknown {
  const card =
    message.kind === 'single' ? singleAlert(message.alert) : message.kind === 'notice' ? notice(message.notice) : digest(message);
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', ...card },
      },
    ],
  };
}

function singleAlert(alert: AlertContent) {
  return {
    body: [
      title(alert.headline, alert.severity),
      {
        type: 'FactSet',
        facts: [
          { title: 'Organization', value: alert.organization },
          { title: 'Where', value: alert.location },
          { title: 'Found', value: `${alert.ruleId}: ${alert.redacted}` },
          { title: 'Seen', value: `${alert.occurrences} time(s)` },
        ],
      },
      { type: 'TextBlock', wrap: true, text: `What to do: ${alert.remediation}` },
    ],
    ...(alert.url ? { actions: [{ type: 'Action.OpenUrl', title: 'Open', url: alert.url }] } : {}),
  };
}

function digest(message: Extract<AlertMessage, { kind: 'digest' }>) {
  const remainder = digestRemainder(message);
  const worst = message.alerts.some((a) => a.severity === 'critical' || a.severity === 'high') ? 'high' : 'medium';
  return {
    body: [
      title(message.headline, worst),
      ...(message.summary ? [{ type: 'TextBlock', wrap: true, text: message.summary }] : []),
      ...message.alerts.slice(0, digestListLimit).map((alert) => ({
        type: 'Container',
        separator: true,
        items: [
          { type: 'TextBlock', wrap: true, weight: 'Bolder', text: alert.headline },
          {
            type: 'TextBlock',
            wrap: true,
            spacing: 'None',
            text: `${alert.url ? `[${alert.location}](${alert.url})` : alert.location} · ${alert.ruleId}: ${alert.redacted}`,
          },
          { type: 'TextBlock', wrap: true, spacing: 'None', isSubtle: true, text: `What to do: ${alert.remediation}` },
        ],
      })),
      ...(remainder ? [{ type: 'TextBlock', wrap: true, isSubtle: true, text: remainder }] : []),
    ],
  };
}

function notice(content: AlertNotice) {
  return {
    body: [
      title(content.headline, 'high'),
      { type: 'FactSet', facts: [{ title: 'Organization', value: content.organization }] },
      { type: 'TextBlock', wrap: true, text: content.text },
      { type: 'TextBlock', wrap: true, text: `What to do: ${content.action}` },
    ],
  };
}

function title(text: string, severity: AlertContent['severity']) {
  return {
    type: 'TextBlock',
    size: 'Medium',
    weight: 'Bolder',
    wrap: true,
    text,
    color: severity === 'critical' || severity === 'high' ? 'Attention' : 'Warning',
  };
}
