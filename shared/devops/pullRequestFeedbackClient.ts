import type { Comment, GitPullRequestCommentThread, GitPullRequestStatus } from 'azure-devops-node-api/interfaces/GitInterfaces';
import type { AzureDevOpsTransport } from './azureDevOpsTransport';

export type { Comment, GitPullRequestCommentThread, GitPullRequestStatus };

/**
 * What Vigil writes on a pull request (`_apis/git/repositories/{id}/pullRequests/{id}/…`):
 * statuses (on an iteration, so a branch policy resets them on new changes), comment threads and
 * their comments. Creates are not retried after a 5xx other than 503 (`idempotent: false`): the
 * publisher records what it posted and finds it again by its marker rather than post twice.
 */
export interface PullRequestFeedbackClient {
  createStatus(at: PullRequestAddress, status: GitPullRequestStatus, iterationId?: number): Promise<GitPullRequestStatus>;
  listThreads(at: PullRequestAddress): Promise<GitPullRequestCommentThread[]>;
  getThread(at: PullRequestAddress, threadId: number): Promise<GitPullRequestCommentThread | undefined>;
  createThread(at: PullRequestAddress, thread: GitPullRequestCommentThread): Promise<GitPullRequestCommentThread>;
  /** Change a thread's status (and properties, when given). */
  updateThread(at: PullRequestAddress, threadId: number, change: Pick<GitPullRequestCommentThread, 'status' | 'properties'>): Promise<GitPullRequestCommentThread>;
  addComment(at: PullRequestAddress, threadId: number, comment: Comment): Promise<Comment>;
  /** Edit a comment's text; undefined when Azure DevOps has no such comment (its thread is gone). */
  updateComment(at: PullRequestAddress, threadId: number, commentId: number, content: string): Promise<Comment | undefined>;
  deleteComment(at: PullRequestAddress, threadId: number, commentId: number): Promise<void>;
}

export interface PullRequestAddress {
  project: string;
  repositoryId: string;
  pullRequestId: number;
}

export function createPullRequestFeedbackClient(transport: AzureDevOpsTransport): PullRequestFeedbackClient {
  const git = () => transport.gitApi();
  const where = (at: PullRequestAddress, what: string) => `${what} of pull request ${at.pullRequestId} in repository ${at.repositoryId} of project '${at.project}'`;
  return {
    createStatus: (at, status, iterationId) =>
      transport.callTyped({ resource: where(at, 'a status'), idempotent: false }, async () =>
        iterationId === undefined
          ? (await git()).createPullRequestStatus(status, at.repositoryId, at.pullRequestId, at.project)
          : (await git()).createPullRequestIterationStatus(status, at.repositoryId, at.pullRequestId, iterationId, at.project),
      ),

    listThreads: (at) => transport.callTyped({ resource: where(at, 'the threads') }, async () => (await git()).getThreads(at.repositoryId, at.pullRequestId, at.project)),

    async getThread(at, threadId) {
      try {
        return await transport.callTyped({ resource: where(at, `thread ${threadId}`) }, async () => (await git()).getPullRequestThread(at.repositoryId, at.pullRequestId, threadId, at.project));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    createThread: (at, thread) =>
      transport.callTyped({ resource: where(at, 'a thread'), idempotent: false }, async () => (await git()).createThread(thread, at.repositoryId, at.pullRequestId, at.project)),

    updateThread: (at, threadId, change) =>
      transport.callTyped({ resource: where(at, `thread ${threadId}`) }, async () => (await git()).updateThread(change, at.repositoryId, at.pullRequestId, threadId, at.project)),

    addComment: (at, threadId, comment) =>
      transport.callTyped({ resource: where(at, `a comment in thread ${threadId}`), idempotent: false }, async () => (await git()).createComment(comment, at.repositoryId, at.pullRequestId, threadId, at.project)),

    async updateComment(at, threadId, commentId, content) {
      try {
        return await transport.callTyped({ resource: where(at, `comment ${commentId} in thread ${threadId}`) }, async () =>
          (await git()).updateComment({ content }, at.repositoryId, at.pullRequestId, threadId, commentId, at.project),
        );
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },

    async deleteComment(at, threadId, commentId) {
      try {
        await transport.call({ resource: where(at, `comment ${commentId} in thread ${threadId}`) }, async () =>
          (await git()).deleteComment(at.repositoryId, at.pullRequestId, threadId, commentId, at.project),
        );
      } catch (error) {
        if (!isMissing(error)) throw error;
      }
    },
  };
}

/** The transport's 404: a thread or comment someone deleted. */
function isMissing(error: unknown): boolean {
  return error instanceof Error && /\(HTTP 404\)/.test(error.message);
}
