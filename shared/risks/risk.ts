import { createHash } from 'node:crypto';

/**
 * A risk: something an organization should fix, seen once or many times (docs/architecture.md, "State"). Its id is
 * derived from what it is, never from when it was seen, so the same finding in the next build is
 * the same risk with a higher occurrence count.
 */
export type RiskKind = 'leaked-secret' | 'service-connection' | 'code-finding' | 'dependency-vulnerability';
export const riskKinds = [
  'leaked-secret',
  'service-connection',
  'code-finding',
  'dependency-vulnerability',
] as const satisfies readonly RiskKind[];
export type RiskSeverity = 'critical' | 'high' | 'medium' | 'low';

/**
 * Where a risk stands (docs/work-items.md, "The risk lifecycle"): `open` until it is fixed
 * (`resolved`), judged acceptable for a while (`accepted`, with an expiry after which it reopens)
 * or judged not a risk at all (`false-positive`). A resolved risk seen again reopens; an accepted
 * or false-positive one stays so while its occurrences still rise.
 */
export const riskStatuses = ['open', 'resolved', 'accepted', 'false-positive'] as const;
export type RiskStatus = (typeof riskStatuses)[number];

/** Where a status change came from. `scan` and `audit` are Vigil's own findings; `expiry` an acceptance that ran out. */
export const triageSources = ['cli', 'work-item', 'pull-request', 'scan', 'audit', 'expiry'] as const;
export type TriageSource = (typeof triageSources)[number];

/** One status change: who made it, when, why and where it came from. */
export interface RiskTriage {
  status: RiskStatus;
  reason: string;
  /** A person's name, or `Vigil` for its own changes. */
  by: string;
  at: string;
  source: TriageSource;
  /** For `accepted`: when the acceptance ends and the risk reopens. */
  until?: string;
  /** What it came from, when there is one: `work item #12`, `pull request 7`. */
  reference?: string;
  /** The request's own key (a work item revision, a pull request comment): the same request applied twice is recognised. */
  key?: string;
}

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
  /** Whether the leaked credential still worked when last seen, when the organization verifies (docs/scanning.md, "Verification"). */
  liveness?: { status: 'live' | 'revoked' | 'unknown'; service: string; reason?: string };
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
  /** The Azure DevOps project the asset lives in, when it has one (a work item for it is filed there by default). */
  project?: string;
  /** HMAC fingerprint of a leaked secret, or a digest of the failing setting. */
  fingerprint: string;
  verified: boolean;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  evidence: RiskEvidence;
  remediation: string;
  /** The tool that reported it, for a risk from a CI's SARIF log (`Trivy`, `Semgrep OSS`, `CodeQL`). */
  tool?: string;
  /** Advisory ids (CVE, GHSA) of a `dependency-vulnerability`: they become work item tags. */
  tags?: string[];
  /** The sightings already counted (bounded), so a redelivered scan does not count twice. */
  recentSightings: string[];
  resolvedAt?: string;
  /** Why it was resolved: `the check passes`, `closed in work item #12 by Dana`. */
  resolution?: string;
  /** When the status last changed (absent on risks recorded before it was kept: `triage.at`, else `firstSeenAt`). */
  statusChangedAt?: string;
  /** The latest status change after the risk opened: who, when, why, from where. */
  triage?: RiskTriage;
  /** Earlier status changes, oldest first (bounded). */
  history?: RiskTriage[];
}

export function riskId(organization: string, kind: RiskKind, ruleId: string, assetId: string, fingerprint: string): string {
  return createHash('sha256').update([organization, kind, ruleId, assetId, fingerprint].join('\u0000')).digest('base64url');
}

/** When the risk's status last changed. */
export function statusChangedAt(risk: Pick<Risk, 'statusChangedAt' | 'triage' | 'firstSeenAt'>): string {
  return risk.statusChangedAt ?? risk.triage?.at ?? risk.firstSeenAt;
}

/** True for an accepted risk whose acceptance has ended. */
export function acceptanceEnded(risk: Pick<Risk, 'status' | 'triage'>, now: number): boolean {
  if (risk.status !== 'accepted' || !risk.triage?.until) return false;
  const until = Date.parse(risk.triage.until);
  return Number.isFinite(until) && until <= now;
}
