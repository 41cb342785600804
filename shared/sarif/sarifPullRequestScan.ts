import type { EventEnvelope } from '../events';
import type { RepositoryFindingSummary, RepositoryScanRecord } from '../repositories';
import type { RiskAsset } from '../risks';
import type { CiContext } from './ciContext';
import type { SarifFinding } from './sarifFindings';

/**
 * SARIF results of an upload that names a pull request, in the shape the pull request publisher
 * reads (a `scans` document of kind `pull-request` with a `channel`: the tool), and the
 * `scan.completed` event that has it published (docs/ci-results.md, "On the pull request"). One
 * record and one event per upload, both with ids from the upload's id: a redelivered upload writes
 * the same record and sends the same event, which the queue and the publisher's claim drop.
 * Each result's fingerprint is the SARIF fingerprint's bytes in hex: Vigil's thread markers name a
 * finding by a hex fingerprint.
 */
export const maxListedSarifResults = 100;

const severityRank = { critical: 4, high: 3, medium: 2, low: 1 } as const;

export interface SarifPullRequestScan {
  record: RepositoryScanRecord;
  event: EventEnvelope;
}

/**
 * The pull request the context names, as the host port keys it, or why its results cannot be posted
 * on it: GitLab's API takes the project's numeric id (`CI_PROJECT_ID`, the `repositoryId` parameter).
 */
export function hostRepositoryOf(context: CiContext, asset: RiskAsset): { repositoryId: string } | { why: string } {
  if (context.source === 'github') return { repositoryId: context.repository };
  if (context.source === 'gitlab') {
    return context.repositoryId && /^\d+$/.test(context.repositoryId)
      ? { repositoryId: context.repositoryId }
      : { why: 'a GitLab merge request needs the project id: send repositoryId (vigil ci report reads CI_PROJECT_ID)' };
  }
  return { repositoryId: asset.id.replace(/^repository:/, '') };
}

export function sarifPullRequestScan(input: {
  organization: string;
  uploadId: string;
  context: CiContext & { pullRequest: number };
  channel: { name: string; title: string };
  asset: RiskAsset;
  project?: string;
  hostRepositoryId: string;
  findings: Array<{ finding: SarifFinding; riskId: string }>;
  risksOpened: number;
  now: number;
  durationMs: number;
  /** Every text a result shows, checked once more (a secret in a message where no one expected one): recordSarifResults passes Vigil's engine. */
  redact?: (text: string) => string;
}): SarifPullRequestScan {
  const { context, asset } = input;
  // The most severe first: a long list keeps what matters.
  const ordered = [...input.findings].sort((a, b) => severityRank[b.finding.severity] - severityRank[a.finding.severity]);
  const results = ordered
    .slice(0, maxListedSarifResults)
    .map(({ finding, riskId }) => resultOf(finding, riskId, context.commit, input.redact ?? ((text) => text)));
  const id = `pull-request:sarif:${input.uploadId}`;
  const scannedAt = new Date(input.now).toISOString();
  const record: RepositoryScanRecord = {
    id,
    organization: input.organization,
    kind: 'pull-request',
    project: input.project ?? context.project ?? context.repository.slice(0, Math.max(0, context.repository.lastIndexOf('/'))),
    repositoryId: input.hostRepositoryId,
    repository: asset.name,
    commitId: context.commit,
    ...(context.branch ? { branch: context.branch } : {}),
    pullRequestId: context.pullRequest,
    pullRequest: {
      source: context.source,
      number: context.pullRequest,
      repositoryId: input.hostRepositoryId,
      asset: { id: asset.id, name: asset.name },
      // Uploads for one pull request and tool are published in the order they are handled.
      order: { at: input.now },
      channel: input.channel,
    },
    introduced: 0,
    filesScanned: 0,
    filesSkipped: 0,
    skipped: {},
    bytesScanned: 0,
    findings: input.findings.length,
    risksOpened: input.risksOpened,
    results,
    resultsTruncated: input.findings.length > results.length,
    durationMs: input.durationMs,
    scannedAt,
  };
  const event: EventEnvelope = {
    id: `scan.completed:sarif:${input.uploadId}`,
    source: 'vigil',
    type: 'scan.completed',
    organization: input.organization,
    ...(input.project ? { project: input.project } : {}),
    subject: {
      platform: context.source,
      pullRequestId: context.pullRequest,
      repositoryId: input.hostRepositoryId,
      commitId: context.commit,
      findings: record.findings,
      tool: input.channel.title,
      scanId: id,
    },
    receivedAt: scannedAt,
  };
  return { record, event };
}

function resultOf(finding: SarifFinding, riskId: string, commitId: string, redact: (text: string) => string): RepositoryFindingSummary {
  return {
    ruleId: redact(finding.ruleId),
    title: redact(finding.title),
    severity: finding.severity,
    // A result without a location is listed in the summary (no line of the diff can hold its thread).
    path: finding.path ?? '',
    line: finding.line ?? 0,
    column: finding.column ?? 1,
    redacted: redact(finding.redacted),
    fingerprint: Buffer.from(finding.fingerprint, 'base64url').toString('hex'),
    verified: false,
    remediation: redact(finding.remediation),
    commitId,
    riskId,
    tool: finding.tool,
    ...(finding.advisories.length > 0 ? { advisories: finding.advisories } : {}),
  };
}
