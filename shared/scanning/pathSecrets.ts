import type { Scanner } from './scanner';
import type { Finding } from './types';

/**
 * A file's path is text from outside too: a token pasted into a file name (`dump-ghp_….txt`) would
 * otherwise be printed verbatim as the location of every finding in that file, and never reported.
 * The path is scanned like a line of content; each secret in it becomes a finding of its own
 * (`location: 'path'`, line 0, columns counted in the path) and is replaced, wherever the path is
 * shown, by its redacted preview.
 */
export interface ScannedPath {
  /** The path as it may be shown: every secret in it replaced by its redacted preview. */
  shown: string;
  /** The secrets found in the path itself. */
  findings: Finding[];
}

export function scanPath(scanner: Scanner, path: string): ScannedPath {
  // One line: a newline in a file name must not split it (the columns stay those of the path).
  const text = path.replace(/[\r\n]/g, ' ');
  const found = scanner.scanText(text, { path: '<path>' });
  if (found.length === 0) return { shown: path, findings: [] };

  let shown = path;
  // Right to left, so the columns of the secrets still to replace stay true.
  for (const finding of [...found].sort((a, b) => b.column - a.column)) {
    const start = finding.column - 1;
    const end = finding.endColumn !== undefined ? finding.endColumn - 1 : endOfSegment(path, start);
    shown = `${shown.slice(0, start)}${finding.redacted}${shown.slice(end)}`;
  }
  const findings = found.map((finding): Finding => {
    const { endColumn: _endColumn, ...rest } = finding;
    return { ...rest, path: shown, line: 0, location: 'path' };
  });
  return { shown, findings };
}

/** Where the path segment holding `index` ends: the most a secret of unknown length can take. */
function endOfSegment(path: string, index: number): number {
  const separator = path.slice(index).search(/[\\/]/);
  return separator === -1 ? path.length : index + separator;
}
