import type { Finding, LivenessCheck, SecretSink } from '../scanning';
import { azureDevOpsVerifier } from './azureDevOpsVerifier';
import { azureStorageVerifier } from './azureStorageVerifier';
import { gitHubVerifier } from './gitHubVerifier';
import { gitLabVerifier } from './gitLabVerifier';
import { npmVerifier } from './npmVerifier';
import { defaultVerificationEndpoints, type SendVerificationRequest, type ServiceVerifier, type VerificationEndpoints } from './port';
import { slackVerifier } from './slackVerifier';
import { createVerificationSender, VerificationNetworkError } from './verificationHttp';

export const serviceVerifiers: readonly ServiceVerifier[] = [
  gitHubVerifier,
  gitLabVerifier,
  azureDevOpsVerifier,
  slackVerifier,
  npmVerifier,
  azureStorageVerifier,
];

export interface SecretVerifierOptions {
  /** Where each service is asked (default: the services' public endpoints). */
  endpoints?: Partial<VerificationEndpoints>;
  /** Time-out per call (default 5 s). */
  timeoutMs?: number;
  /** Calls in flight at once (default 4). */
  concurrency?: number;
  /** How requests are sent (default: fetch with the time-out, no redirects); tests may count them. */
  send?: SendVerificationRequest;
}

/**
 * Verification for one scan: hand `sink` to the scanner (`createScanner({ secretSink })`), then
 * `verify(findings)` once the scan is done. The sink keeps each verifiable finding's secret in a
 * WeakMap keyed by the finding (never on the finding, so no report, log or store can see it);
 * `verify` asks each distinct secret's service once, records `liveness` on the findings, forgets
 * every secret, and returns the findings with live ones first (then unknown, revoked, unchecked).
 */
export interface SecretVerifier {
  readonly sink: SecretSink;
  verify(findings: readonly Finding[]): Promise<Finding[]>;
}

const statusOrder: Record<LivenessCheck['status'] | 'none', number> = { live: 0, unknown: 1, revoked: 2, none: 3 };

export function createSecretVerifier(options: SecretVerifierOptions = {}): SecretVerifier {
  const endpoints: VerificationEndpoints = { ...defaultVerificationEndpoints, ...options.endpoints };
  const timeoutMs = options.timeoutMs ?? 5000;
  const send = options.send ?? createVerificationSender({ timeoutMs });
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const verifierByRule = new Map<string, ServiceVerifier>();
  for (const verifier of serviceVerifiers) for (const ruleId of verifier.ruleIds) verifierByRule.set(ruleId, verifier);
  let kept = new WeakMap<Finding, { secret: string; line: string }>();

  const sink: SecretSink = {
    ruleIds: new Set(verifierByRule.keys()),
    keep(finding, secret, line) {
      kept.set(finding, { secret, line });
    },
  };

  async function verify(findings: readonly Finding[]): Promise<Finding[]> {
    // One call per distinct secret and service: the same token in a hundred log lines is asked about once.
    const checks = new Map<string, { verifier: ServiceVerifier; secret: string; line: string; findings: Finding[] }>();
    for (const finding of findings) {
      const credential = kept.get(finding);
      const verifier = verifierByRule.get(finding.ruleId);
      if (!credential || !verifier) continue;
      const key = `${verifier.service}:${finding.fingerprint}`;
      const check = checks.get(key);
      if (check) check.findings.push(finding);
      else checks.set(key, { verifier, secret: credential.secret, line: credential.line, findings: [finding] });
    }
    // Forget every secret now: the checks below hold the few they need until their call is done.
    kept = new WeakMap();
    const queue = [...checks.values()];
    checks.clear();
    const worker = async () => {
      for (let check = queue.shift(); check !== undefined; check = queue.shift()) {
        const result = await checkOne(check.verifier, { secret: check.secret, line: check.line });
        for (const finding of check.findings) finding.liveness = result;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    return findings
      .map((finding, index) => ({ finding, index }))
      .sort((a, b) => rank(a.finding) - rank(b.finding) || a.index - b.index)
      .map(({ finding }) => finding);
  }

  async function checkOne(verifier: ServiceVerifier, credential: { secret: string; line: string }): Promise<LivenessCheck> {
    try {
      return await verifier.check(credential, send, endpoints);
    } catch (error) {
      // The reason is ours, never an error's text (which could quote a request).
      const reason = error instanceof VerificationNetworkError ? error.message : 'the check failed';
      return { status: 'unknown', service: verifier.service, reason };
    }
  }

  return { sink, verify };
}

function rank(finding: Finding): number {
  return statusOrder[finding.liveness?.status ?? 'none'];
}
