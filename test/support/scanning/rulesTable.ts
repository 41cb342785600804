import { builtinCatalogue, builtinRules } from '../../../shared/scanning/rules/builtinRules';
import { pathRules } from '../../../shared/scanning/rules/structuralRules';
import type { RuleDefinition, RuleMetadata } from '../../../shared/scanning/types';

/**
 * The rule table of docs/scanning.md ("Rules"), made from the rule definitions, so the page cannot
 * drift from the code (test/unit/scanning/rulesDoc.test.ts). Print it with
 * `node --require tsx/cjs -e "console.log(require('./test/support/scanning/rulesTable.ts').rulesTable())"`.
 */
function evidence(rule: RuleMetadata): string {
  const definition = builtinRules.find((candidate) => candidate.id === rule.id);
  if (!definition) return 'format';
  switch (definition.validator) {
    case 'github-token-crc32':
    case 'npm-token-crc32':
    case 'azure-common-annotated-key':
    case 'azure-identifiable-key':
      return 'checksum';
    case 'azure-devops-legacy-pat':
    case 'azure-entra-client-secret':
      return 'checksum, else format';
    default:
      return definition.generic ? 'generic' : 'format';
  }
}

function confirmedBy(rule: RuleMetadata): string {
  if (pathRules.some((pathRule) => pathRule.id === rule.id)) return 'file path';
  const definition: RuleDefinition | undefined = builtinRules.find((candidate) => candidate.id === rule.id);
  if (!definition) return 'structure';
  switch (definition.validator) {
    case 'github-token-crc32':
    case 'npm-token-crc32':
      return 'CRC32 checksum';
    case 'azure-common-annotated-key':
    case 'azure-identifiable-key':
      return 'Marvin32 checksum';
    case 'azure-devops-legacy-pat':
      return 'CRC32 checksum, else the words around it';
    case 'azure-entra-client-secret':
      return 'Marvin32 checksum (`8Q~`), else format';
    case undefined:
      return definition.minEntropy !== undefined ? `entropy ≥ ${definition.minEntropy}` : 'format';
    default:
      return definition.validator;
  }
}

export function rulesTable(): string {
  const rows = [...builtinCatalogue]
    .sort((a, b) => a.family.localeCompare(b.family) || a.id.localeCompare(b.id))
    .map(
      (rule) =>
        `| ${rule.family} | \`${rule.id}\` | ${rule.title} | ${rule.severity} | ${rule.confidence} | ${evidence(rule)} | ${confirmedBy(rule)} |`,
    );
  return ['| family | rule | title | severity | confidence | evidence | confirmed by |', '|---|---|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}
