import { randomBytes } from 'node:crypto';
import { createScanner, type Scanner } from '../scanning';
import type { SummaryRequest } from './summaryWriter';

/**
 * What leaves Vigil for a model, checked once more by Vigil's own engine: every text field of the
 * request (and the model's answer, before it is posted) is scanned at the lowest confidence, and
 * whatever looks like a secret is replaced by its redacted preview. Findings reach a writer
 * redacted already; this stops a secret that hides where no one expected one (a path, a title, a
 * pipeline name) from reaching a third party.
 */
let scanner: Scanner | undefined;

function engine(): Scanner {
  // Fingerprints are not kept from here, so a key of its own serves.
  scanner ??= createScanner({ fingerprintKey: randomBytes(32), minConfidence: 'low', includeUnverified: true });
  return scanner;
}

/** The text with every span the engine reports replaced; a field it cannot place a span in is withheld whole. */
export function redactedText(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const findings = engine().scanText(flat, { path: 'summary' });
  if (findings.length === 0) return flat;
  if (findings.some((finding) => finding.endColumn === undefined || finding.line !== 1)) return '[withheld: it looked like a secret]';
  let out = flat;
  // From the right, so earlier columns stay valid.
  for (const finding of [...findings].sort((a, b) => b.column - a.column)) {
    out = `${out.slice(0, finding.column - 1)}${finding.redacted}${out.slice((finding.endColumn ?? finding.column) - 1)}`;
  }
  return out;
}

/** The request as a model may see it: every string field passed through `redactedText`. */
export function redactedRequest(request: SummaryRequest): SummaryRequest {
  return {
    ...request,
    context: redactedText(request.context),
    findings: request.findings.map((finding) => ({
      ...finding,
      title: redactedText(finding.title),
      ruleId: redactedText(finding.ruleId),
      redacted: redactedText(finding.redacted),
      where: redactedText(finding.where),
      ...(finding.asset ? { asset: redactedText(finding.asset) } : {}),
      ...(finding.triaged ? { triaged: redactedText(finding.triaged) } : {}),
    })),
  };
}

/** A model's answer, checked the same way line by line before it is posted anywhere. */
export function redactedAnswer(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? line : redactedText(line)))
    .join('\n');
}
