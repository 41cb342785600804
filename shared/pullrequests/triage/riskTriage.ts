import { queuesFor } from '../../app/eventRoutes';
import type { AppServices } from '../../app/services';
import type { EventEnvelope } from '../../events/envelope';
import type { RepositoryFindingSummary } from '../../repositories/contentScan/repositoryScanRecord';
import { repositorySightingId } from '../../repositories/contentScan/repositoryRiskRecorder';
import type { RiskAsset } from '../../risks/risk';
import type { TriageStatus } from './triageCommand';

/**
 * What triage from a pull request asks of the risk lifecycle, and nothing more: record that a
 * person (who, when, why) judged a risk accepted or a false positive, and announce the change.
 * The publisher programs against this interface only; `riskStoreTriage` below is the adapter for
 * today's risk model (statuses `open|resolved`). When the lifecycle with `accepted` and
 * `false-positive` and a triage record lands, a new adapter calls its triage function instead
 * (docs/pull-requests.md, "Triage from the pull request").
 */
export interface TriageRequest {
  status: TriageStatus;
  reason: string;
  by: { id: string; name: string };
  source: 'pull-request';
  at: string;
  /** Where it was asked: the pull request's web address, when known. */
  where?: string;
  /** Identifies the request (the comment), so a redelivered comment triages once. */
  requestId: string;
}

/** The finding as the pull request scan saw it: enough to make the risk exist if no push recorded it yet. */
export interface TriagedFinding {
  riskId: string;
  finding: RepositoryFindingSummary;
  asset: { id: string; name: string };
}

export type TriageOutcome = 'triaged' | 'already-triaged';

export interface RiskTriage {
  triage(organization: string, subject: TriagedFinding, request: TriageRequest): Promise<TriageOutcome>;
}

/**
 * Today's adapter: the risk is made to exist (a pull request's findings become risks when the push
 * that brought them is scanned; one triaged before that is recorded here as a sighting at the pull
 * request's head, with the same sighting id the push scan would use, so it is not counted twice),
 * then resolved with the triage as its resolution — `false-positive by Rae Reviewer from a pull
 * request: test fixture` — and a `risk.changed` is announced with the triage status as its
 * transition. The full triage record (who, id, when, why, the comment) is also kept in the
 * pull request's feedback document.
 */
export function riskStoreTriage(services: AppServices): RiskTriage {
  return {
    async triage(organization, subject, request) {
      const { finding, asset } = subject;
      const risks = services.stores.risks;
      const existing = await risks.get(organization, subject.riskId);
      if (!existing) {
        await risks.record({
          organization,
          kind: 'leaked-secret',
          ruleId: finding.ruleId,
          title: finding.title,
          severity: finding.severity,
          asset: { ...asset, type: 'repository' } satisfies RiskAsset,
          fingerprint: finding.fingerprint,
          verified: finding.verified,
          evidence: { location: `${finding.path}:${finding.line} @ ${finding.commitId.slice(0, 7)}`, redacted: finding.redacted, ...(finding.url ? { url: finding.url } : {}) },
          remediation: finding.remediation ?? '',
          sightingId: repositorySightingId(finding.commitId, finding.path, finding.line, finding.fingerprint),
        });
      }
      const resolution = `${request.status} by ${request.by.name} from a pull request: ${request.reason}`;
      const resolved = await risks.resolve(organization, subject.riskId, resolution);
      if (!resolved) return 'already-triaged';
      const changed: EventEnvelope = {
        id: `risk:${subject.riskId}:${request.status}:${request.requestId}`.slice(0, 500),
        source: 'vigil',
        type: 'risk.changed',
        organization,
        subject: { riskId: subject.riskId, transition: request.status, by: request.by.name.slice(0, 200), source: request.source },
        receivedAt: request.at,
      };
      for (const queue of queuesFor(changed)) await services.queue.send(queue, [{ messageId: changed.id, body: changed }]);
      return 'triaged';
    },
  };
}
