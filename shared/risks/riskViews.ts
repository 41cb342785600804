import type { Risk } from './risk';

/**
 * The public shapes of a risk, printed by `vigil risks list/show --json` and answered by the overview's
 * JSON API (docs/architecture.md, "The `vigil` command"): what was found where, redacted; never the secret.
 */
export function riskListView(risk: Risk) {
  return {
    id: risk.id,
    organization: risk.organization,
    kind: risk.kind,
    ruleId: risk.ruleId,
    severity: risk.severity,
    status: risk.status,
    asset: risk.asset,
    occurrences: risk.occurrences,
    firstSeenAt: risk.firstSeenAt,
    lastSeenAt: risk.lastSeenAt,
    evidence: { location: risk.evidence.location, redacted: risk.evidence.redacted },
  };
}

export type RiskListView = ReturnType<typeof riskListView>;

/** What `vigil risks show --json` prints about the work item kept for a risk. */
export interface RiskWorkItemView {
  id: number;
  url: string | null;
  state: string | null;
  project: string;
  link: string;
}

export function riskDetailView(risk: Risk, workItem: RiskWorkItemView | null) {
  return {
    risk: {
      ...riskListView(risk),
      title: risk.title,
      remediation: risk.remediation,
      ...(risk.project ? { project: risk.project } : {}),
      triage: risk.triage ?? null,
      history: risk.history ?? [],
    },
    workItem,
  };
}
