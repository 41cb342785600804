import type { CommitAuthor } from './scannedRepository';

/**
 * What a GitHub or GitLab push did to its ref, read from the webhook's `ref`, `before` and `after`:
 * updated a branch (scan what it added), created one (`before` all zeros: scan what it has beyond
 * the default branch), deleted one (`after` all zeros: nothing to scan), or moved a tag (nothing
 * new: a tag names commits that reached the repository through a branch).
 */
export type PushedRef = { kind: 'scan'; newBranch: boolean } | { kind: 'nothing'; why: 'deleted' | 'tag' };

/** A commit of a push, with the author a finding is attributed to. */
export interface PushedCommit {
  sha: string;
  author?: CommitAuthor;
}

export function pushedRef(ref: string, before: string, after: string): PushedRef {
  if (isNullCommit(after)) return { kind: 'nothing', why: 'deleted' };
  if (ref.startsWith('refs/tags/')) return { kind: 'nothing', why: 'tag' };
  return { kind: 'scan', newBranch: isNullCommit(before) };
}

export function isNullCommit(sha: string): boolean {
  return /^0+$/.test(sha);
}
