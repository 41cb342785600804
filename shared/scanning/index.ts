/**
 * Vigil's secret detection engine: what the queue handlers (build-log and repository scans) and
 * `vigil scan` use. See docs/scanning.md for the rules, confidence levels and formats.
 */

export { BaselineError, loadBaseline, parseBaseline } from './baseline';
export { RuleCompilationError } from './compiledRules';
export type { CustomRuleFile } from './customRules';
export { CustomRulesError, loadCustomRules, parseCustomRules } from './customRules';
export { walkFiles } from './fileWalker';
export { fingerprintKeyFileName, fingerprintSecret, resolveFingerprintKey } from './fingerprint';
export { scanPath } from './pathSecrets';
export { redactSecret } from './redaction';
export type { ScanStats } from './report/jsonReport';
export { toJsonReport } from './report/jsonReport';
export { toSarifLog } from './report/sarifReport';
export { formatTextReport } from './report/textReport';
export { builtinCatalogue } from './rules/builtinRules';
export { SeededExampleMaker } from './rules/ruleExamples';
export type { ScanInput, Scanner, ScannerOptions, ScanTarget } from './scanner';
export { createScanner } from './scanner';
export type { Confidence, Finding, LivenessCheck, RuleDefinition, RuleMetadata, SecretSink, Severity } from './types';
