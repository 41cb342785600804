import type { AlertContent } from '../alertContent';

/** A Teams Workflows ("When a Teams webhook request is received") payload: one Adaptive Card 1.4 attachment. */
export function teamsPayload(alert: AlertContent): unknown {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: alert.headline, color: alert.severity === 'critical' || alert.severity === 'high' ? 'Attention' : 'Warning' },
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
        },
      },
    ],
  };
}
