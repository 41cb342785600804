import { buildLogScanner } from '../../ci';
import type { VigilConfig } from '../../config';
import { type Finding, type Scanner, scanPath } from '../../scanning';
import { looksBinary, sniffBytes } from './binaryContent';
import { PathScreen, type PathScreenSettings } from './pathScreen';
import { RepositoryPathFilter, toRelativePath } from './repositoryPathFilter';

/**
 * One content scan's file loop, shared by the full, push and pull request scans: decide by path
 * what not to read, sniff the head of what is read, stream the rest through the engine, and keep
 * the counts the `scans` document reports (files, bytes, skipped files by reason with a few
 * examples each). A file is held at most one sniff window (8 KiB) plus one chunk at a time.
 */
export type SkipReason =
  /** Vendored, generated or lock file, or a `VIGIL_REPO_SCAN_EXCLUDE` pattern. */
  | 'excluded'
  /** Binary by name or by its first bytes. */
  | 'binary'
  /** Deleted by the change: nothing to fetch (what it held stays in history and in its risks). */
  | 'deleted'
  /** A folder or a submodule, not a file. */
  | 'not-a-file'
  /** The same content at the same path was already scanned by this scan. */
  | 'duplicate'
  /** Past the per-scan file limit. */
  | 'file-limit'
  /** Encrypted, or compressed with a method the archive reader does not know. */
  | 'unreadable';

export interface SkippedFiles {
  count: number;
  /** The first few paths, so a report can show what was left out. */
  examples: string[];
}

export interface ContentScanProgress {
  filesScanned: number;
  filesSkipped: number;
  bytesScanned: number;
  findings: number;
}

export interface ContentScanSummary extends ContentScanProgress {
  skipped: Partial<Record<SkipReason, SkippedFiles>>;
  /** The most bytes of one file held at once (sniff window or one chunk): what bounds memory per file. */
  peakHeldBytes: number;
}

const examplesPerReason = 5;

export class RepositoryContentScan {
  private filesScanned = 0;
  private filesSkipped = 0;
  private bytesScanned = 0;
  private findings = 0;
  private peakHeldBytes = 0;
  private readonly skipped: Partial<Record<SkipReason, SkippedFiles>> = {};

  private readonly paths: PathScreen;

  constructor(
    private readonly scanner: Scanner,
    filter: RepositoryPathFilter,
    private readonly onProgress?: (progress: ContentScanProgress) => void,
  ) {
    this.paths = new PathScreen({ excludePatterns: filter.patterns, findingPaths: scanner.pathRulePatterns });
  }

  /** The scan the configuration asks for: the build-log engine, the default excludes plus `VIGIL_REPO_SCAN_EXCLUDE`. */
  static configured(config: VigilConfig, onProgress?: (progress: ContentScanProgress) => void): RepositoryContentScan {
    return new RepositoryContentScan(
      buildLogScanner(config),
      RepositoryPathFilter.fromSetting(config.environment.VIGIL_REPO_SCAN_EXCLUDE),
      onProgress,
    );
  }

  /** What `screen` decides by, as plain data (for screening on another thread). */
  get screenSettings(): PathScreenSettings {
    return this.paths.settings;
  }

  /** Why a file is not read, decided by its path alone; undefined when it is to be read. */
  screen(path: string): SkipReason | undefined {
    return this.paths.screen(path);
  }

  skip(path: string, reason: SkipReason): void {
    this.filesSkipped++;
    const entry = (this.skipped[reason] ??= { count: 0, examples: [] });
    entry.count++;
    // Kept in the scan's record: a secret in the file's name is shown redacted there too.
    if (entry.examples.length < examplesPerReason) entry.examples.push(scanPath(this.scanner, toRelativePath(path)).shown);
    this.report();
  }

  /**
   * Scan one file's content, consuming it to the end either way. Yields the findings (path relative,
   * lines 1-based); a file whose head looks binary is read through and counted as skipped instead.
   * `size`, when the reader knows it up front: the content is read up to that many bytes, and its
   * end is not asked for (the reader's own drain takes it).
   */
  async *scanFile(path: string, content: AsyncIterable<Uint8Array>, size?: number): AsyncGenerator<Finding, void, undefined> {
    // The path is text from outside too (shared/scanning/pathSecrets.ts): a secret in a file's name is a
    // finding of its own, and every finding in the file carries the name with that secret redacted, since
    // the path becomes the risk's location, a work item's text and a pull request summary's line.
    const named = scanPath(this.scanner, toRelativePath(path));
    for (const finding of named.findings) {
      this.findings++;
      yield finding;
    }
    const relative = named.shown;
    const chunks = content[Symbol.asyncIterator]();
    const head: Uint8Array[] = [];
    let headBytes = 0;
    let ended = size === 0;
    while (headBytes < sniffBytes && !ended) {
      // A chunk may be lent until the next is asked for: one kept while reading on is copied.
      if (head.length === 1) head[0] = Buffer.from(head[0]);
      const next = await chunks.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(head.length === 0 ? next.value : Buffer.from(next.value));
      headBytes += next.value.length;
      // A known size says when the content is all here, without asking for (and waiting on) its end.
      if (headBytes === size) ended = true;
    }
    this.hold(headBytes);
    const headBuffer = head.length === 1 ? head[0] : Buffer.concat(head);
    if (!this.paths.isFinding(relative) && looksBinary(headBuffer.subarray(0, sniffBytes), ended)) {
      if (!ended) for (let next = await chunks.next(); !next.done; next = await chunks.next()) this.hold(next.value.length);
      this.skip(relative, 'binary');
      return;
    }

    const hold = (bytes: number) => this.hold(bytes);
    async function* whole(): AsyncGenerator<Uint8Array> {
      if (headBuffer.length > 0) yield headBuffer;
      let read = headBuffer.length;
      if (ended) return;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
        hold(next.value.length);
        yield next.value;
        read += next.value.length;
        if (read === size) return;
      }
    }
    const bytesBefore = this.bytesScanned;
    const target = {
      path: relative,
      onProgress: (bytes: number) => {
        this.bytesScanned = bytesBefore + bytes;
        this.report();
      },
    };
    // Most repository files arrive whole in one chunk: scanned in one call, not through a stream.
    const findings = ended ? this.scanner.scanText(headBuffer, target) : this.scanner.scanStream(whole(), target);
    for await (const finding of findings) {
      this.findings++;
      yield finding;
    }
    this.filesScanned++;
    this.report();
  }

  summary(): ContentScanSummary {
    return { ...this.progress(), skipped: structuredClone(this.skipped), peakHeldBytes: this.peakHeldBytes };
  }

  private progress(): ContentScanProgress {
    return { filesScanned: this.filesScanned, filesSkipped: this.filesSkipped, bytesScanned: this.bytesScanned, findings: this.findings };
  }

  private hold(bytes: number): void {
    if (bytes > this.peakHeldBytes) this.peakHeldBytes = bytes;
  }

  private report(): void {
    if (this.onProgress) this.onProgress(this.progress());
  }
}
