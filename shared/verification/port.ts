import type { LivenessCheck } from '../scanning';

/**
 * Verification (docs/scanning.md, "Verification"): one harmless, read-only call to the service a
 * credential belongs to, at that service's own fixed endpoint, says whether it still works. One
 * file per service implements `ServiceVerifier`; `secretVerifier.ts` runs them with a time-out per
 * call and bounded concurrency. The raw secret exists only in memory while its call runs: it is
 * never logged, stored, queued, or put in a reason or an error message.
 */
export type VerificationStatus = LivenessCheck['status'];
export type VerifiableService = 'github' | 'gitlab' | 'azure-devops' | 'slack' | 'npm' | 'azure-storage';

/** What a verifier gets: the secret, and the decoded text of its line (for a storage account's name). */
export interface CredentialToCheck {
  secret: string;
  line: string;
}

/**
 * Where each service is asked. The defaults are the services' public endpoints; tests (and a proxy
 * on this machine) point them elsewhere. Never taken from the scanned text: a URL, host or endpoint
 * suffix next to a secret is not where its secret is sent.
 */
export interface VerificationEndpoints {
  /** GitHub's REST API root. */
  github: string;
  /** A GitLab instance's root (the API is under /api/v4). */
  gitlab: string;
  /** Azure DevOps' profile service (organization-independent). */
  azureDevOps: string;
  /** Slack's Web API root. */
  slack: string;
  /** The npm registry. */
  npm: string;
  /** Azure Blob Storage, with `{account}` where the account name goes. */
  azureStorage: string;
}

export const defaultVerificationEndpoints: VerificationEndpoints = {
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com',
  azureDevOps: 'https://app.vssps.visualstudio.com',
  slack: 'https://slack.com/api',
  npm: 'https://registry.npmjs.org',
  azureStorage: 'https://{account}.blob.core.windows.net',
};

/** One HTTP exchange, as a verifier sees it (verificationHttp.ts makes it). */
export interface VerificationResponse {
  status: number;
  /** The first 64 KiB of the body, as text. */
  body: string;
}

export interface VerificationRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
}

export type SendVerificationRequest = (request: VerificationRequest) => Promise<VerificationResponse>;

export interface ServiceVerifier {
  readonly service: VerifiableService;
  /** The rules whose findings this service can check. */
  readonly ruleIds: readonly string[];
  /** live or revoked from the service's answer; unknown (with a reason) when the answer proves neither. */
  check(credential: CredentialToCheck, send: SendVerificationRequest, endpoints: VerificationEndpoints): Promise<LivenessCheck>;
}

/** The usual reading of an HTTP status: 401 (and what else the service answers a dead credential with) revoked, else 2xx live. */
export function livenessFromStatus(service: VerifiableService, status: number, revokedStatuses: readonly number[] = [401]): LivenessCheck {
  // First: Azure DevOps answers a credential it refuses with 203 and its sign-in page, a 2xx.
  if (revokedStatuses.includes(status)) return { status: 'revoked', service };
  if (status >= 200 && status < 300) return { status: 'live', service };
  return { status: 'unknown', service, reason: `${service} answered HTTP ${status}` };
}
