import type { Finding } from '../types';

/**
 * The `--format json` document (docs/architecture.md, "The `vigil` command"), which is also what `--baseline` reads back:
 * `{"findings":[{ruleId, severity, path, line, column, redacted, fingerprint, ...}], "stats":{bytes, files, durationMs}}`.
 */
export interface ScanStats {
  bytes: number;
  files: number;
  durationMs: number;
}

export interface JsonReport {
  findings: Finding[];
  stats: ScanStats;
}

export function toJsonReport(findings: readonly Finding[], stats: ScanStats): string {
  const ordered = findings.map((finding) => ({
    ruleId: finding.ruleId,
    severity: finding.severity,
    path: finding.path,
    line: finding.line,
    column: finding.column,
    redacted: finding.redacted,
    fingerprint: finding.fingerprint,
    title: finding.title,
    confidence: finding.confidence,
    verified: finding.verified,
    evidence: finding.evidence,
    remediation: finding.remediation,
    ...(finding.encoding ? { encoding: finding.encoding } : {}),
    ...(finding.location ? { location: finding.location } : {}),
    ...(finding.pair ? { pair: finding.pair } : {}),
    ...(finding.liveness ? { liveness: finding.liveness } : {}),
  }));
  return `${JSON.stringify({ findings: ordered, stats }, null, 2)}\n`;
}
