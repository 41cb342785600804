import { describe, expect, it } from 'vitest';
import { evaluateEndpoint } from '../../../shared/audit/evaluateEndpoint';
import { azureRmEndpoint } from '../../support/azureDevOps/serviceConnectionRoutes';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';
import { factsOf, healthyConnection } from './connectionFacts';

const id = 'a1b2c3d4-0000-4000-8000-000000000001';
const secret = new SecretFactory(43).entraClientSecret();

function secretBased(options: { allPipelines?: boolean; name?: string } = {}) {
  return {
    ...healthyConnection(id),
    endpoint: azureRmEndpoint({
      id,
      name: options.name ?? 'web-deploy',
      scheme: 'ServicePrincipal',
      authenticationType: 'spnKey',
      scopeLevel: 'Subscription',
      secret,
    }),
    allPipelines: options.allPipelines ?? true,
  };
}

describe('evaluating one connection', () => {
  it('finds nothing on a healthy connection and says which checks passed and which did not concern it', () => {
    const audit = evaluateEndpoint(factsOf(healthyConnection(id)));
    expect(audit.findings).toEqual([]);
    expect(audit.passed).toContain('open-to-all-pipelines');
    expect(audit.notApplicable).toEqual(['no-approval-or-branch-control', 'insecure-auth-scheme']);
  });

  it('turns each failing check into a finding with rule, severity, evidence and remediation, never the secret', () => {
    const audit = evaluateEndpoint(factsOf(secretBased()));
    expect(audit.findings.map((f) => [f.ruleId, f.severity])).toEqual([
      ['service-connection/open-to-all-pipelines', 'critical'],
      ['service-connection/client-secret', 'high'],
      ['service-connection/subscription-wide-scope', 'high'],
      ['service-connection/no-approval-or-branch-control', 'high'],
    ]);
    expect(audit.findings[0].evidence).toEqual({
      location: 'endpoint web-deploy · pipelinePermissions.allPipelines.authorized',
      redacted: 'allPipelines.authorized = true (subscription-wide Azure scope)',
    });
    expect(audit.findings[0].fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(audit)).not.toContain(secret);
  });

  it('gives an unchanged connection the same fingerprints, and a changed setting a new one', () => {
    const first = evaluateEndpoint(factsOf(secretBased()));
    const again = evaluateEndpoint(factsOf(secretBased()));
    expect(again.findings.map((f) => f.fingerprint)).toEqual(first.findings.map((f) => f.fingerprint));

    // Renamed to a production name: the approval finding's reason changes, the other settings do not.
    const renamed = evaluateEndpoint(factsOf(secretBased({ name: 'web-prod' })));
    const byRule = (audit: typeof first) => new Map(audit.findings.map((f) => [f.checkId, f.fingerprint]));
    expect(byRule(renamed).get('client-secret')).toBe(byRule(first).get('client-secret'));
    expect(byRule(renamed).get('no-approval-or-branch-control')).not.toBe(byRule(first).get('no-approval-or-branch-control'));
  });

  it('reports checks it could not run, with the reason, instead of passing them', () => {
    const audit = evaluateEndpoint(factsOf({ ...healthyConnection(id), refuse: { pipelinePermissions: 403, executionHistory: 403 } }));
    expect(audit.unevaluated).toEqual([
      { checkId: 'open-to-all-pipelines', reason: 'HTTP 403' },
      { checkId: 'inactive', reason: 'HTTP 403' },
    ]);
  });
});
