import type { PullRequestSettings } from '../../organizations';
import type { RepositoryFindingSummary, RepositoryScanRecord } from '../../repositories';
import type { Triage } from '../feedback/pullRequestFeedback';
import type { FindingsReport, ReportedFinding } from './findingsReport';

/**
 * The words Vigil posts on a pull request: a thread per finding, the summary, the notes it adds
 * when a finding goes away or a person triages one. Markdown every platform renders. Never the
 * secret: the redacted preview (`ghp_****3kT9`) and the rule are all a text names. The summary is
 * cut to the platform's limit, rows last-listed first (pre-existing findings come after
 * introduced ones), with a line saying how many were left out and where the rest is.
 */
const severityOrder = ['critical', 'high', 'medium', 'low'] as const;

export function threadText(finding: RepositoryFindingSummary, shortId: string): string {
  return [
    `**Vigil: a secret is added on this line — ${cell(finding.title)}** (\`${finding.ruleId}\`, ${finding.severity} severity${finding.confidence ? `, ${finding.confidence} confidence` : ''}${finding.verified ? ', checksum verified' : ''})`,
    '',
    `\`${codeSafe(finding.redacted)}\` on line ${finding.line}. Removing the line does not un-leak it: the commit keeps it, so treat it as exposed.`,
    '',
    `**What to do:** ${finding.remediation ?? 'revoke and rotate the secret, then remove it from the change.'}`,
    '',
    `Not a secret, or accepted on purpose? Reply \`/vigil false-positive <reason>\` or \`/vigil accept <reason>\` here (finding \`${shortId}\`).`,
  ].join('\n');
}

export function fixedNote(commitId: string): string {
  return `Vigil no longer finds this secret at \`${commitId.slice(0, 7)}\`. If it was ever pushed, it is still in the history: rotate it if you have not.`;
}

export function leftToPeopleNote(commitId: string): string {
  return `Vigil no longer finds this secret at \`${commitId.slice(0, 7)}\`. Someone replied here, so Vigil leaves this thread for you to resolve.`;
}

export function foundAgainNote(commitId: string): string {
  return `Vigil finds this secret again at \`${commitId.slice(0, 7)}\`.`;
}

/** The reason is not repeated: it is in the person's own comment above, and a text a person typed is not Vigil's to echo. */
export function triagedNote(triage: Triage): string {
  const what = triage.status === 'false-positive' ? 'a false positive' : 'an accepted risk';
  return `Recorded as ${what} by ${cell(triage.by.name)}, with the reason given above. Vigil no longer counts it against this pull request.`;
}

export function triageRefusal(problem: string): string {
  return `Vigil could not record that: ${problem}`;
}

export interface SummaryContext {
  scan: RepositoryScanRecord;
  report: FindingsReport;
  settings: PullRequestSettings;
  /** Where the rest is when the summary is cut: the report URL when one is set. */
  reportUrl?: string;
  /** A few written sentences on what the findings mean (shared/summaries/), under the first paragraph. */
  overview?: string;
}

/** The summary, no longer than `limit` characters (room kept for the platform's hidden marker). */
export function summaryText(context: SummaryContext, limit: number): string {
  const { report } = context;
  const head = headLines(context);
  const tail = tailLines(context);
  const rows = report.findings.map((reported) => row(reported, context.scan.pullRequest?.channel !== undefined));
  const budget = limit - 200; // the marker, the cut line and some slack
  let kept = rows.length;
  const build = (count: number) => {
    const lines = [...head];
    if (count > 0)
      lines.push(
        '',
        '#### Findings',
        '',
        `| | severity | ${context.scan.pullRequest?.channel ? 'finding' : 'secret'} | where | thread |`,
        '|---|---|---|---|---|',
        ...rows.slice(0, count),
      );
    const left = rows.length - count + report.unlisted;
    if (left > 0) lines.push('', cutLine(left, context));
    lines.push(...tail);
    return lines.join('\n');
  };
  let text = build(kept);
  while (text.length > budget && kept > 0) {
    // Drop whole rows from the end; a big overshoot drops many at once.
    const over = text.length - budget;
    const average = Math.max(1, Math.ceil(rows.slice(0, kept).reduce((n, r) => n + r.length + 1, 0) / kept));
    kept = Math.max(0, kept - Math.max(1, Math.ceil(over / average)));
    text = build(kept);
  }
  if (text.length > budget) text = `${text.slice(0, Math.max(0, budget - 1))}…`;
  return text;
}

