import type { AzureDevOpsTransport } from './azureDevOpsTransport';

/**
 * What Vigil writes on a pull request (`{project}/_apis/git/repositories/{id}/pullRequests/{id}/…`):
 * statuses (on an iteration, so a branch policy resets them on new changes), comment threads and
 * their comments. Plain REST over the transport rather than node-api's GitApi: these calls run on
 * every publish, and node-api asks for its route table (two `OPTIONS` requests) on every new
 * connection first. Enums travel as Azure DevOps writes them (`"active"`, `"succeeded"`); numbers
 * are read too. Creates are not retried after a 5xx other than 503 (`idempotent: false`): the
 * publisher records what it posted and finds it again by its marker rather than post twice.
 */
export type ThreadStatusName = 'unknown' | 'active' | 'fixed' | 'wontFix' | 'closed' | 'byDesign' | 'pending';
export type StatusStateName = 'notSet' | 'pending' | 'succeeded' | 'failed' | 'error' | 'notApplicable' | 'partiallySucceeded';

export interface FilePosition {
  line: number;
  offset: number;
}

export interface PullRequestComment {
  id?: number;
  parentCommentId?: number;
  author?: { id?: string; displayName?: string };
  content?: string;
  /** `text`, `system`, … (or its number). */
  commentType?: string | number;
  isDeleted?: boolean;
}

export interface PullRequestThread {
  id?: number;
  /** A name (`active`, `fixed`, …) or its number. */
  status?: ThreadStatusName | number;
  threadContext?: { filePath: string; rightFileStart?: FilePosition; rightFileEnd?: FilePosition } | null;
  /** Values as sent (`{ $type, $value }`) or as read back. */
  properties?: Record<string, unknown>;
  comments?: PullRequestComment[];
  isDeleted?: boolean;
}

export interface PullRequestStatus {
  state: StatusStateName;
  description?: string;
  context: { genre?: string; name: string };
  targetUrl?: string;
}

export interface PullRequestAddress {
  project: string;
  repositoryId: string;
  pullRequestId: number;
}

export interface PullRequestFeedbackClient {
  createStatus(at: PullRequestAddress, status: PullRequestStatus, iterationId?: number): Promise<void>;
  listThreads(at: PullRequestAddress): Promise<PullRequestThread[]>;
  getThread(at: PullRequestAddress, threadId: number): Promise<PullRequestThread | undefined>;
  createThread(at: PullRequestAddress, thread: PullRequestThread): Promise<PullRequestThread>;
  /** Change a thread's status. */
  updateThread(at: PullRequestAddress, threadId: number, status: ThreadStatusName): Promise<void>;
  addComment(at: PullRequestAddress, threadId: number, content: string): Promise<PullRequestComment>;
  /** Edit a comment's text; undefined when Azure DevOps has no such comment (its thread is gone). */
  updateComment(at: PullRequestAddress, threadId: number, commentId: number, content: string): Promise<PullRequestComment | undefined>;
  deleteComment(at: PullRequestAddress, threadId: number, commentId: number): Promise<void>;
}

export function createPullRequestFeedbackClient(transport: AzureDevOpsTransport): PullRequestFeedbackClient {
  const base = (at: PullRequestAddress) =>
    `${encodeURIComponent(at.project)}/_apis/git/repositories/${encodeURIComponent(at.repositoryId)}/pullRequests/${at.pullRequestId}`;
  const where = (at: PullRequestAddress, what: string) =>
    `${what} of pull request ${at.pullRequestId} in repository ${at.repositoryId} of project '${at.project}'`;
  const orMissing = async <T>(operation: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await operation();
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  };
  return {
    async createStatus(at, status, iterationId) {
      const path = iterationId === undefined ? `${base(at)}/statuses` : `${base(at)}/iterations/${iterationId}/statuses`;
      await transport.call({ resource: where(at, 'a status'), idempotent: false }, () => transport.send('POST', path, {}, status));
    },

    listThreads: (at) =>
      transport.call(
        { resource: where(at, 'the threads') },
        async () => (await transport.send<{ value?: PullRequestThread[] }>('GET', `${base(at)}/threads`))?.value ?? [],
      ),

    getThread: (at, threadId) =>
      orMissing(() =>
        transport.call(
          { resource: where(at, `thread ${threadId}`) },
          async () => (await transport.send<PullRequestThread>('GET', `${base(at)}/threads/${threadId}`)) ?? {},
        ),
      ),

    createThread: (at, thread) =>
      transport.call(
        { resource: where(at, 'a thread'), idempotent: false },
        async () => (await transport.send<PullRequestThread>('POST', `${base(at)}/threads`, {}, thread)) ?? {},
      ),

    async updateThread(at, threadId, status) {
      await transport.call({ resource: where(at, `thread ${threadId}`) }, () =>
        transport.send('PATCH', `${base(at)}/threads/${threadId}`, {}, { status }),
      );
    },

    addComment: (at, threadId, content) =>
      transport.call(
        { resource: where(at, `a comment in thread ${threadId}`), idempotent: false },
        async () =>
          (await transport.send<PullRequestComment>(
            'POST',
            `${base(at)}/threads/${threadId}/comments`,
            {},
            { parentCommentId: 1, content, commentType: 'text' },
          )) ?? {},
      ),

    updateComment: (at, threadId, commentId, content) =>
      orMissing(() =>
        transport.call(
          { resource: where(at, `comment ${commentId} in thread ${threadId}`) },
          async () =>
            (await transport.send<PullRequestComment>('PATCH', `${base(at)}/threads/${threadId}/comments/${commentId}`, {}, { content })) ??
            {},
        ),
      ),

    async deleteComment(at, threadId, commentId) {
      await orMissing(() =>
        transport.call({ resource: where(at, `comment ${commentId} in thread ${threadId}`) }, () =>
          transport.send('DELETE', `${base(at)}/threads/${threadId}/comments/${commentId}`),
        ),
      );
    },
  };
}

/** The transport's 404: a thread or comment someone deleted. */
function isMissing(error: unknown): boolean {
  return error instanceof Error && /\(HTTP 404\)/.test(error.message);
}
