/**
 * Vigil's secret detection engine: what the queue handlers (build-log and repository scans) and
 * `vigil scan` use. See docs/scanning.md for the rules, confidence levels and formats.
 */
export { createScanner } from './scanner';
export type { Scanner, ScannerOptions, ScanTarget, ScanInput } from './scanner';
export type { Finding, Severity, Confidence, RuleMetadata, RuleDefinition } from './types';
export { redactSecret } from './redaction';
export { fingerprintSecret, resolveFingerprintKey, fingerprintKeyFileName } from './fingerprint';
export { loadBaseline, parseBaseline, BaselineError } from './baseline';
export { loadCustomRules, parseCustomRules, CustomRulesError } from './customRules';
export type { CustomRuleFile } from './customRules';
export { builtinCatalogue } from './rules/builtinRules';
export { toSarifLog } from './report/sarifReport';
export { toJsonReport } from './report/jsonReport';
export type { ScanStats } from './report/jsonReport';
export { formatTextReport } from './report/textReport';
export { RuleCompilationError } from './compiledRules';
export { walkFiles } from './fileWalker';
export { scanPath } from './pathSecrets';
