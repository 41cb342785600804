/** The public surface of repositories/: what other folders may import (docs/architecture.md, "Layout"). */
export type { RepositoryAsset, RepositoryRiskScore, RepositoryState } from './assets/asset';
export type { ContentScanProgress } from './contentScan/repositoryContentScan';
export type {
  PullRequestScanContext,
  RepositoryFindingSummary,
  RepositoryScanRecord,
} from './contentScan/repositoryScanRecord';
export { repositorySightingId } from './contentScan/sightingIds';
export type { FullScanOutcome } from './fullScan/fullContentScan';
export type { InventoryRecord } from './inventory/inventoryOrganization';
export { inventoryRequestMessage, requestInventories } from './inventory/inventoryRequests';
