import type { Asset } from '../app';

/**
 * What `GET /api/assets` and `vigil repos list --json` print for an asset: a repository with its score and the
 * reasons behind it; a service connection as stored (names and check ids only).
 */
export function assetView(asset: Asset) {
  if (asset.type === 'repository') {
    return {
      id: asset.id,
      type: asset.type,
      organization: asset.organization,
      project: asset.project,
      name: asset.name,
      defaultBranch: asset.defaultBranch ?? null,
      state: asset.state,
      skipReason: asset.skipReason ?? null,
      riskScore: asset.riskScore?.score ?? null,
      openRisks: asset.riskScore?.openRisks ?? 0,
      reasons: asset.riskScore?.factors ?? [],
      webUrl: asset.webUrl ?? null,
    };
  }
  return {
    id: asset.id,
    type: asset.type,
    organization: asset.organization,
    project: asset.project,
    name: asset.name,
    connectionType: asset.connectionType,
    authorizationScheme: asset.authorizationScheme ?? null,
    projects: asset.projects,
    lastAuditedAt: asset.lastAuditedAt,
    failedChecks: asset.failedChecks,
  };
}
