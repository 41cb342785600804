/**
 * Optional verification of found credentials (docs/scanning.md, "Verification"): a harmless,
 * read-only call to the credential's own service says whether it is live, revoked or unknown.
 * Off by default: `vigil scan --verify`, or `verification.enabled` in an organization's settings.
 */
export type {
  CredentialToCheck,
  SendVerificationRequest,
  ServiceVerifier,
  VerifiableService,
  VerificationEndpoints,
  VerificationRequest,
  VerificationResponse,
  VerificationStatus,
} from './port';
export { defaultVerificationEndpoints } from './port';
export type { SecretVerifier, SecretVerifierOptions } from './secretVerifier';
export { createSecretVerifier, serviceVerifiers } from './secretVerifier';
export { verificationEndpointsFromEnvironment } from './verificationEndpoints';
