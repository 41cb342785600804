/**
 * A service connection as Vigil knows it (docs/architecture.md, "State" `assets`, partition `/organization`): the
 * asset its risks point at. It also remembers when the connection was created when Azure DevOps
 * does not say but an endpoint-created event did, so a new, not yet used connection is not
 * reported inactive.
 */
export interface ServiceConnectionAsset {
  /** `service-connection:{endpointId}`, the `asset.id` of its risks. */
  id: string;
  organization: string;
  type: 'service-connection';
  endpointId: string;
  name: string;
  /** `azurerm`, `github`, `generic`, ... as Azure DevOps spells it. */
  connectionType: string;
  authorizationScheme?: string;
  /** The project it was last audited through (name or id, as the event gave it). */
  project: string;
  /** Names of the projects it is shared with. */
  projects: string[];
  createdAt?: string;
  firstSeenAt: string;
  lastAuditedAt: string;
  /** Check ids that failed at the last audit. */
  failedChecks: string[];
}

export function serviceConnectionAssetId(endpointId: string): string {
  return `service-connection:${endpointId}`;
}
