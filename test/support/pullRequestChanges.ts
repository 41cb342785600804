import type { LoopbackCommit, LoopbackGitHistory } from './loopbackGitHistory';
import { type DiffHunk, diffHunks, isBinary } from './unifiedDiff';

/**
 * What a pull (or merge) request changes, worked out from a loopback git history the way GitHub
 * and GitLab do it: the commits the head has beyond the merge base with the base branch, and each
 * file's change from the merge base to the head (three-dot), with its diff hunks. Both refs are
 * resolved when asked, so a test that adds a commit and moves the branch moves the request too.
 */
export interface ChangedFile {
  path: string;
  status: 'added' | 'modified' | 'removed';
  before?: Buffer;
  after?: Buffer;
  binary: boolean;
  hunks: DiffHunk[];
}

export interface RequestChanges {
  baseTip: string;
  mergeBase: string;
  head: string;
  /** Oldest first. */
  commits: LoopbackCommit[];
  files: ChangedFile[];
}

export function requestChanges(history: LoopbackGitHistory, baseRef: string, headRef: string): RequestChanges {
  const baseTip = history.resolve(baseRef);
  const head = history.resolve(headRef);
  if (!baseTip || !head) throw new Error(`cannot resolve ${baseRef}...${headRef} in the loopback history`);
  const commits = history.between(baseTip, head);
  if (!commits) throw new Error(`${baseRef} and ${headRef} share no history`);
  const mergeBase = commits.length ? (history.parentOf(commits[0].sha) ?? baseTip) : head;
  return { baseTip, mergeBase, head, commits, files: filesBetween(history, mergeBase, head, commits) };
}

/** The files that differ between two commits, given the commits in between (oldest first). */
export function filesBetween(history: LoopbackGitHistory, from: string, to: string, commits: LoopbackCommit[]): ChangedFile[] {
  const paths = [...new Set(commits.flatMap((c) => Object.keys(c.changes)))].sort();
  return paths.flatMap((path): ChangedFile[] => {
    const before = history.contentAt(from, path);
    const after = history.contentAt(to, path);
    if (before === undefined && after === undefined) return [];
    if (before !== undefined && after !== undefined && before.equals(after)) return [];
    const binary = isBinary(before) || isBinary(after);
    return [
      {
        path,
        status: before === undefined ? 'added' : after === undefined ? 'removed' : 'modified',
        ...(before !== undefined ? { before } : {}),
        ...(after !== undefined ? { after } : {}),
        binary,
        hunks: binary ? [] : diffHunks(before, after),
      },
    ];
  });
}
