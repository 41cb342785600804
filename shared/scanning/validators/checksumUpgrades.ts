import { isValidLegacyAzureDevOpsPat } from './legacyAzureDevOpsPat';

/**
 * Some formats carry a checksum but no literal the keyword pass could find (a legacy Azure DevOps
 * PAT is 52 bare base32 characters). When a generic rule catches such a value (`password = …` in
 * a .pypirc), the checksum proves what it is: the finding is reported under the specific rule,
 * checksum-verified, instead of as a generic secret.
 */
export function specificRuleForValue(value: string): string | undefined {
  if (value.length === 52 && /^[a-z2-7]{52}$/.test(value) && isValidLegacyAzureDevOpsPat(value)) return 'azure-devops-pat-legacy';
  return undefined;
}
