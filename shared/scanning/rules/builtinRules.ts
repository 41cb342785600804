import type { RuleDefinition, RuleMetadata } from '../types';
import { aiRules } from './aiRules';
import { azureRules } from './azureRules';
import { cloudRules } from './cloudRules';
import { collaborationRules } from './collaborationRules';
import { credentialRules } from './credentialRules';
import { developerToolRules } from './developerToolRules';
import { genericRules } from './genericRules';
import { paymentAndCommerceRules } from './paymentAndCommerceRules';
import { sourceHostingRules } from './sourceHostingRules';
import { kubernetesSecretRule, pathRules, privateKeyRule } from './structuralRules';

/**
 * Vigil's built-in pattern rules, most specific first: when two rules report the same text, the
 * earlier one wins (and any non-generic rule wins over a generic one).
 */
export const builtinRules: readonly RuleDefinition[] = [
  ...azureRules,
  ...sourceHostingRules,
  ...cloudRules,
  ...collaborationRules,
  ...paymentAndCommerceRules,
  ...aiRules,
  ...developerToolRules,
  ...credentialRules,
  ...genericRules,
];

/** Every rule a finding can name, for `--rules` listings and SARIF rule metadata. */
export const builtinCatalogue: readonly RuleMetadata[] = [...builtinRules, privateKeyRule, kubernetesSecretRule, ...pathRules];
