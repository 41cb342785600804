import type { PullRequestKey } from '../../codeHosts';
import type { Logger } from '../../logging';
import type { RepositoryScanRecord } from '../../repositories';
import { type SummaryWriter, writeSummary } from '../../summaries';
import type { FindingsReport } from './findingsReport';
import type { OverviewWriter } from './publication';

/** Longest overview on a pull request: a paragraph, not a report. */
export const overviewMaxLength = 1_200;

/**
 * The overview on top of a pull request's summary, from the organization's summary writer
 * (shared/summaries/): given the report's findings as they are shown (redacted previews, rule,
 * severity, path and line, introduced or not, triaged or not) and nothing else. No findings, no
 * overview: the summary's first line says it all.
 */
export function summaryOverview(writer: SummaryWriter, key: PullRequestKey, scan: RepositoryScanRecord, logger: Logger): OverviewWriter {
  return async (report: FindingsReport) => {
    if (report.findings.length === 0 && report.unlisted === 0) return undefined;
    const written = await writeSummary(
      writer,
      {
        subject: 'pull-request',
        context: `pull request ${key.number} in ${scan.repository} at ${scan.commitId.slice(0, 7)}: ${report.description}`,
        findings: report.findings.map(({ finding, introduced, triage }) => ({
          title: finding.title,
          ruleId: finding.ruleId,
          severity: finding.severity,
          ...(finding.confidence ? { confidence: finding.confidence } : {}),
          redacted: finding.redacted,
          where: `${finding.path}:${finding.line}`,
          introduced,
          ...(triage ? { triaged: triage.status } : {}),
        })),
        ...(report.unlisted > 0 ? { unlisted: report.unlisted } : {}),
        maxLength: overviewMaxLength,
      },
      logger,
    );
    return written.text;
  };
}
