import { createHash } from 'node:crypto';
import type { RiskSeverity } from '../risks';
import { redactSecret } from '../scanning';
import type { SarifLog, SarifResult, SarifRule, SarifRun } from './sarifLog';

/**
 * What one SARIF result means to Vigil (docs/ci-results.md, "What becomes a risk"): a risk of kind
 * `dependency-vulnerability` when its rule names an advisory (CVE or GHSA id), else `code-finding`;
 * a severity from the CVSS score in `security-severity` (GitHub's bands), else from the level; and a
 * fingerprint of (tool, rule, location), the location taken from `partialFingerprints` when the tool
 * gives them (they survive edits above the line), else from the file, line and column.
 *
 * A snippet is never kept: scanners put the offending text there, and for a secret scanner that is the
 * secret. A secret scanner's result keeps only a redacted preview of it, and never its message.
 */
export type SarifRiskKind = 'code-finding' | 'dependency-vulnerability';

export interface SarifFinding {
  /** The tool's name as its log gives it (`Trivy`, `Semgrep OSS`, `CodeQL`). */
  tool: string;
  ruleId: string;
  title: string;
  kind: SarifRiskKind;
  severity: RiskSeverity;
  /** CVE and GHSA ids, upper-case CVE and lower-case GHSA bodies as their databases spell them, sorted. */
  advisories: string[];
  path?: string;
  line?: number;
  column?: number;
  /** Digest of (tool, rule, location fingerprint): one risk per distinct value. */
  fingerprint: string;
  /** What to show: the result's message, or for a secret scanner only a redacted preview. */
  redacted: string;
  remediation: string;
  helpUri?: string;
}

const cvePattern = /\bCVE-\d{4}-\d{4,}\b/gi;
const ghsaPattern = /\bGHSA(?:-[23456789cfghjmpqrvwx]{4}){3}\b/gi;
const secretTools = /gitleaks|trufflehog|detect-secrets|secret|vigil/i;
const secretRules = /secret|credential|password|passwd|token|private[-_ ]?key|api[-_ ]?key/i;
const maxText = 300;

/** Every result of every run that reports a problem (passing, not-applicable and suppressed results are left out). */
export function* sarifFindings(log: SarifLog): Generator<SarifFinding> {
  for (const run of log.runs) {
    const findingIn = runFindings(run);
    for (const result of run.results ?? []) {
      const finding = findingIn(result);
      if (finding) yield finding;
    }
  }
}

/** The same, for results read one at a time from a stored log (streamedSarifLog.ts): each result with its run. */
export async function* streamedSarifFindings(results: AsyncIterable<{ run: SarifRun; result: SarifResult }>): AsyncGenerator<SarifFinding> {
  let current: { run: SarifRun; findingIn: (result: SarifResult) => SarifFinding | undefined } | undefined;
  for await (const { run, result } of results) {
    if (current?.run !== run) current = { run, findingIn: runFindings(run) };
    const finding = current.findingIn(result);
    if (finding) yield finding;
  }
}

/** What a result of `run` means, or undefined when it reports no problem (passing, not applicable, suppressed). */
function runFindings(run: SarifRun): (result: SarifResult) => SarifFinding | undefined {
  const rules = run.tool.driver.rules ?? [];
  const byId = new Map(rules.map((rule) => [rule.id, rule]));
  return (result) => {
    if (result.kind !== undefined && result.kind !== 'fail') return undefined;
    if (result.suppressions?.some((s) => s.status === undefined || s.status === 'accepted')) return undefined;
    return findingOf(run, result, ruleOf(result, rules, byId));
  };
}

function ruleOf(result: SarifResult, rules: SarifRule[], byId: Map<string, SarifRule>): SarifRule | undefined {
  const index = result.ruleIndex ?? result.rule?.index;
  if (index !== undefined && index >= 0 && index < rules.length) return rules[index];
  const id = result.ruleId ?? result.rule?.id;
  return id === undefined ? undefined : byId.get(id);
}

