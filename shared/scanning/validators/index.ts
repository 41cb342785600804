import { isSecretName } from '../allowlists/secretNames';
import type { RuleDefinition } from '../types';
import { passwordFromBasicPayload } from './basicAuthPayload';
import { isValidCommonAnnotatedKey } from './commonAnnotatedKey';
import { entraClientSecretEvidence } from './entraClientSecret';
import { isValidIdentifiableKey } from './identifiableKey';
import { looksLikeJwtHeader } from './jwtShape';
import { isValidLegacyAzureDevOpsPat } from './legacyAzureDevOpsPat';
import { hasValidCrc32Base62Checksum } from './tokenChecksum';
import { secretFromUserPasswordPair } from './userPasswordPair';

/**
 * What a validator concluded about a pattern match. `verified` means a checksum proved the format;
 * `plausible` means the shape checks passed; `rejected` drops the match (or keeps it at low
 * confidence when the rule and the scan options ask for that). A validator may refine the secret,
 * e.g. to the password inside a Basic credential.
 */
export type ValidationOutcome = { verdict: 'verified' | 'plausible'; secret?: string } | { verdict: 'rejected' };

/** `groups` are the pattern's named groups, e.g. `name` for the generic assignment rule. */
export function validateMatch(
  rule: RuleDefinition,
  secret: string,
  groups: Readonly<Record<string, string | undefined>>,
): ValidationOutcome {
  switch (rule.validator) {
    case undefined:
      return { verdict: 'plausible' };
    case 'github-token-crc32':
      return hasValidCrc32Base62Checksum(secret, 4) ? { verdict: 'verified' } : { verdict: 'rejected' };
    case 'npm-token-crc32':
      return hasValidCrc32Base62Checksum(secret, 4) ? { verdict: 'verified' } : { verdict: 'rejected' };
    case 'azure-common-annotated-key':
      return isValidCommonAnnotatedKey(secret) ? { verdict: 'verified' } : { verdict: 'rejected' };
    case 'azure-identifiable-key': {
      const spec = rule.identifiableKey;
      if (!spec) return { verdict: 'rejected' };
      return isValidIdentifiableKey(secret, spec.signature, spec.seeds) ? { verdict: 'verified' } : { verdict: 'rejected' };
    }
    case 'azure-devops-legacy-pat':
      // The rule only runs next to words that say Azure DevOps: a failing checksum keeps the match at its format confidence.
      return isValidLegacyAzureDevOpsPat(secret) ? { verdict: 'verified' } : { verdict: 'plausible' };
    case 'azure-entra-client-secret':
      // Older (7Q~) secrets have no checksum: the format stands alone; a checksum upgrades it.
      return entraClientSecretEvidence(secret) === 'checksum' ? { verdict: 'verified' } : { verdict: 'plausible' };
    case 'jwt-shape':
      return looksLikeJwtHeader(secret) ? { verdict: 'plausible' } : { verdict: 'rejected' };
    case 'basic-auth-payload': {
      const password = passwordFromBasicPayload(secret);
      return password === undefined ? { verdict: 'rejected' } : { verdict: 'plausible', secret: password };
    }
    case 'user-password-pair': {
      const refined = secretFromUserPasswordPair(secret);
      return refined === undefined ? { verdict: 'rejected' } : { verdict: 'plausible', secret: refined };
    }
    case 'secret-name':
      return groups.name !== undefined && isSecretName(groups.name) ? { verdict: 'plausible' } : { verdict: 'rejected' };
  }
}
