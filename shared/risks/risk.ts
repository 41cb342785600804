import { createHash } from 'node:crypto';

/**
 * A risk: something an organization should fix, seen once or many times (docs/architecture.md, "State"). Its id is
 * derived from what it is, never from when it was seen, so the same finding in the next build is
 * the same risk with a higher occurrence count.
 */
export type RiskKind = 'leaked-secret' | 'service-connection';
export type RiskSeverity = 'critical' | 'high' | 'medium' | 'low';
export type RiskStatus = 'open' | 'resolved';

export interface RiskAsset {
  id: string;
  name: string;
  type: 'repository' | 'pipeline' | 'service-connection';
}

export interface RiskEvidence {
  /** Where it was seen: `build 7 / log 12 line 40`, `src/app.ts:12`, `endpoint.authorization.scheme`. */
  location: string;
  /** Never the secret: a preview such as `ghp_****3kT9`, or the offending setting and its value. */
  redacted: string;
  url?: string;
}

export interface Risk {
  id: string;
  organization: string;
  kind: RiskKind;
  ruleId: string;
  title: string;
  severity: RiskSeverity;
  status: RiskStatus;
  asset: RiskAsset;
  /** HMAC fingerprint of a leaked secret, or a digest of the failing setting. */
  fingerprint: string;
  verified: boolean;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  evidence: RiskEvidence;
  remediation: string;
  /** The sightings already counted (bounded), so a redelivered scan does not count twice. */
  recentSightings: string[];
  resolvedAt?: string;
  /** Why it was resolved: `the check passes`, `the connection changed` (an audit that no longer finds it). */
  resolution?: string;
}

export function riskId(organization: string, kind: RiskKind, ruleId: string, assetId: string, fingerprint: string): string {
  return createHash('sha256').update([organization, kind, ruleId, assetId, fingerprint].join('\u0000')).digest('base64url');
}
