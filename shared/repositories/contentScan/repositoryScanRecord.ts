import type { Finding } from '../../scanning';
import type { ContentScanSummary, SkipReason, SkippedFiles } from './repositoryContentScan';

/**
 * The `scans` document of one repository content scan (docs/architecture.md, "State"): what was read, what was left
 * out and why, and what was found — never a secret. The pull request publisher reads `results` of
 * a `pull-request` scan to write its comment.
 */
export type RepositoryScanKind = 'repository' | 'push' | 'pull-request';

export interface CommitAuthor {
  name?: string;
  email?: string;
  date?: string;
}

/** One finding as a scan lists it: the engine's finding (its path relative to the repository root), and whose commit. */
export interface RepositoryFindingSummary extends Pick<Finding, 'ruleId' | 'title' | 'severity' | 'path' | 'line' | 'column' | 'redacted' | 'fingerprint' | 'verified'> {
  commitId: string;
  author?: CommitAuthor;
  /** The risk this finding is (or would be) a sighting of. */
  riskId: string;
  /** The file at that line in the web UI, when the repository's web address is known. */
  url?: string;
}

export interface RepositoryScanRecord {
  id: string;
  organization: string;
  kind: RepositoryScanKind;
  /** Project name. */
  project: string;
  repositoryId: string;
  /** `{project}/{repository}`, as risks name the asset. */
  repository: string;
  /** The commit scanned: the branch head (full scan), the newest commit of a push, the pull request's source commit. */
  commitId: string;
  branch?: string;
  /** Why a full scan ran: `new`, `default-branch-changed`, `on-demand`, ... */
  reason?: string;
  pushId?: number;
  pullRequestId?: number;
  commitsScanned?: number;
  filesScanned: number;
  filesSkipped: number;
  skipped: Partial<Record<SkipReason, SkippedFiles>>;
  bytesScanned: number;
  findings: number;
  risksOpened: number;
  /** The findings, the first `maxListedResults` of them. */
  results: RepositoryFindingSummary[];
  resultsTruncated: boolean;
  /** Set when the scan stopped at a limit: what the limits were and how many changed files (and commits) it left unread. */
  limit?: { maxFiles: number; filesNotScanned: number; maxCommits?: number; commitsNotScanned?: number };
  durationMs: number;
  scannedAt: string;
}

export const maxListedResults = 100;

/** What every scan document reports of its file loop and its findings (`risksOpened` is 0 for a scan that records no risks). */
export function scanResults(
  summary: ContentScanSummary,
  findings: { risksOpened: number; summaries: { list: RepositoryFindingSummary[]; truncated: boolean } },
): Pick<RepositoryScanRecord, 'filesScanned' | 'filesSkipped' | 'skipped' | 'bytesScanned' | 'findings' | 'risksOpened' | 'results' | 'resultsTruncated'> {
  return {
    filesScanned: summary.filesScanned,
    filesSkipped: summary.filesSkipped,
    skipped: summary.skipped,
    bytesScanned: summary.bytesScanned,
    findings: summary.findings,
    risksOpened: findings.risksOpened,
    results: findings.summaries.list,
    resultsTruncated: findings.summaries.truncated,
  };
}
