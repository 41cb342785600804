import type { StatusAnnotation, StatusState } from '../../codeHosts';
import type { PullRequestSettings } from '../../organizations';
import type { RepositoryFindingSummary, RepositoryScanRecord } from '../../repositories';
import type { PullRequestFeedback, Triage } from '../feedback/pullRequestFeedback';

/**
 * What one scan of a pull request means for its feedback, worked out once and read by every text
 * and status: each finding (one per fingerprint: the same secret twice in a pull request is one
 * finding, shown where it first appears), whether the pull request introduced it, whether a person
 * triaged it, whether it fails the status by the organization's rule, and whether it gets a thread
 * on its line or is listed in the summary only. Pure: no I/O.
 */
export interface ReportedFinding {
  finding: RepositoryFindingSummary;
  /** The first 8 characters of the fingerprint: how a person names a finding in a comment that is not on its thread. */
  shortId: string;
  introduced: boolean;
  triage?: Triage;
  failing: boolean;
  /** Introduced, on a line the diff shows, and within the thread budget. */
  inline: boolean;
}

export interface FindingsReport {
  findings: ReportedFinding[];
  /** Findings the scan found beyond those it listed (its results are bounded). */
  unlisted: number;
  introduced: number;
  failing: number;
  /** Introduced findings listed in the summary only: past the thread budget, or on no diff line. */
  listedOnly: number;
  state: Exclude<StatusState, 'pending' | 'error'>;
  description: string;
}

export function shortIdOf(fingerprint: string): string {
  return fingerprint.slice(0, 8);
}

export function findingsReport(
  scan: RepositoryScanRecord,
  feedback: Pick<PullRequestFeedback, 'threads'>,
  settings: PullRequestSettings,
): FindingsReport {
  const seen = new Set<string>();
  const findings: ReportedFinding[] = [];
  let budget = settings.threadBudget;
  for (const finding of scan.results) {
    if (seen.has(finding.fingerprint)) continue;
    seen.add(finding.fingerprint);
    const introduced = finding.introduced === true;
    const triage = feedback.threads[finding.fingerprint]?.triage;
    const failing = !triage && (settings.failOn.scope === 'all' || introduced) && meetsThreshold(finding, settings);
    const existing = feedback.threads[finding.fingerprint];
    // A thread that exists keeps its place; a new one needs budget.
    const inline = introduced && finding.onDiffLine === true && (existing?.id !== undefined || existing?.state === 'posting' || budget > 0);
    if (inline && !existing) budget--;
    findings.push({ finding, shortId: shortIdOf(finding.fingerprint), introduced, ...(triage ? { triage } : {}), failing, inline });
  }
  const introduced = scan.introduced ?? findings.filter((f) => f.introduced).length;
  const failing = findings.filter((f) => f.failing).length;
  const nothingScanned = scan.pullRequest?.nothingScanned === true;
  const state = failing > 0 ? 'failed' : nothingScanned ? 'notApplicable' : 'succeeded';
  return {
    findings,
    unlisted: Math.max(0, scan.findings - scan.results.length),
    introduced,
    failing,
    listedOnly: findings.filter((f) => f.introduced && !f.inline && !f.triage).length,
    state,
    description: describe(state, failing, introduced, findings.length, scan),
  };
}

const confidenceRank = { low: 1, medium: 2, high: 3 } as const;
const severityRank = { low: 1, medium: 2, high: 3, critical: 4 } as const;

function meetsThreshold(finding: RepositoryFindingSummary, settings: PullRequestSettings): boolean {
  const confidence = finding.confidence ?? 'high';
  return (
    confidenceRank[confidence] >= confidenceRank[settings.failOn.minConfidence] &&
    severityRank[finding.severity] >= severityRank[settings.failOn.minSeverity]
  );
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function describe(
  state: FindingsReport['state'],
  failing: number,
  introduced: number,
  distinct: number,
  scan: RepositoryScanRecord,
): string {
  const channel = scan.pullRequest?.channel;
  if (channel) {
    // A tool's results (docs/ci-results.md): findings, on lines the pull request adds or elsewhere.
    if (state === 'failed') return `${plural(failing, 'finding')} to fix before merging (${introduced} on lines this pull request adds)`;
    if (introduced > 0) return `No finding fails the check (${introduced} on added lines, all below the threshold)`;
    return distinct > 0
      ? `No finding on the lines this pull request adds (${plural(distinct, 'finding')} elsewhere)`
      : `${channel.title} reported no finding`;
  }
  if (state === 'failed') return `${plural(failing, 'secret')} to fix before merging (${introduced} introduced by this pull request)`;
  if (state === 'notApplicable') return 'Nothing to scan: no text file this pull request changes could be read';
  const before = distinct - introduced;
  if (introduced > 0) return `No secret fails the check (${introduced} introduced, all triaged or below the threshold)`;
  return before > 0
    ? `No secret introduced (${plural(before, 'secret')} already in the changed files)`
    : `No secret found in ${plural(scan.filesScanned, 'changed file')}`;
}

/** One annotation per listed finding (GitHub check runs): failing ones as failures, other introduced ones as warnings, the rest as notices. */
export function annotationsOf(report: FindingsReport): StatusAnnotation[] {
  // A tool's result without a location has no line to annotate.
  return report.findings
    .filter(({ finding }) => finding.path !== '' && finding.line > 0)
    .map(({ finding, introduced, failing, triage }) => ({
      path: finding.path,
      line: finding.line,
      level: failing ? 'failure' : introduced && !triage ? 'warning' : 'notice',
      title: finding.tool
        ? `${finding.tool}: ${finding.title} (${finding.ruleId})`
        : `${introduced ? 'Secret introduced here' : 'Secret already in this file'}: ${finding.title}`,
      message:
        `${finding.redacted} (${finding.ruleId}${triage ? `; triaged as ${triage.status} by ${triage.by.name}` : ''}). ${finding.remediation ?? ''}`.trim(),
    }));
}
