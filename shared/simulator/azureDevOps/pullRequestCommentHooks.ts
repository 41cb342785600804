import { randomUUID } from 'node:crypto';
import type { PullRequestFeedbackRoutes } from './pullRequestFeedbackRoutes';
import { postServiceHook, resourceContainers, type ServiceHookTarget } from './serviceHookDelivery';

/**
 * The `ms.vss-code.git-pullrequest-comment-event` service hook for comments on the loopback's
 * pull requests, shaped like the recorded sample
 * (test/fixtures/azure-devops/service-hooks/ms.vss-code.git-pullrequest-comment-event.json):
 * `resource.comment` (id, parent, author, content, dates, type, links to its thread) and
 * `resource.pullRequest`, with `resourceContainers` carrying the organization's `baseUrl`. A test
 * sends it after a person replies (`PullRequestFeedbackRoutes.as(person).reply(...)`), so a
 * `/vigil false-positive` reply reaches the webhook as Azure DevOps would deliver it.
 */
export interface PullRequestCommentDelivery {
  payload: Record<string, unknown>;
  status: number;
  responseBody: string;
}

export class PullRequestCommentHooks {
  readonly deliveries: PullRequestCommentDelivery[] = [];
  private notificationId = 1;

  constructor(
    private readonly routes: PullRequestFeedbackRoutes,
    private readonly options: { orgUrl: string; target: ServiceHookTarget },
  ) {}

  async emitComment(
    repository: string,
    pullRequestId: number,
    threadId: number,
    commentId: number,
    verb: 'created' | 'edited' = 'created',
  ): Promise<PullRequestCommentDelivery> {
    const payload = this.payload(repository, pullRequestId, threadId, commentId, verb);
    const delivery = { payload, ...(await postServiceHook(this.options.target, payload)) };
    this.deliveries.push(delivery);
    return delivery;
  }

  payload(
    repository: string,
    pullRequestId: number,
    threadId: number,
    commentId: number,
    verb: 'created' | 'edited' = 'created',
  ): Record<string, unknown> {
    const { orgUrl } = this.options;
    const info = this.routes.pullRequestInfo(repository, pullRequestId);
    const thread = this.routes.threads(repository, pullRequestId).find((t) => t.id === threadId);
    const comment = thread?.comments.find((c) => c.id === commentId);
    if (!thread || !comment) throw new Error(`no comment ${commentId} in thread ${threadId} of pull request ${pullRequestId}`);
    const repoUrl = `${orgUrl}/_apis/git/repositories/${info.repositoryId}`;
    const prUrl = `${repoUrl}/pullRequests/${pullRequestId}`;
    const webUrl = `${orgUrl}/${encodeURIComponent(info.project)}/_git/${encodeURIComponent(info.repositoryName)}/pullrequest/${pullRequestId}`;
    const identity = (who: typeof comment.author) => ({
      displayName: who.displayName,
      url: `${orgUrl}/_apis/Identities/${who.id}`,
      id: who.id,
      uniqueName: who.uniqueName,
      imageUrl: `${orgUrl}/_api/_common/identityImage?id=${who.id}`,
    });
    const commit = (commitId: string) => ({ commitId, url: `${repoUrl}/commits/${commitId}` });
    const pr = info.pullRequest;
    const who = comment.author.displayName;
    const link = `${webUrl}?discussionId=${threadId}`;
    return {
      subscriptionId: this.options.target.subscriptionId ?? 'cccccccc-0000-4000-8000-000000000010',
      notificationId: this.notificationId++,
      id: randomUUID(),
      eventType: 'ms.vss-code.git-pullrequest-comment-event',
      publisherId: 'tfs',
      message: {
        text: `${who} has ${verb} a pull request comment`,
        html: `${who} has <a href="${link}">${verb}</a> a pull request comment`,
        markdown: `${who} has [${verb}](${link}) a pull request comment`,
      },
      detailedMessage: {
        text: `${who} has ${verb} a pull request comment\r\n${comment.content}\r\n`,
        html: `${who} has <a href="${link}">${verb}</a> a pull request comment<p>${comment.content}</p>`,
        markdown: `${who} has [${verb}](${link}) a pull request comment\r\n${comment.content}\r\n`,
      },
      resource: {
        comment: {
          id: comment.id,
          parentCommentId: comment.parentCommentId,
          author: identity(comment.author),
          content: comment.content,
          publishedDate: comment.publishedDate,
          lastUpdatedDate: comment.lastUpdatedDate,
          lastContentUpdatedDate: comment.lastUpdatedDate,
          commentType: comment.commentType,
          _links: {
            self: { href: `${prUrl}/threads/${threadId}/comments/${comment.id}` },
            repository: { href: repoUrl },
            threads: { href: `${prUrl}/threads/${threadId}` },
          },
        },
        pullRequest: {
          repository: {
            id: info.repositoryId,
            name: info.repositoryName,
            url: repoUrl,
            project: {
              id: info.projectId,
              name: info.project,
              url: `${orgUrl}/_apis/projects/${info.projectId}`,
              state: 'wellFormed',
              visibility: 'private',
              lastUpdateTime: '0001-01-01T00:00:00',
            },
            defaultBranch: info.defaultBranch,
            remoteUrl: `${orgUrl}/${encodeURIComponent(info.project)}/_git/${encodeURIComponent(info.repositoryName)}`,
          },
          pullRequestId,
          status: pr?.status ?? 'active',
          createdBy: identity(comment.author),
          creationDate: thread.publishedDate,
          title: `Pull request ${pullRequestId}`,
          description: '',
          sourceRefName: pr?.sourceRefName ?? 'refs/heads/topic',
          targetRefName: info.defaultBranch,
          mergeStatus: 'succeeded',
          mergeId: 'cccccccc-0000-4000-8000-000000000011',
          ...(pr
            ? {
                lastMergeSourceCommit: commit(pr.sourceCommit),
                lastMergeTargetCommit: commit(pr.targetCommit),
                lastMergeCommit: commit(pr.sourceCommit),
                commits: [commit(pr.sourceCommit)],
              }
            : {}),
          reviewers: [],
          url: prUrl,
          _links: { web: { href: `${webUrl}#view=discussion` }, statuses: { href: `${prUrl}/statuses` } },
        },
      },
      resourceVersion: '2.0',
      resourceContainers: resourceContainers(orgUrl, info.projectId),
      createdDate: new Date().toISOString(),
    };
  }
}