function headLines({ scan, report, settings, overview }: SummaryContext): string[] {
  const icon = report.state === 'failed' ? '🔴' : report.state === 'notApplicable' ? '⚪' : '🟢';
  const channel = scan.pullRequest?.channel;
  const lines = [`### ${icon} ${channel ? `Vigil: ${cell(channel.title)}` : 'Vigil secret scan'}: ${cell(report.description)}`, ''];
  if (channel) {
    const distinct = report.findings.length + report.unlisted;
    lines.push(
      `${cell(channel.title)} reported ${plural(distinct, 'finding')} at \`${scan.commitId.slice(0, 7)}\`, posted from the CI. ` +
        `The check fails on findings on lines this pull request adds at ${settings.failOn.minSeverity} severity or more.`,
    );
  } else
    lines.push(
      `Scanned ${plural(scan.filesScanned, 'changed file')} at \`${scan.commitId.slice(0, 7)}\`${scan.filesSkipped ? ` (${plural(scan.filesSkipped, 'file')} skipped: deleted, binary or excluded)` : ''}. ` +
        `The check fails on ${settings.failOn.scope === 'introduced' ? 'secrets this pull request introduces' : 'any secret in the files it changes'} at ${settings.failOn.minConfidence} confidence or more${settings.failOn.minSeverity !== 'low' ? ` and ${settings.failOn.minSeverity} severity or more` : ''}.`,
    );
  if (overview) lines.push('', overview);
  if (report.findings.length === 0 && report.unlisted === 0) return lines;
  const counts = severityOrder
    .map((severity) => {
      const of = report.findings.filter((f) => f.finding.severity === severity);
      return { severity, introduced: of.filter((f) => f.introduced).length, before: of.filter((f) => !f.introduced).length };
    })
    .filter((c) => c.introduced + c.before > 0);
  lines.push(
    '',
    channel ? '| severity | on lines this pull request adds | elsewhere |' : '| severity | introduced here | already in the files |',
    '|---|---|---|',
    ...counts.map((c) => `| ${c.severity} | ${c.introduced} | ${c.before} |`),
  );
  if (report.listedOnly > 0) {
    const own = report.listedOnly === 1 ? 'has no thread of its own' : 'have no thread of their own';
    lines.push(
      '',
      `${plural(report.listedOnly, channel ? 'introduced finding' : 'introduced secret')} ${own} (past the ${settings.threadBudget}-thread budget, or not on a line of the diff): listed below.`,
    );
  }
  return lines;
}

function row({ finding, introduced, triage, inline, shortId }: ReportedFinding, fromTool: boolean): string {
  const where = `${cell(finding.path)}:${finding.line}`;
  const link = finding.url ? `[${where}](${finding.url})` : where;
  const status = triage
    ? `triaged: ${triage.status} (${cell(triage.by.name)})`
    : inline
      ? 'on its line'
      : introduced
        ? 'listed here only'
        : fromTool
          ? 'not on a changed line'
          : 'already in the file';
  // A tool's finding: its rule and advisories, and its message cut short (the thread has it whole); a secret: the redacted preview.
  const what = fromTool
    ? `${cell(finding.title)} (\`${codeSafe(finding.ruleId)}\`${advisoriesBeside(finding)})${finding.redacted && finding.redacted !== finding.title ? `: ${cell(short(finding.redacted, 120))}` : ''}`
    : `${cell(finding.title)} \`${codeSafe(finding.redacted)}\``;
  return `| ${introduced ? '🆕' : ''} | ${finding.severity} | ${what} | ${link} | ${status} · \`${shortId}\` |`;
}

function cutLine(left: number, { scan, reportUrl }: SummaryContext): string {
  const where = reportUrl ? `[the full report](${reportUrl})` : `the scan record \`${scan.id}\` in Vigil`;
  return `…and ${plural(left, 'more finding')} not shown here (a comment has a length limit): see ${where}.`;
}

function tailLines({ report, scan }: SummaryContext): string[] {
  const channel = scan.pullRequest?.channel;
  const lines: string[] = [];
  const rules = new Map<string, RepositoryFindingSummary>();
  for (const { finding } of report.findings) if (!rules.has(finding.ruleId)) rules.set(finding.ruleId, finding);
  if (rules.size > 0) {
    lines.push('', '#### What to do', '');
    for (const finding of [...rules.values()].slice(0, 10))
      lines.push(
        `- **${cell(finding.title)}** (\`${codeSafe(finding.ruleId)}\`): ${cell(finding.remediation ?? (channel ? 'see the rule’s documentation.' : 'revoke and rotate it, then remove it from the change.'))}`,
      );
  }
  if (channel) {
    const tool = cell(channel.title);
    lines.push(
      '',
      `#### About these results`,
      '',
      `- Posted by ${tool} from the CI (\`vigil ci report\`). The next upload from ${tool} for this pull request updates this comment, and resolves the thread of a finding it no longer reports.`,
      `- Accepted on purpose, or not a real problem? Reply \`/vigil accept <reason>\` or \`/vigil false-positive <reason>\` on the finding’s thread; for a finding without a thread, comment \`/vigil accept <id> <reason>\` with the id from the table. Vigil records it on the finding’s risk and no longer counts it against this pull request.`,
      `- To stop ${tool} reporting it at all, suppress it where ${tool} is configured.`,
    );
    return lines;
  }
  lines.push(
    '',
    '#### Not a secret, or accepted?',
    '',
    '- Reply `/vigil false-positive <reason>` or `/vigil accept <reason>` on the finding’s thread; for a finding without a thread, comment `/vigil false-positive <id> <reason>` with the id from the table.',
    '- Mark the line with `vigil:allow` (or `vigil:allow <rule-id>`) to stop reporting it, or add its fingerprint to a baseline (`vigil scan --baseline`).',
  );
  return lines;
}

/** The advisory ids a row names besides its rule (Trivy's rule id is the CVE itself). */
function advisoriesBeside(finding: RepositoryFindingSummary): string {
  const others = (finding.advisories ?? []).filter((id) => id !== finding.ruleId);
  return others.length > 0 ? `, ${others.map((id) => `\`${codeSafe(id)}\``).join(', ')}` : '';
}

function short(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

function plural(n: number, one: string): string {
  return `${n} ${n === 1 ? one : `${one}s`}`;
}

/** Markdown table cells and emphasis: pipes and line breaks would break a row. */
function cell(text: string): string {
  return text
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/<!--|-->/g, '');
}

function codeSafe(text: string): string {
  return text
    .replace(/`/g, "'")
    .replace(/[\r\n]+/g, ' ')
    .replace(/<!--|-->/g, '');
}
