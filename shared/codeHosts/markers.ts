import { PermanentError } from '../errors';

/**
 * How Vigil knows its own comments again. On Azure DevOps a thread carries properties
 * (`Vigil.Kind`, `Vigil.Fingerprint`), which survive edits and keep the text clean. GitHub and
 * GitLab have no properties, so the text ends with a hidden HTML comment, `<!-- vigil:finding
 * <fingerprint> -->`. Either way a marker counts only on a comment whose author is Vigil's own
 * identity: a person quoting one does not make their comment Vigil's.
 */
export const threadProperty = {
  kind: 'Vigil.Kind',
  fingerprint: 'Vigil.Fingerprint',
  ruleId: 'Vigil.RuleId',
  /** A summary's channel (absent: Vigil's own secret scan). */
  channel: 'Vigil.Channel',
} as const;

export const summaryMarker = '<!-- vigil:summary -->';
/** The summary of a channel (publicationChannel.ts): Vigil's own secret scan keeps the plain marker. */
export const summaryMarkerOf = (channel?: string) => (channel ? `<!-- vigil:summary ${channel} -->` : summaryMarker);
export const resolvedMarker = '<!-- vigil:resolved -->';
export const findingMarker = (fingerprint: string) => `<!-- vigil:finding ${fingerprint} -->`;

export interface ReadMarker {
  kind: 'summary' | 'finding' | 'resolved';
  fingerprint?: string;
  /** A summary's channel (absent: Vigil's own secret scan). */
  channel?: string;
}

/** The marker a comment's text carries, if any. */
export function readMarker(body: string): ReadMarker | undefined {
  const finding = /<!-- vigil:finding ([0-9a-f]{16,128}) -->/.exec(body);
  if (finding) return { kind: 'finding', fingerprint: finding[1] };
  if (body.includes(summaryMarker)) return { kind: 'summary' };
  const channelSummary = /<!-- vigil:summary ([a-z0-9][a-z0-9._-]{0,63}) -->/.exec(body);
  if (channelSummary) return { kind: 'summary', channel: channelSummary[1] };
  if (body.includes(resolvedMarker)) return { kind: 'resolved' };
  return undefined;
}

/** The marker is the summary of this channel (absent: Vigil's own secret scan): one channel's summary is never taken for another's. */
export function isSummaryOf(marker: ReadMarker | undefined, channel?: { name: string }): boolean {
  return marker?.kind === 'summary' && marker.channel === channel?.name;
}

/** Text with its marker on a line of its own at the end. */
export function withMarker(body: string, marker: string): string {
  return `${body}\n\n${marker}`;
}

/**
 * The platform refused a comment as too long. Its limit is read from the refusal, so a server
 * with a smaller limit than the platform's own (an older GitHub Enterprise, Azure DevOps Server)
 * gets the text cut to what it takes on the next try.
 */
export class CommentTooLongError extends PermanentError {
  constructor(
    message: string,
    readonly limit: number,
  ) {
    super(message);
  }
}

/** The limit a "too long" refusal names: Azure DevOps "cannot be longer than N characters", GitHub and GitLab "maximum is N characters". */
export function refusedLength(message: string): number | undefined {
  const match = /cannot be longer than (\d+) characters|maximum is (\d+) characters|Only (\d+) characters are allowed/i.exec(message);
  if (!match) return undefined;
  const limit = Number(match[1] ?? match[2] ?? match[3]);
  return Number.isFinite(limit) && limit > 0 ? limit : undefined;
}

/** Rethrow a refusal of a too-long text as CommentTooLongError; anything else as it is. */
export function asTooLong(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof CommentTooLongError) return error;
  const limit = refusedLength(error.message);
  return limit === undefined ? error : new CommentTooLongError(error.message, limit);
}
