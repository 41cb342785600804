import type { GitChange } from '../devops';

/**
 * What a commit or pull request change means for a content scan: a file to fetch and scan (added,
 * edited or renamed), a deletion (nothing to fetch: the content stays in history and so do its
 * risks), something that is not a file (a submodule), or a folder entry (not counted at all).
 * node-api turns `changeType` into flags for commit changes; other answers may keep the REST
 * strings (`"edit, rename"`), so both are read.
 */
export type ChangedFile =
  | { kind: 'file'; path: string; objectId?: string }
  | { kind: 'deleted'; path: string }
  | { kind: 'not-a-file'; path: string }
  | { kind: 'folder' };

/** node-api's `VersionControlChangeType.Delete` flag, written out so the repositories surface loads no client at a cold start. */
const versionControlDelete = 16;

export function classifyChange(change: Pick<GitChange, 'changeType' | 'item'>): ChangedFile {
  const item = (change.item ?? {}) as { path?: string; objectId?: string; isFolder?: boolean; gitObjectType?: unknown };
  const path = item.path ?? '';
  const objectType = typeof item.gitObjectType === 'string' ? item.gitObjectType.toLowerCase() : item.gitObjectType;
  if (item.isFolder === true || objectType === 'tree' || objectType === 2 || path === '') return { kind: 'folder' };
  if (isDeletion(change.changeType)) return { kind: 'deleted', path };
  if (objectType === 'commit' || objectType === 1) return { kind: 'not-a-file', path };
  return { kind: 'file', path, ...(item.objectId ? { objectId: item.objectId } : {}) };
}

function isDeletion(changeType: unknown): boolean {
  if (typeof changeType === 'number') return (changeType & versionControlDelete) !== 0;
  if (typeof changeType === 'string') return changeType.split(',').some((part) => part.trim().toLowerCase() === 'delete');
  return false;
}
