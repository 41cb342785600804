import type { RiskStore, RiskTransition } from '../risks';
import { acceptanceEnded, type Risk, riskId, statusChangedAt } from '../risks';
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
 * failure is still there (or it was accepted and the acceptance has ended), the sighting id gains
 * `:after:{when it changed}` so that it counts, and the risk reopens. An accepted or false-positive
 * risk otherwise stays so. Risks of the connection the audit no longer finds are resolved (`resolveFixed`).
 */
export async function recordAuditFindings(
  risks: RiskStore,
  organization: string,
  audit: EndpointAudit,
  project?: string,
  now = Date.now(),
): Promise<RecordedFinding[]> {
  if (audit.findings.length === 0) return [];
  const endpoint = audit.endpoint;
  const asset = { id: serviceConnectionAssetId(endpoint.id), name: endpoint.name, type: 'service-connection' as const };
  const known = new Map((await risks.list({ organization, assetId: asset.id })).map((risk) => [risk.id, risk]));
  const recorded: RecordedFinding[] = [];
  for (const finding of audit.findings) {
    const id = riskId(organization, 'service-connection', finding.ruleId, asset.id, finding.fingerprint);
    const prior = known.get(id);
    const base = `audit:${endpoint.id}:${finding.checkId}:${finding.fingerprint}`;
    const reopens = prior !== undefined && (prior.status === 'resolved' || acceptanceEnded(prior, now));
    const sightingId = reopens ? `${base}:after:${prior.resolvedAt ?? statusChangedAt(prior)}` : base;
    const result = await risks.record({
      organization,
      kind: 'service-connection',
      ruleId: finding.ruleId,
      title: finding.title,
      severity: finding.severity,
      asset,
      ...(project ? { project } : {}),
      fingerprint: finding.fingerprint,
      verified: finding.verified,
      evidence: finding.evidence,
      remediation: finding.remediation,
      sightingId,
    });
    recorded.push({ ...result, sightingId });
  }
  return [...recorded, ...(await resolveFixed(risks, organization, audit, [...known.values()]))];
}

/**
 * The connection's open risks this audit no longer finds are resolved: their check passes (or no
 * longer applies), or fails for other values (the connection changed, so a new risk replaces the
 * old one). A check that could not be evaluated (a permission refused) proves nothing: its risks
 * stay open.
 */
async function resolveFixed(risks: RiskStore, organization: string, audit: EndpointAudit, known: Risk[]): Promise<RecordedFinding[]> {
  const settled = new Set([...audit.passed, ...audit.notApplicable]);
  const failing = new Map(audit.findings.map((finding) => [finding.ruleId, new Set<string>()]));
  for (const finding of audit.findings) failing.get(finding.ruleId)?.add(finding.fingerprint);
  const resolved: RecordedFinding[] = [];
  for (const risk of known) {
    if (risk.status !== 'open' || risk.kind !== 'service-connection') continue;
    const checkId = risk.ruleId.replace(/^service-connection\//, '');
    const because = settled.has(checkId)
      ? 'the check passes'
      : failing.get(risk.ruleId)?.has(risk.fingerprint) === false
        ? 'the connection changed'
        : undefined;
    if (!because) continue;
    const done = await risks.resolve(organization, risk.id, because);
    if (done) resolved.push({ risk: done, transition: 'resolved', sightingId: `resolved:${done.resolvedAt}` });
  }
  return resolved;
}
