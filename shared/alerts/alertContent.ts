import type { Risk } from '../risks';

/** What every channel says about a risk: redacted, where, how bad, what to do. Never the secret. */
export interface AlertContent {
  headline: string;
  severity: Risk['severity'];
  organization: string;
  asset: string;
  ruleId: string;
  redacted: string;
  location: string;
  url?: string;
  remediation: string;
  occurrences: number;
  riskId: string;
}

export function alertContentFor(risk: Risk, transition: 'opened' | 'reopened'): AlertContent {
  return {
    headline: `${transition === 'reopened' ? 'Reopened' : 'New'} ${risk.severity} risk: ${risk.title} in ${risk.asset.name}`,
    severity: risk.severity,
    organization: risk.organization,
    asset: risk.asset.name,
    ruleId: risk.ruleId,
    redacted: risk.evidence.redacted,
    location: risk.evidence.location,
    ...(risk.evidence.url ? { url: risk.evidence.url } : {}),
    remediation: risk.remediation,
    occurrences: risk.occurrences,
    riskId: risk.id,
  };
}

/** A notice about Vigil itself rather than a risk: what is wrong and what to do (a failing work-item sync). */
export interface AlertNotice {
  headline: string;
  organization: string;
  text: string;
  /** What to do about it, one line. */
  action: string;
}

/** What goes out in one post: one alert, a window's held alerts grouped into one digest, or a notice. */
export type AlertMessage =
  | { kind: 'single'; alert: AlertContent }
  | { kind: 'digest'; headline: string; organization: string; alerts: AlertContent[]; summary?: string }
  | { kind: 'notice'; notice: AlertNotice };

/** How many risks a digest lists before pointing at the CLI (Slack caps a message at 50 blocks). */
export const digestListLimit = 20;

/** `summary`: a few written sentences on the whole group (alertSummary.ts), shown above the list. */
export function alertDigestFor(organization: string, alerts: AlertContent[], summary?: string): AlertMessage {
  if (alerts.length === 1) return { kind: 'single', alert: alerts[0] };
  const worst = severityOrder.find((s) => alerts.some((a) => a.severity === s)) ?? 'low';
  return {
    kind: 'digest',
    organization,
    alerts,
    headline: `${alerts.length} new risks in ${organization} (worst: ${worst})`,
    ...(summary ? { summary } : {}),
  };
}

/** The line a digest ends with when it lists fewer risks than it carries. */
export function digestRemainder(message: Extract<AlertMessage, { kind: 'digest' }>): string | undefined {
  const rest = message.alerts.length - digestListLimit;
  return rest > 0 ? `…and ${rest} more: vigil risks list --org ${message.organization} --status open` : undefined;
}

const severityOrder: Risk['severity'][] = ['critical', 'high', 'medium', 'low'];
