import type { RiskSighting } from '../../shared/risks/riskStore';

/** A sighting of a leaked GitHub token in a build log of pipeline `web-ci`: only its redacted preview, as the engine reports it. */
export function leakedTokenSighting(sightingId: string, fingerprint = 'fp-1'): RiskSighting {
  return {
    organization: 'contoso',
    kind: 'leaked-secret',
    ruleId: 'github-pat',
    title: 'GitHub personal access token',
    severity: 'high',
    asset: { id: 'pipeline-12', name: 'web-ci', type: 'pipeline' },
    fingerprint,
    verified: true,
    evidence: { location: `build 7 / ${sightingId}`, redacted: 'ghp_****3kT9' },
    remediation: 'Revoke the token.',
    sightingId,
  };
}
