import type { Risk } from '../risks/risk';

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
