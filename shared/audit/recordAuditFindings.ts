import { riskId, type Risk } from '../risks/risk';
import type { RiskStore, RiskTransition } from '../risks/riskStore';
import type { EndpointAudit } from './evaluateEndpoint';
import { serviceConnectionAssetId } from './serviceConnectionAsset';

export interface RecordedFinding {
  risk: Risk;
  transition: RiskTransition;
  sightingId: string;
}

/**
 * Records each failing check as a sighting of a `service-connection` risk. The sighting id is
 * `audit:{endpointId}:{checkId}:{fingerprint}`: the same failure audited again (every hour, and on
 * every endpoint event) is the same sighting, counted once and not announced again; a changed
 * endpoint has a new fingerprint, so a new risk. One exception: when the risk was resolved and the
 * failure is still there, the sighting id gains `:after:{resolvedAt}` so that it counts, and the
 * risk reopens.
 */
export async function recordAuditFindings(risks: RiskStore, organization: string, audit: EndpointAudit): Promise<RecordedFinding[]> {
  if (audit.findings.length === 0) return [];
  const endpoint = audit.endpoint;
  const asset = { id: serviceConnectionAssetId(endpoint.id), name: endpoint.name, type: 'service-connection' as const };
  const known = new Map((await risks.list({ organization, assetId: asset.id })).map((risk) => [risk.id, risk]));
  const recorded: RecordedFinding[] = [];
  for (const finding of audit.findings) {
    const id = riskId(organization, 'service-connection', finding.ruleId, asset.id, finding.fingerprint);
    const prior = known.get(id);
    const base = `audit:${endpoint.id}:${finding.checkId}:${finding.fingerprint}`;
    const sightingId = prior?.status === 'resolved' ? `${base}:after:${prior.resolvedAt ?? prior.lastSeenAt}` : base;
    const result = await risks.record({
      organization,
      kind: 'service-connection',
      ruleId: finding.ruleId,
      title: finding.title,
      severity: finding.severity,
      asset,
      fingerprint: finding.fingerprint,
      verified: finding.verified,
      evidence: finding.evidence,
      remediation: finding.remediation,
      sightingId,
    });
    recorded.push({ ...result, sightingId });
  }
  return recorded;
}
