import type { PathRuleDefinition, RuleMetadata } from '../types';

/**
 * Findings that come from following a structure across lines rather than from one pattern:
 * PEM private keys (whose body spans lines, each with its own timestamp in a build log) and
 * Kubernetes Secret manifests. Their logic lives in detectors/; this is their catalogue entry.
 */
export const privateKeyRule: RuleMetadata = {
  id: 'private-key',
  family: 'private-key',
  title: 'Private key (PEM / OpenSSH / PGP)',
  severity: 'critical',
  confidence: 'high',
  remediation:
    'Treat the key pair as compromised: revoke or replace it (certificate, SSH authorized_keys, signing key), and load keys from a secure file or Key Vault.',
};

export const kubernetesSecretRule: RuleMetadata = {
  id: 'kubernetes-secret-manifest',
  family: 'kubernetes',
  title: 'Kubernetes Secret manifest with data values',
  severity: 'high',
  confidence: 'medium',
  remediation:
    'Rotate the values, and keep Secret manifests out of repositories and logs (Sealed Secrets, External Secrets, CSI driver with Key Vault).',
};

export const pathRules: readonly PathRuleDefinition[] = [
  {
    id: 'pkcs12-file',
    family: 'pkcs12',
    title: 'PKCS#12 key bundle file (.p12 / .pfx)',
    severity: 'high',
    confidence: 'medium',
    pathPattern: /\.(?:p12|pfx)$/i,
    remediation:
      'Remove the bundle from the repository, rotate the certificate and key it contains, and store it in Key Vault or secure files.',
  },
];
