import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Confidence, Finding, RuleMetadata, Severity } from '../types';

/**
 * SARIF 2.1.0 for GitHub code scanning and the Azure DevOps SARIF viewer. Each result carries a
 * stable `partialFingerprints` entry (rule, file and secret fingerprint, independent of the line,
 * so an alert survives edits above it) and each rule its title, remediation help, level and a
 * numeric `security-severity` (what GitHub uses to rank alerts). The secret never appears: the
 * message holds the redacted preview only.
 */
const levelBySeverity: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};
const securitySeverity: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };
const precision: Record<Confidence, string> = { high: 'very-high', medium: 'high', low: 'medium' };

export interface SarifOptions {
  toolVersion: string;
}

function pascalCase(id: string): string {
  return id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

function artifactUri(path: string): string {
  if (path === '<stdin>') return 'stdin';
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return path.split('\\').join('/').replace(/^\.\//, '');
}

function sarifRule(rule: RuleMetadata) {
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.title },
    fullDescription: { text: `${rule.title} (${rule.family}).` },
    help: { text: rule.remediation, markdown: `**${rule.title}**\n\n${rule.remediation}` },
    defaultConfiguration: { level: levelBySeverity[rule.severity] },
    properties: {
      tags: ['security', 'secret', rule.family],
      precision: precision[rule.confidence],
      'security-severity': securitySeverity[rule.severity],
    },
  };
}

export function toSarifLog(findings: readonly Finding[], catalogue: readonly RuleMetadata[], options: SarifOptions): string {
  const usedIds = [...new Set(findings.map((finding) => finding.ruleId))].sort();
  const byId = new Map(catalogue.map((rule) => [rule.id, rule]));
  const rules = usedIds.map(
    (id) =>
      byId.get(id) ?? {
        id,
        family: 'custom',
        title: id,
        severity: 'high' as const,
        confidence: 'medium' as const,
        remediation: 'Rotate the secret.',
      },
  );
  const indexById = new Map(rules.map((rule, index) => [rule.id, index]));
  const results = findings.map((finding) => ({
    ruleId: finding.ruleId,
    ruleIndex: indexById.get(finding.ruleId) ?? 0,
    level: levelBySeverity[finding.severity],
    message: {
      text: `${finding.title}: ${finding.redacted} (${finding.confidence} confidence${finding.verified ? ', checksum verified' : ''}${finding.encoding ? `, ${finding.encoding}-encoded` : ''}${finding.location === 'path' ? ', in the file name' : ''}${finding.pair ? `, with ${finding.pair.kind} ${finding.pair.redacted} at line ${finding.pair.line}` : ''}). ${finding.remediation}`,
    },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: artifactUri(finding.path) },
          // A secret in the file's name has no place in its content: the whole artifact is the location.
          ...(finding.location === 'path' ? {} : { region: { startLine: finding.line, startColumn: finding.column } }),
        },
      },
    ],
    partialFingerprints: {
      'vigilSecret/v1': createHash('sha256').update(`${finding.ruleId}\n${finding.path}\n${finding.fingerprint}`).digest('hex'),
    },
    properties: {
      confidence: finding.confidence,
      verified: finding.verified,
      evidence: finding.evidence,
      redacted: finding.redacted,
      secretFingerprint: finding.fingerprint,
      ...(finding.pair ? { pair: finding.pair } : {}),
      ...(finding.liveness ? { liveness: finding.liveness } : {}),
    },
  }));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Vigil',
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            rules: rules.map(sarifRule),
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
