import type { AppServices } from '../../app';
import { type RepositoryFindingSummary, repositorySightingId } from '../../repositories';
import { type RiskAsset, triageRisk } from '../../risks';
import type { TriageStatus } from './triageCommand';

/**
 * What triage from a pull request asks of the risk lifecycle, and nothing more: that a person
 * (who, when, why, from which comment) judged a finding's risk accepted or a false positive. The
 * triage use case programs against this interface; `riskLifecycle` is the adapter onto the risks
 * folder's `triageRisk`, which keeps the triage record on the risk and announces `risk.changed`
 * (the work-item sync and the alerts hear it).
 */
export interface TriageRequest {
  status: TriageStatus;
  reason: string;
  by: { id: string; name: string };
  at: string;
  /** What it came from: `pull request #7 of octo-org/payments`. */
  reference: string;
  /** Identifies the request (the comment), so a redelivered comment triages once. */
  requestId: string;
}

/** The finding as the pull request scan saw it: enough to make its risk exist when no push recorded it yet. */
export interface TriagedFinding {
  riskId: string;
  finding: RepositoryFindingSummary;
  asset: { id: string; name: string };
  /** The Azure DevOps project of the repository (none on GitHub and GitLab). */
  project?: string;
}

/** `no-risk`: a tool's finding whose risk Vigil does not hold (its results are recorded as risks before they are posted). */
export type TriageOutcome = 'triaged' | 'already-triaged' | 'no-risk';

export interface RiskLifecycle {
  triage(organization: string, subject: TriagedFinding, request: TriageRequest): Promise<TriageOutcome>;
}

/**
 * The risks folder's lifecycle. A pull request's findings become risks when the push that brought
 * them is scanned; one triaged before that is recorded first, as a sighting at the pull request's
 * head with the id the push scan would give it (so the push does not count it twice). A tool's
 * finding (SARIF results) is its `code-finding` or `dependency-vulnerability` risk, recorded before
 * it was posted: nothing is made for it here.
 */
export function riskLifecycle(services: AppServices): RiskLifecycle {
  return {
    async triage(organization, subject, request) {
      const { finding, asset } = subject;
      const risks = services.stores.risks;
      const existing = await risks.get(organization, subject.riskId);
      if (!existing && finding.tool) return 'no-risk';
      if (!existing) {
        await risks.record({
          organization,
          kind: 'leaked-secret',
          ruleId: finding.ruleId,
          title: finding.title,
          severity: finding.severity,
          asset: { ...asset, type: 'repository' } satisfies RiskAsset,
          ...(subject.project ? { project: subject.project } : {}),
          fingerprint: finding.fingerprint,
          verified: finding.verified,
          evidence: {
            location: `${finding.path}:${finding.line} @ ${finding.commitId.slice(0, 7)}`,
            redacted: finding.redacted,
            ...(finding.url ? { url: finding.url } : {}),
          },
          remediation: finding.remediation ?? '',
          sightingId: repositorySightingId(finding.commitId, finding.path, finding.line, finding.fingerprint),
        });
      }
      const result = await triageRisk({ risks, queue: services.queue, clock: services.clock }, organization, subject.riskId, {
        status: request.status,
        reason: request.reason,
        by: request.by.name,
        source: 'pull-request',
        reference: request.reference,
        key: request.requestId,
      });
      return result.applied ? 'triaged' : 'already-triaged';
    },
  };
}
