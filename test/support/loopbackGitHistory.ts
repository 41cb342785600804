import { createHash } from 'node:crypto';

/**
 * A small git history for the loopback GitHub and GitLab servers: commits with authors and the
 * files each one added, changed (a string or bytes) or deleted (null), parents, and branches. It
 * answers what those servers need: a ref's commit, the commits one ref has beyond another, a
 * file's bytes at a commit, and git's blob id of some bytes.
 */
export interface LoopbackAuthor {
  name: string;
  email: string;
  date: string;
}

export interface LoopbackCommit {
  sha: string;
  author: LoopbackAuthor;
  message?: string;
  /** The parent commit; default the commit before it in the list, `null` for a root commit. */
  parent?: string | null;
  /** Path (no leading slash) → new content, or null when the commit deletes the file. */
  changes: Record<string, string | Buffer | null>;
}

export class LoopbackGitHistory {
  readonly branches: Record<string, string>;
  private readonly commits: LoopbackCommit[] = [];
  private readonly parents = new Map<string, string | null>();

  constructor(commits: LoopbackCommit[] = [], branches: Record<string, string> = {}) {
    this.branches = { ...branches };
    for (const commit of commits) this.add(commit);
  }

  /** Add a commit (its parent defaults to the last commit added). */
  add(commit: LoopbackCommit): void {
    const parent = commit.parent === undefined ? (this.commits.at(-1)?.sha ?? null) : commit.parent;
    this.commits.push(commit);
    this.parents.set(commit.sha, parent);
  }

  commit(sha: string): LoopbackCommit | undefined {
    return this.commits.find((c) => c.sha === sha);
  }

  parentOf(sha: string): string | null {
    return this.parents.get(sha) ?? null;
  }

  /** A commit sha, a branch name, or `refs/heads/{branch}`. */
  resolve(ref: string): string | undefined {
    const branch = ref.replace(/^refs\/heads\//, '');
    if (this.branches[branch]) return this.branches[branch];
    return this.commit(ref)?.sha;
  }

  /** The commit and its ancestors, newest first. */
  ancestry(sha: string): string[] {
    const chain: string[] = [];
    for (let current: string | null = sha; current; current = this.parentOf(current)) chain.push(current);
    return chain;
  }

  /** The commits `head` has that `base` has not, oldest first; undefined when they share no history. */
  between(base: string, head: string): LoopbackCommit[] | undefined {
    const known = new Set(this.ancestry(base));
    const added: LoopbackCommit[] = [];
    let current: string | null = head;
    while (current && !known.has(current)) {
      added.push(this.commit(current)!);
      current = this.parentOf(current);
    }
    if (!current) return undefined;
    return added.reverse();
  }

  /** A file's bytes as of a commit, or undefined when it does not exist there. */
  contentAt(sha: string, path: string): Buffer | undefined {
    for (const current of this.ancestry(sha)) {
      const changes = this.commit(current)?.changes ?? {};
      if (!(path in changes)) continue;
      const content = changes[path];
      return content === null ? undefined : Buffer.from(content);
    }
    return undefined;
  }
}

/** Git's object id of a blob: SHA-1 over `blob {size}\0{content}`. */
export function blobSha(content: string | Buffer): string {
  const bytes = Buffer.from(content);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}
