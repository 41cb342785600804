import type { RepositoryFindingSummary } from '../../repositories';
import { fixedNote, foundAgainNote, leftToPeopleNote, threadText } from './feedbackText';

/**
 * The words of a channel's threads and notes: Vigil's own secret scan speaks of secrets (feedbackText.ts);
 * a tool's SARIF results (docs/ci-results.md) speak of findings and vulnerabilities, with the tool, the
 * rule and the advisory ids. What a text shows of a result is its `redacted` field: the result's message
 * (a secret scanner's only as a redacted preview of its snippet, never the message), never its snippet.
 */
export interface FeedbackNotes {
  thread(finding: RepositoryFindingSummary, shortId: string): string;
  fixed(commitId: string): string;
  leftToPeople(commitId: string): string;
  foundAgain(commitId: string): string;
}

const secretNotes: FeedbackNotes = { thread: threadText, fixed: fixedNote, leftToPeople: leftToPeopleNote, foundAgain: foundAgainNote };

export function notesFor(channel: { title: string } | undefined): FeedbackNotes {
  if (!channel) return secretNotes;
  const tool = plain(channel.title);
  return {
    thread: (finding, shortId) => toolThreadText(tool, finding, shortId),
    fixed: (commitId) => `${tool} no longer reports this at \`${commitId.slice(0, 7)}\`.`,
    leftToPeople: (commitId) =>
      `${tool} no longer reports this at \`${commitId.slice(0, 7)}\`. Someone replied here, so Vigil leaves this thread for you to resolve.`,
    foundAgain: (commitId) => `${tool} reports this again at \`${commitId.slice(0, 7)}\`.`,
  };
}

/** `a vulnerable dependency` when the rule names an advisory, else `a finding`. */
export function findingNoun(finding: Pick<RepositoryFindingSummary, 'advisories'>): string {
  return finding.advisories && finding.advisories.length > 0 ? 'a vulnerable dependency' : 'a finding';
}

function toolThreadText(tool: string, finding: RepositoryFindingSummary, shortId: string): string {
  const advisories = finding.advisories?.length ? finding.advisories.map((id) => `\`${code(id)}\``).join(', ') : undefined;
  return [
    `**Vigil: ${tool} reports ${findingNoun(finding)} on this line — ${plain(finding.title)}** (\`${code(finding.ruleId)}\`, ${finding.severity} severity)`,
    '',
    plain(finding.redacted),
    ...(advisories ? ['', `Advisories: ${advisories}.`] : []),
    '',
    `**What to do:** ${plain(finding.remediation ?? 'see the rule’s documentation.')}`,
    '',
    `Accepted on purpose, or not a real problem? Reply \`/vigil accept <reason>\` or \`/vigil false-positive <reason>\` here.`,
    '',
    `_Reported by ${tool} from the CI (finding \`${shortId}\`). Vigil resolves this thread when a later upload from ${tool} for this pull request no longer reports it._`,
  ].join('\n');
}

/** One line of text, with nothing that could end a marker or a code span early. */
export function plain(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/<!--|-->/g, '')
    .trim();
}

function code(text: string): string {
  return plain(text).replace(/`/g, "'");
}
