/**
 * The `scans` document of one audit (docs/architecture.md, "State"): what was audited and what failed, never a
 * credential. It also serves two bookkeeping jobs:
 * - a whole-project audit runs at most once an hour: the document is the claim (written with an
 *   etag before the audit starts) and the record of when it last completed;
 * - it is the outbox of the risk events the audit owes: they are listed in it before they are
 *   sent and cleared after, so an audit that crashes in between announces them on its next run
 *   (with the same message ids, which the queue's duplicate detection drops if they did go out).
 */
export interface AuditRecord {
  /** `audit:{project}:{endpointId}` for an endpoint event, `audit:{project}:all` for a project audit. */
  id: string;
  organization: string;
  kind: 'audit';
  project: string;
  /** The connection an endpoint event audited; absent for a whole project. */
  endpointId?: string;
  /** The event type that caused it (`build.complete`, `ms.vss-endpoint.endpoint-updated`). */
  trigger: string;
  /** running: claimed, under way; announcing: risks recorded, events being sent; failed: stopped by an error, due again. */
  status: 'running' | 'announcing' | 'completed' | 'failed';
  endpointsAudited: number;
  /** Failing (connection, check) pairs, whether their risks are new or already known. */
  checksFailed: number;
  /** Checks that could not run because Azure DevOps refused the data they need. */
  checksUnevaluated: number;
  risksOpened: number;
  risksReopened: number;
  /** Risks of audited connections this audit no longer found (their check passes, or the connection changed). */
  risksResolved?: number;
  /** Azure DevOps requests made. */
  apiCalls: number;
  endpoints: EndpointAuditSummary[];
  pendingAnnouncements: PendingAnnouncement[];
  startedAt: string;
  /** When it completed. */
  auditedAt?: string;
  durationMs: number;
  error?: string;
}

export interface EndpointAuditSummary {
  id: string;
  name: string;
  type: string;
  /** Check ids that failed. */
  failed: string[];
  unevaluated: string[];
}

export interface PendingAnnouncement {
  riskId: string;
  transition: 'opened' | 'reopened' | 'resolved';
  sightingId: string;
}

export const projectAuditIntervalMs = 60 * 60_000;
/** How long a claim holds off other workers; a worker that died holding it is replaced after this. */
export const projectAuditClaimMs = 15 * 60_000;
/** A bound on the per-connection list, so that a huge project cannot outgrow a document. */
export const maxEndpointSummaries = 1000;

export function auditRecordId(project: string, endpointId?: string): string {
  return `audit:${project}:${endpointId ?? 'all'}`;
}

/** Whether a project audit should run now, given the last record of one (see projectAuditIntervalMs). */
export function projectAuditDue(previous: AuditRecord | undefined, now: number): boolean {
  if (!previous) return true;
  switch (previous.status) {
    case 'completed':
      return previous.auditedAt === undefined || now - Date.parse(previous.auditedAt) >= projectAuditIntervalMs;
    case 'running':
      return now - Date.parse(previous.startedAt) >= projectAuditClaimMs;
    default:
      return true; // announcing or failed: events may be owed
  }
}
