import type { Logger } from '../logging';
import { templateSummary } from './templateSummaryWriter';

/**
 * The summary-writer port (docs/pull-requests.md, "Written summaries"): a few sentences on top of a
 * pull request's summary comment or an alert digest, written from **redacted** findings only. The
 * template writer is the default; a model writer (Azure OpenAI) is optional and falls back to the
 * template on any failure, saying so in the text.
 */
export interface SummaryFinding {
  title: string;
  ruleId: string;
  severity: 'critical' | 'high' | 'medium' | 'low';
  confidence?: 'low' | 'medium' | 'high';
  /** The redacted preview (`ghp_****3kT9`): never the secret. */
  redacted: string;
  /** `src/app.ts:12`, or a log location. */
  where: string;
  /** The asset a risk is on (alerts). */
  asset?: string;
  /** Pull requests: introduced by this pull request, rather than already in the file. */
  introduced?: boolean;
  /** Pull requests: how a person triaged it (`false-positive`, `accepted`). */
  triaged?: string;
}

export interface SummaryRequest {
  subject: 'pull-request' | 'alert-digest';
  /** One line on what the summary is about: `pull request !4 in contoso/payments at 1a2b3c4`. */
  context: string;
  /** At most `maxFindings` of them are read; `unlisted` counts the rest. */
  findings: readonly SummaryFinding[];
  unlisted?: number;
  /** Longest text returned, in characters. */
  maxLength: number;
}

export interface WrittenSummary {
  text: string;
  writer: 'template' | 'model';
  /** Set when the model was asked and the template wrote it instead: why, for the reader. */
  fallback?: string;
}

export interface SummaryWriter {
  readonly name: 'template' | 'azure-openai';
  write(request: SummaryRequest): Promise<WrittenSummary>;
}

/** How many findings a writer is given: enough to summarise, bounded so a model request stays small. */
export const maxSummaryFindings = 50;

/** A failure a writer explains in words for the reader (`the model did not answer in 10 s`). */
export class SummaryUnavailable extends Error {}

export const templateSummaryWriter: SummaryWriter = {
  name: 'template',
  write: async (request) => ({ text: templateSummary(request), writer: 'template' }),
};

/**
 * The summary from `writer`, or from the template when it fails, with a line saying why. Never
 * throws: a summary is an extra, and the comment or alert it belongs to goes out regardless.
 */
export async function writeSummary(writer: SummaryWriter, request: SummaryRequest, logger: Logger): Promise<WrittenSummary> {
  const bounded = { ...request, findings: request.findings.slice(0, maxSummaryFindings) };
  const unlisted = (request.unlisted ?? 0) + Math.max(0, request.findings.length - maxSummaryFindings);
  const asked = unlisted > 0 ? { ...bounded, unlisted } : bounded;
  try {
    const written = await writer.write(asked);
    return { ...written, text: cut(written.text, request.maxLength) };
  } catch (error) {
    const why = error instanceof SummaryUnavailable ? error.message : 'the model could not be asked';
    logger.warn('summary written by template instead', { writer: writer.name, why });
    const note = `_summary written by template: ${why}_`;
    const text = cut(
      templateSummary({ ...asked, maxLength: Math.max(0, request.maxLength - note.length - 2) }),
      request.maxLength - note.length - 2,
    );
    return { text: `${text}\n\n${note}`, writer: 'template', fallback: why };
  }
}

function cut(text: string, maxLength: number): string {
  const trimmed = text.trim();
  return trimmed.length <= maxLength ? trimmed : `${trimmed.slice(0, Math.max(0, maxLength - 1)).trimEnd()}…`;
}
