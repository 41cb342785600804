import { hasBinaryExtension } from './binaryContent';
import { RepositoryPathFilter, toRelativePath } from './repositoryPathFilter';

/**
 * What a content scan decides by a file's path alone: left out by the exclude patterns, or binary
 * by its extension (unless a path rule makes the file itself a finding: a `.p12` bundle). Plain
 * data, so the zip thread can screen entries before inflating them for the event loop.
 */
export interface PathScreenSettings {
  /** gitignore patterns: the defaults plus `VIGIL_REPO_SCAN_EXCLUDE`'s. */
  excludePatterns: readonly string[];
  /** Paths whose file is a finding by itself (the scanner's active path rules). */
  findingPaths: readonly RegExp[];
}

export type ScreenedOut = 'excluded' | 'binary';

export class PathScreen {
  private readonly filter: RepositoryPathFilter;

  constructor(readonly settings: PathScreenSettings) {
    this.filter = RepositoryPathFilter.fromPatterns(settings.excludePatterns);
  }

  /** Why a file is not read; undefined when it is to be read. */
  screen(path: string): ScreenedOut | undefined {
    const relative = toRelativePath(path);
    if (this.filter.excludes(relative)) return 'excluded';
    if (hasBinaryExtension(relative) && !this.isFinding(relative)) return 'binary';
    return undefined;
  }

  /** True when the file is a finding by its path, whatever its bytes. */
  isFinding(path: string): boolean {
    return this.settings.findingPaths.some((pattern) => pattern.test(path));
  }
}

/** The zip thread's entry screen (zip/zipEntriesThreadProtocol.ts `EntryScreenModule`): this module, loaded there. */
export function createEntryScreen(settings: PathScreenSettings): (path: string) => ScreenedOut | undefined {
  const screen = new PathScreen(settings);
  return (path) => screen.screen(path);
}

/** How the zip thread finds this module: a path `require` resolves to the compiled file, or through tsx to the source. */
export const pathScreenModule = __filename.replace(/\.[cm]?[jt]s$/, '');

export function isScreenedOut(reason: string | undefined): reason is ScreenedOut {
  return reason === 'excluded' || reason === 'binary';
}