function findingOf(run: SarifRun, result: SarifResult, rule: SarifRule | undefined): SarifFinding {
  const tool = run.tool.driver.name;
  const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id ?? 'unnamed-rule';
  const physical = result.locations?.[0]?.physicalLocation;
  const path = pathOf(physical?.artifactLocation?.uri);
  const line = physical?.region?.startLine;
  const column = physical?.region?.startColumn;
  const advisories = advisoriesOf(ruleId, result, rule);
  const secretLike = secretTools.test(tool) || secretRules.test(ruleId) || tagsOf(rule?.properties).some((t) => /secret/i.test(t));
  const snippet = physical?.region?.snippet?.text?.trim();
  const redacted = secretLike
    ? snippet
      ? redactSecret(snippet)
      : '(secret hidden)'
    : oneLine(result.message.text ?? rule?.shortDescription?.text ?? ruleId);
  const title = oneLine(rule?.shortDescription?.text ?? rule?.name ?? ruleId);
  return {
    tool,
    ruleId,
    title,
    kind: advisories.length > 0 ? 'dependency-vulnerability' : 'code-finding',
    severity: severityOf(result, rule),
    advisories,
    ...(path ? { path } : {}),
    ...(line ? { line } : {}),
    ...(column ? { column } : {}),
    fingerprint: digest([tool.toLowerCase(), ruleId, locationFingerprint(result, path, line, column)]),
    redacted,
    remediation: oneLine(rule?.help?.text ?? rule?.fullDescription?.text ?? (rule?.helpUri ? `See ${rule.helpUri}` : title), 500),
    ...(rule?.helpUri ? { helpUri: rule.helpUri } : {}),
  };
}

function locationFingerprint(result: SarifResult, path: string | undefined, line: number | undefined, column: number | undefined): string {
  const given = result.partialFingerprints ?? result.fingerprints;
  if (given && Object.keys(given).length > 0) {
    return Object.keys(given)
      .sort()
      .map((key) => `${key}=${given[key]}`)
      .join('\n');
  }
  return `${path ?? ''}:${line ?? 0}:${column ?? 0}`;
}

/** GitHub code scanning's bands for a CVSS score: > 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, below low. */
export function severityOfScore(score: number): RiskSeverity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

function severityOf(result: SarifResult, rule: SarifRule | undefined): RiskSeverity {
  const score = Number(result.properties?.['security-severity'] ?? rule?.properties?.['security-severity'] ?? Number.NaN);
  if (Number.isFinite(score) && score >= 0) return severityOfScore(score);
  const level = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
  return level === 'error' ? 'high' : level === 'warning' ? 'medium' : 'low';
}

function advisoriesOf(ruleId: string, result: SarifResult, rule: SarifRule | undefined): string[] {
  const texts = [ruleId, rule?.name, rule?.helpUri, ...tagsOf(rule?.properties), ...tagsOf(result.properties)];
  // Tools name the advisory in their own property (`cve`, `cves`, `ghsaId`): read every short string value of the rule's properties.
  for (const value of Object.values(rule?.properties ?? {})) {
    if (typeof value === 'string' && value.length < 200) texts.push(value);
    if (Array.isArray(value)) for (const item of value) if (typeof item === 'string' && item.length < 200) texts.push(item);
  }
  const found = new Set<string>();
  for (const candidate of texts) {
    if (!candidate) continue;
    for (const match of candidate.matchAll(cvePattern)) found.add(match[0].toUpperCase());
    for (const match of candidate.matchAll(ghsaPattern)) found.add(`GHSA${match[0].slice(4).toLowerCase()}`);
  }
  return [...found].sort();
}

function tagsOf(bag: Record<string, unknown> | undefined): string[] {
  const tags = bag?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

/** A repository-relative path: `file://` and `./` prefixes dropped. */
function pathOf(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  let path = uri;
  if (/^file:\/\//i.test(path)) {
    try {
      path = decodeURIComponent(new URL(path).pathname);
    } catch {
      return undefined;
    }
  }
  return path.replace(/^\.?\/+/, '').slice(0, 1000) || undefined;
}

function oneLine(text: string, limit = maxText): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > limit ? `${line.slice(0, limit - 1)}…` : line;
}

function digest(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);
}
