/**
 * The `scans` document of a repository's SARIF results from one tool on one branch (kind `sarif`):
 * the risks its latest upload reported, so the next upload for the same tool and branch resolves
 * those it no longer reports (docs/ci-results.md, "Resolution"). One per (asset, tool, branch),
 * replaced by each upload.
 */
export interface SarifScanRecord {
  id: string;
  organization: string;
  kind: 'sarif';
  tool: string;
  branch: string;
  assetId: string;
  repository: string;
  project?: string;
  commitId: string;
  uploadId: string;
  pullRequest?: number;
  runUrl?: string;
  results: number;
  /** The risks the upload reported (ids), for resolving those the next one does not. */
  riskIds: string[];
  risksOpened: number;
  risksResolved: number;
  durationMs: number;
  scannedAt: string;
}
