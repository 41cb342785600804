import type { CommitAuthor } from '../../codeHosts';
import type { Finding } from '../../scanning';
import type { ContentScanSummary, SkippedFiles, SkipReason } from './repositoryContentScan';

/**
 * The `scans` document of one repository content scan (docs/architecture.md, "State"): what was read, what was left
 * out and why, and what was found — never a secret. The pull request publisher reads `results` of
 * a `pull-request` scan to write its comment.
 */
export type RepositoryScanKind = 'repository' | 'push' | 'pull-request';

/** One finding as a scan lists it: the engine's finding (its path relative to the repository root), and whose commit. */
export interface RepositoryFindingSummary
  extends Pick<Finding, 'ruleId' | 'title' | 'severity' | 'path' | 'line' | 'column' | 'redacted' | 'fingerprint' | 'verified'> {
  /** The rule's confidence (absent in documents written before it was kept). */
  confidence?: Finding['confidence'];
  /** What to do about it, in a sentence (the rule's). */
  remediation?: string;
  /** Pull request scans: true when the pull request adds the line (introduced here), false when it was there before. */
  introduced?: boolean;
  /** Pull request scans: the line is one the platform shows as added in the pull request's diff, so a thread can sit on it. */
  onDiffLine?: boolean;
  commitId: string;
  author?: CommitAuthor;
  /** The risk this finding is (or would be) a sighting of. */
  riskId: string;
  /** The file at that line in the web UI, when the repository's web address is known. */
  url?: string;
  /** A tool's finding (SARIF results, docs/ci-results.md): the tool's name. */
  tool?: string;
  /** A tool's finding: the CVE and GHSA ids its rule names (a vulnerable dependency). */
  advisories?: string[];
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
  /** Pull request scans: where the publisher posts, and the scan's place in the pull request's order. */
  pullRequest?: PullRequestScanContext;
  /** Pull request scans: how many findings are on lines the pull request adds. */
  introduced?: number;
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

/** What a pull request scan keeps for the publisher, so publishing needs no second look at the pull request. */
export interface PullRequestScanContext {
  source: 'azure-devops' | 'github' | 'gitlab';
  /** The pull request's id (Azure DevOps), number (GitHub) or iid (GitLab). */
  number: number;
  /** The repository as the host port keys it: a GUID, `owner/name`, a GitLab project id. */
  repositoryId: string;
  /** The repository as risks name it (their asset), so a finding triaged on the pull request is the same risk a push records. */
  asset: { id: string; name: string };
  /**
   * Which of two scans of the pull request is newer: Azure DevOps iteration, then the time the scan
   * read the pull request's head. A scan that read a head later saw the newer one.
   */
  order: { iteration?: number; at: number };
  baseCommit?: string;
  startCommit?: string;
  iterationId?: number;
  pipelineId?: number;
  webUrl?: string;
  /** Nothing could be scanned (every changed file deleted, binary or excluded): the status is `notApplicable`. */
  nothingScanned?: boolean;
  /**
   * A tool's SARIF results for the pull request (docs/ci-results.md): published on their own channel
   * (status, summary, feedback document), beside Vigil's own secret scan. The publisher asks the
   * platform which lines the pull request adds, since the CI that posted them did not say.
   */
  channel?: { name: string; title: string };
}

/** What every scan document reports of its file loop and its findings (`risksOpened` is 0 for a scan that records no risks). */
export function scanResults(
  summary: ContentScanSummary,
  findings: { risksOpened: number; summaries: { list: RepositoryFindingSummary[]; truncated: boolean } },
): Pick<
  RepositoryScanRecord,
  'filesScanned' | 'filesSkipped' | 'skipped' | 'bytesScanned' | 'findings' | 'risksOpened' | 'results' | 'resultsTruncated'
> {
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
