/**
 * A repository as the inventory knows it (docs/architecture.md, "State" `assets`, partition `/organization`). Risks
 * found in its content point at it through `assetId`, and its risk score is stored on it.
 */
export type RepositoryState = 'active' | 'disabled' | 'empty' | 'deleted';

export interface RepositoryRiskScore {
  /** 0–100; higher is riskier. See docs/repositories.md for the formula. */
  score: number;
  openRisks: number;
  /** Each term of the formula, so the number can be explained. */
  factors: Array<{ name: string; value: number; why: string }>;
  computedAt: string;
}

export interface RepositoryAsset {
  /** `repository:{repositoryId}`: the id Azure DevOps gives a repository is unique in its organization. */
  id: string;
  organization: string;
  type: 'repository';
  repositoryId: string;
  name: string;
  project: string;
  projectId: string;
  projectVisibility: 'private' | 'public' | 'organization' | 'unknown';
  /** `refs/heads/main`; absent for an empty repository. */
  defaultBranch?: string;
  webUrl?: string;
  size: number;
  lastPushAt?: string;
  state: RepositoryState;
  /** Why the repository is not scanned (disabled, empty), when it is not. */
  skipReason?: string;
  forks?: number;
  firstSeenAt: string;
  lastInventoriedAt: string;
  deletedAt?: string;
  /** The commit and branch of the last full content scan, so a changed default branch triggers a new one. */
  lastFullScan?: { branch: string; commitId?: string; scannedAt: string };
  riskScore?: RepositoryRiskScore;
}

export function repositoryAssetId(repositoryId: string): string {
  return `repository:${repositoryId}`;
}
