import type { AppServices } from '../../app';
import type { ChangedFile } from '../../codeHosts';
import type { Logger } from '../../logging';
import { recordScan } from '../../telemetry';
import type { RepositoryContentScan } from '../contentScan/repositoryContentScan';
import type { FindingOrigin, RepositoryRiskRecorder } from '../contentScan/repositoryRiskRecorder';
import type { RepositoryScanRecord } from '../contentScan/repositoryScanRecord';

/**
 * The per-change loop of a push scan, the same for Azure DevOps, GitHub and GitLab pushes: a
 * change that is a file the commit added or edited is fetched at that commit and scanned, its
 * findings recorded against the commit and its author; a deletion fetches nothing (what it held
 * stays in history, and so do its risks); the same blob at the same path twice in one push (a
 * revert, a merge) is read once; and no more than `maxFilesPerPush` files are fetched.
 */
export const maxCommitsPerPush = 100;
export const maxFilesPerPush = 500;

/** Opens a changed file's content at the commit being walked. */
export type FetchChangedFile = (path: string) => Promise<AsyncIterable<Uint8Array>>;

export class PushChangeScan {
  private readonly seen = new Set<string>();
  private fetched = 0;
  private filesNotScanned = 0;

  constructor(
    readonly scan: RepositoryContentScan,
    private readonly recorder: RepositoryRiskRecorder,
  ) {}

  async visit(file: ChangedFile, origin: FindingOrigin, fetch: FetchChangedFile): Promise<void> {
    if (file.kind === 'folder') return;
    if (file.kind !== 'file') {
      this.scan.skip(file.path, file.kind);
      return;
    }
    const key = `${file.objectId ?? origin.commitId}:${file.path}`;
    if (this.seen.has(key)) {
      this.scan.skip(file.path, 'duplicate');
      return;
    }
    this.seen.add(key);
    const skip = this.scan.screen(file.path);
    if (skip) {
      this.scan.skip(file.path, skip);
      return;
    }
    if (this.fetched >= maxFilesPerPush) {
      this.filesNotScanned++;
      this.scan.skip(file.path, 'file-limit');
      return;
    }
    this.fetched++;
    const content = await fetch(file.path);
    for await (const finding of this.scan.scanFile(file.path, content)) await this.recorder.record(finding, origin);
  }

  /** The scan document's `limit`, when a limit was hit: what was left unread. */
  limit(commitsNotScanned: number): Pick<RepositoryScanRecord, 'limit'> {
    if (this.filesNotScanned === 0 && commitsNotScanned <= 0) return {};
    return {
      limit: {
        maxFiles: maxFilesPerPush,
        filesNotScanned: this.filesNotScanned,
        maxCommits: maxCommitsPerPush,
        commitsNotScanned: Math.max(commitsNotScanned, 0),
      },
    };
  }
}

/** What a push scan hands back to the queue handler (kept in its idempotency record): counts, never findings. */
export interface PushScanSummary {
  scanId: string;
  commitsScanned: number;
  filesScanned: number;
  findings: number;
  risksOpened: number;
}

/** Stores a push's `scans` document, says in the log what it covered (and what the limits left out), and sums it up. */
export async function storePushScan(
  services: AppServices,
  logger: Logger,
  record: RepositoryScanRecord,
  context: Record<string, unknown>,
): Promise<PushScanSummary> {
  await services.stores.scans.upsert(record);
  recordScan('push', record.bytesScanned, record.durationMs);
  const commitsScanned = record.commitsScanned ?? 0;
  if (record.limit) logger.warn('push larger than the scan limits; the rest was not scanned', { ...context, ...record.limit });
  logger.info('push scanned', { ...context, commits: commitsScanned, files: record.filesScanned, findings: record.findings });
  return {
    scanId: record.id,
    commitsScanned,
    filesScanned: record.filesScanned,
    findings: record.findings,
    risksOpened: record.risksOpened,
  };
}
