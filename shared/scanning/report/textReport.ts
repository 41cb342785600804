import { escapeControlCharacters } from '../../logging';
import type { Finding, LivenessCheck, Severity } from '../types';

/**
 * Human-readable output: one line per finding, `path:line:column`, severity, rule and the redacted
 * preview, then a summary. Colour only when the caller says the output is a terminal.
 */
const severityColour: Record<Severity, string> = { critical: '\x1b[1;31m', high: '\x1b[31m', medium: '\x1b[33m', low: '\x1b[36m' };
const dim = '\x1b[2m';
const reset = '\x1b[0m';

export function formatTextReport(findings: readonly Finding[], options: { colour: boolean; files: number; bytes: number }): string {
  const paint = (code: string, text: string) => (options.colour ? `${code}${text}${reset}` : text);
  const lines = findings.map((finding) => {
    // The path and preview come from outside (a file name may hold an escape sequence): printed visibly, never executed.
    const where = `${escapeControlCharacters(finding.path)}:${finding.line}:${finding.column}`;
    const qualifiers = [
      finding.confidence,
      ...(finding.verified ? ['checksum verified'] : []),
      ...(finding.encoding ? [`in ${finding.encoding}`] : []),
      ...(finding.location === 'path' ? ['in the file name'] : []),
      ...(finding.pair ? [`with ${finding.pair.kind} ${escapeControlCharacters(finding.pair.redacted)} at line ${finding.pair.line}`] : []),
      ...(finding.liveness ? [livenessText(finding.liveness)] : []),
    ];
    return `${where}  ${paint(severityColour[finding.severity], finding.severity.padEnd(8))} ${finding.ruleId}  ${escapeControlCharacters(finding.redacted)}  ${paint(dim, `(${qualifiers.join(', ')})`)}`;
  });
  const noun = findings.length === 1 ? 'secret' : 'secrets';
  const summary =
    findings.length === 0
      ? `No secrets found in ${options.files} file(s), ${options.bytes} bytes.`
      : `${findings.length} ${noun} found in ${options.files} file(s), ${options.bytes} bytes. Rotate them, then remove them from history and logs.`;
  return `${[...lines, summary].join('\n')}\n`;
}

/** `LIVE (github)`, `revoked (npm)`, `liveness unknown (slack: no answer within 5 s)`. */
function livenessText(liveness: LivenessCheck): string {
  switch (liveness.status) {
    case 'live':
      return `LIVE (${liveness.service})`;
    case 'revoked':
      return `revoked (${liveness.service})`;
    default:
      return `liveness unknown (${liveness.service}${liveness.reason ? `: ${escapeControlCharacters(liveness.reason)}` : ''})`;
  }
}
