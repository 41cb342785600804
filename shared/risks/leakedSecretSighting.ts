import type { Finding } from '../scanning';
import type { RiskAsset } from './risk';
import type { RiskSighting } from './riskStore';

/** A secret the engine found, as a sighting of a `leaked-secret` risk: where it was seen is the caller's, the rest is the finding's (redacted). */
export function leakedSecretSighting(
  finding: Finding,
  where: { organization: string; asset: RiskAsset; project?: string; location: string; url?: string; sightingId: string },
): RiskSighting {
  return {
    organization: where.organization,
    kind: 'leaked-secret',
    ruleId: finding.ruleId,
    title: finding.title,
    severity: finding.severity,
    asset: where.asset,
    ...(where.project ? { project: where.project } : {}),
    fingerprint: finding.fingerprint,
    verified: finding.verified,
    evidence: {
      location: where.location,
      redacted: finding.redacted,
      ...(where.url ? { url: where.url } : {}),
      ...(finding.liveness ? { liveness: finding.liveness } : {}),
    },
    remediation: finding.remediation,
    sightingId: where.sightingId,
  };
}
