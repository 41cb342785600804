import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as azdev from 'azure-devops-node-api';
import type { IGitApi } from 'azure-devops-node-api/GitApi';
import { CommentThreadStatus, CommentType, GitStatusState } from 'azure-devops-node-api/interfaces/GitInterfaces';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertReceiver, startAlertReceiver } from '../../support/alertReceiver';
import { connectionDataRoutes, type LoopbackIdentity, person } from '../../support/azureDevOps/identities';
import { PullRequestCommentHooks } from '../../support/azureDevOps/pullRequestCommentHooks';
import { PullRequestFeedbackRoutes } from '../../support/azureDevOps/pullRequestFeedbackRoutes';
import { type FixtureRepository, RepositoryContentRoutes } from '../../support/azureDevOps/repositoryContentRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { recordedRequestText } from '../../support/recordedRequests';

/**
 * Pull request feedback on the loopback Azure DevOps (test/support/azureDevOps/
 * pullRequestFeedbackRoutes.ts) with the real azure-devops-node-api GitApi and raw REST:
 * statuses (on the pull request and on an iteration), threads on a file line with properties,
 * status changes by number and by name, comments with their authors, a person's reply, the
 * 150,000-character limit, faults, and the pull request comment service hook.
 */
const fixtures = join(__dirname, '..', '..', 'fixtures', 'azure-devops');
const recorded = (name: string) => {
  const data = JSON.parse(readFileSync(join(fixtures, 'rest', name), 'utf8')) as {
    responses: Record<string, { body: Record<string, unknown> }>;
  };
  return (data.responses['200'] ?? Object.values(data.responses)[0]).body;
};
const keysOf = (value: unknown) => Object.keys(value as object).sort();

const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const vigil: LoopbackIdentity = { id: 'dddddddd-0000-4000-8000-00000000beef', displayName: 'Vigil', uniqueName: 'vigil@contoso.example' };
const reviewer = person('Rae Reviewer');
const project = 'Fabrikam';
const repositoryId = 'a1a1a1a1-0000-4000-8000-000000000001';
const base = 'a'.repeat(40);
const head = 'b'.repeat(40);
const repository: FixtureRepository = {
  id: repositoryId,
  name: 'payments',
  project,
  commits: [
    { commitId: base, changes: { '/src/app.ts': 'export const app = 1;\n' } },
    { commitId: head, changes: { '/src/app.ts': 'export const app = 1;\nconst token = "redacted-in-test";\n' } },
  ],
  pullRequests: [{ pullRequestId: 7, sourceRefName: 'refs/heads/feature', sourceCommit: head, targetCommit: base, iterations: 2 }],
};

let devops: AzureDevOpsServer;
let feedback: PullRequestFeedbackRoutes;
let gitApi: IGitApi;

beforeAll(async () => {
  const content = new RepositoryContentRoutes([repository]);
  feedback = new PullRequestFeedbackRoutes({ identity: vigil, repositories: content });
  devops = await startAzureDevOpsServer({
    organization: 'contoso',
    pat,
    projects: [{ name: project }],
    extensions: [connectionDataRoutes(vigil), feedback, content],
  });
  gitApi = await new azdev.WebApi(devops.url, azdev.getPersonalAccessTokenHandler(pat)).getGitApi();
});
afterAll(async () => {
  await devops.close();
});

async function rest(method: string, path: string, body?: unknown) {
  const response = await fetch(`${devops.url}/${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('the pull request', () => {
  it('answers the pull request by repository and its iterations (served by the repository routes)', async () => {
    const pr = await gitApi.getPullRequest(repositoryId, 7, project);
    expect(pr.pullRequestId).toBe(7);
    expect(pr.lastMergeSourceCommit?.commitId).toBe(head);
    expect((await gitApi.getPullRequestById(7, project)).pullRequestId).toBe(7);
    const iterations = await gitApi.getPullRequestIterations(repositoryId, 7, project);
    expect(iterations.map((i) => i.id)).toEqual([1, 2]);
    expect(await gitApi.getPullRequest(repositoryId, 99, project)).toBeNull();
  });
});

describe('statuses', () => {
  it('posts statuses to the pull request and to an iteration in the recorded shapes, and lists them', async () => {
    const pending = await gitApi.createPullRequestStatus(
      {
        state: GitStatusState.Pending,
        description: 'Vigil is scanning',
        context: { genre: 'vigil', name: 'secret-scan' },
        targetUrl: 'https://vigil.example/report/1',
      },
      repositoryId,
      7,
      project,
    );
    expect(keysOf(pending)).toEqual(expect.arrayContaining(keysOf(recorded('git.pullrequest.status.create.json'))));
    expect(pending.state).toBe(GitStatusState.Pending);
    expect(pending.createdBy?.id).toBe(vigil.id);
    const final = await gitApi.createPullRequestIterationStatus(
      { state: GitStatusState.Failed, description: '1 secret introduced', context: { genre: 'vigil', name: 'secret-scan' } },
      repositoryId,
      7,
      2,
      project,
    );
    expect(keysOf(final)).toEqual(
      expect.arrayContaining(keysOf(recorded('git.pullrequest.status.create-iteration.json')).filter((k) => k !== 'targetUrl')),
    );
    expect(final.iterationId).toBe(2);
    const named = await rest('POST', `${project}/_apis/git/repositories/payments/pullRequests/7/statuses?api-version=7.1`, {
      state: 'notApplicable',
      context: { genre: 'vigil', name: 'secret-scan' },
    });
    expect(named.body.state).toBe('notApplicable');
    const all = await gitApi.getPullRequestStatuses(repositoryId, 7, project);
    expect(all.map((s) => [s.id, s.state, s.iterationId])).toEqual([
      [1, GitStatusState.Pending, undefined],
      [2, GitStatusState.Failed, 2],
      [3, GitStatusState.NotApplicable, undefined],
    ]);
    const listed = await rest('GET', `_apis/git/repositories/${repositoryId}/pullRequests/7/statuses`);
    expect(keysOf(listed.body)).toEqual(keysOf(recorded('git.pullrequest.statuses.list.json')));
    expect((await gitApi.getPullRequestIterationStatuses(repositoryId, 7, 2, project)).map((s) => s.id)).toEqual([2]);
    expect(feedback.pullRequest(repositoryId, 7).statuses.map((s) => `${s.genre}/${s.name}:${s.state}`)).toEqual([
      'vigil/secret-scan:pending',
      'vigil/secret-scan:failed',
      'vigil/secret-scan:notApplicable',
    ]);
    const nameless = await rest('POST', `${project}/_apis/git/repositories/${repositoryId}/pullRequests/7/statuses`, {
      state: 'succeeded',
    });
    expect(nameless.status).toBe(400);
  });

  it('answers 404 for a pull request the repository does not have', async () => {
    const missing = await rest('POST', `${project}/_apis/git/repositories/${repositoryId}/pullRequests/99/statuses`, {
      state: 'pending',
      context: { name: 'x' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('TF401180: The requested pull request was not found.');
  });
});

describe('threads and comments', () => {
  it('creates a thread on a file line with properties in the recorded shape, and lists it with its properties wrapped', async () => {
    const thread = await gitApi.createThread(
      {
        comments: [
          { parentCommentId: 0, content: 'Vigil: a GitHub token was introduced here (ghp_…a1b2).', commentType: CommentType.Text },
        ],
        status: CommentThreadStatus.Active,
        threadContext: { filePath: '/src/app.ts', rightFileStart: { line: 2, offset: 1 }, rightFileEnd: { line: 2, offset: 40 } },
        properties: { 'vigil.fingerprint': 'fp-0011', 'vigil.kind': 'finding' },
      },
      repositoryId,
      7,
      project,
    );
    expect(keysOf(thread)).toEqual(expect.arrayContaining(keysOf(recorded('git.pullrequest.thread.create-with-file-context.json'))));
    expect(thread.status).toBe(CommentThreadStatus.Active);
    expect(thread.threadContext).toEqual({
      filePath: '/src/app.ts',
      rightFileStart: { line: 2, offset: 1 },
      rightFileEnd: { line: 2, offset: 40 },
    });
    expect(thread.comments?.[0]).toMatchObject({ id: 1, author: { id: vigil.id }, commentType: CommentType.Text });
    const threads = await gitApi.getThreads(repositoryId, 7, project);
    expect(threads).toHaveLength(1);
    expect(threads[0].properties).toEqual({
      'vigil.fingerprint': { $type: 'System.String', $value: 'fp-0011' },
      'vigil.kind': { $type: 'System.String', $value: 'finding' },
    });
    const listed = await rest('GET', `${project}/_apis/git/repositories/${repositoryId}/pullRequests/7/threads`);
    expect((listed.body.value as Array<{ status: string }>)[0].status).toBe('active');
    expect(keysOf(listed.body)).toEqual(keysOf(recorded('git.pullrequest.threads.list.json')));
  });

  it('changes a thread’s status by number and by name, and its properties', async () => {
    const thread = await gitApi.createThread(
      {
        comments: [{ content: 'Summary', commentType: CommentType.Text }],
        status: CommentThreadStatus.Active,
        properties: { 'vigil.summary': true },
      },
      repositoryId,
      7,
      project,
    );
    const fixed = await gitApi.updateThread({ status: CommentThreadStatus.Fixed }, repositoryId, 7, thread.id!, project);
    expect(fixed.status).toBe(CommentThreadStatus.Fixed);
    const closed = await rest('PATCH', `${project}/_apis/git/repositories/${repositoryId}/pullRequests/7/threads/${thread.id}`, {
      status: 'closed',
      properties: { 'vigil.summary': null, 'vigil.version': 3 },
    });
    expect(closed.body.status).toBe('closed');
    expect(closed.body.properties).toEqual({ 'vigil.version': { $type: 'System.Int32', $value: 3 } });
    const wontFix = await rest('PATCH', `_apis/git/repositories/${repositoryId}/pullRequests/7/threads/${thread.id}`, { status: 3 });
    expect(wontFix.body.status).toBe('wontFix');
    const bad = await rest('PATCH', `_apis/git/repositories/${repositoryId}/pullRequests/7/threads/${thread.id}`, { status: 'solved' });
    expect(bad.status).toBe(400);
  });

  it('adds comments in the recorded shape and lists them with their authors, including a person’s reply', async () => {
    const thread = await gitApi.createThread(
      { comments: [{ content: 'Finding', commentType: CommentType.Text }], status: CommentThreadStatus.Active },
      repositoryId,
      7,
      project,
    );
    const replyId = feedback.as(reviewer).reply(repositoryId, 7, thread.id!, '/vigil false-positive test fixture');
    const added = await gitApi.createComment(
      { content: 'Noted: triaged as a false positive.', parentCommentId: replyId, commentType: CommentType.Text },
      repositoryId,
      7,
      thread.id!,
      project,
    );
    expect(keysOf(added)).toEqual(expect.arrayContaining(keysOf(recorded('git.pullrequest.thread.comment.create.json'))));
    const comments = await gitApi.getComments(repositoryId, 7, thread.id!, project);
    expect(comments.map((c) => [c.id, c.parentCommentId, c.author?.displayName, c.content])).toEqual([
      [1, 0, 'Vigil', 'Finding'],
      [2, 1, 'Rae Reviewer', '/vigil false-positive test fixture'],
      [3, 2, 'Vigil', 'Noted: triaged as a false positive.'],
    ]);
    expect(comments[1].author?.id).toBe(reviewer.id);
    feedback.as(reviewer).setThreadStatus(repositoryId, 7, thread.id!, 'byDesign');
    expect((await gitApi.getPullRequestThread(repositoryId, 7, thread.id!, project)).status).toBe(CommentThreadStatus.ByDesign);
    const opened = feedback.as(reviewer).openThread(repositoryId, 7, 'Why is this here?', { filePath: '/src/app.ts', line: 1 });
    expect(feedback.pullRequest(repositoryId, 7).threads.find((t) => t.id === opened)).toMatchObject({
      filePath: '/src/app.ts',
      line: 1,
      comments: [{ author: 'Rae Reviewer' }],
    });
  });

  it('refuses a comment over 150,000 characters with Azure DevOps’ message and keeps nothing of it', async () => {
    const before = feedback.threads(repositoryId, 7).length;
    const tooLong = await rest('POST', `${project}/_apis/git/repositories/${repositoryId}/pullRequests/7/threads`, {
      comments: [{ content: 'x'.repeat(150_001), commentType: 1 }],
      status: 1,
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toBe('A discussion comment cannot be longer than 150000 characters.\r\nParameter name: comment.Content');
    expect(feedback.threads(repositoryId, 7)).toHaveLength(before);
    const atLimit = await rest('POST', `${project}/_apis/git/repositories/${repositoryId}/pullRequests/7/threads`, {
      comments: [{ content: 'x'.repeat(150_000), commentType: 1 }],
      status: 1,
    });
    expect(atLimit.status).toBe(200);
  });
});

describe('faults and recording', () => {
  it('answers a 403 for a token without write access and a 429 with Retry-After, as many times as asked', async () => {
    devops.injectFault({ path: '/pullRequests/7/threads', method: 'POST', status: 403, times: 1 });
    devops.injectFault({ path: '/pullRequests/7/statuses', status: 429, retryAfterSeconds: 11, times: 1 });
    const denied = await gitApi.createThread({ comments: [{ content: 'denied' }] }, repositoryId, 7, project).catch((e: unknown) => e);
    expect(denied).toMatchObject({
      statusCode: 403,
      result: {
        message: "TF401027: You need the Git 'PullRequestContribute' permission to perform this action.",
        typeKey: 'GitNeedsPermissionException',
      },
    });
    const throttled = await rest('GET', `${project}/_apis/git/repositories/${repositoryId}/pullRequests/7/statuses`);
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '11']);
    expect((await rest('GET', `${project}/_apis/git/repositories/${repositoryId}/pullRequests/7/statuses`)).status).toBe(200);
    expect(feedback.pullRequest(repositoryId, 7).threads.some((t) => t.comments.some((c) => c.content === 'denied'))).toBe(false);
  });

  it('records every request body, so a test can look for a secret in all of them', async () => {
    const secret = `ghp_${randomBytes(18).toString('hex')}`;
    await gitApi.createThread({ comments: [{ content: `leaked ${secret}` }] }, repositoryId, 7, project);
    expect(recordedRequestText(devops.calls)).toContain(secret);
  });
});

describe('comment service hook', () => {
  let receiver: AlertReceiver;
  beforeAll(async () => {
    receiver = await startAlertReceiver();
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('posts ms.vss-code.git-pullrequest-comment-event for a person’s reply, shaped like the recorded sample', async () => {
    const thread = await gitApi.createThread(
      { comments: [{ content: 'Finding', commentType: CommentType.Text }], status: CommentThreadStatus.Active },
      repositoryId,
      7,
      project,
    );
    const replyId = feedback.as(reviewer).reply(repositoryId, 7, thread.id!, '/vigil accept rotated already');
    const hooks = new PullRequestCommentHooks(feedback, { orgUrl: devops.url, target: { url: receiver.url, secret: 'hook-secret' } });
    const delivery = await hooks.emitComment(repositoryId, 7, thread.id!, replyId);
    expect(delivery.status).toBe(204);
    const sample = JSON.parse(
      readFileSync(join(fixtures, 'service-hooks', 'ms.vss-code.git-pullrequest-comment-event.json'), 'utf8'),
    ) as Record<string, unknown> & { resource: { comment: object; pullRequest: object } };
    const payload = JSON.parse(receiver.alerts.at(-1)!.body) as typeof sample & {
      resource: { comment: Record<string, unknown>; pullRequest: Record<string, unknown> };
      resourceContainers: { account: { baseUrl: string } };
    };
    expect(keysOf(payload)).toEqual(expect.arrayContaining(keysOf(sample)));
    expect(keysOf(payload.resource.comment)).toEqual(expect.arrayContaining(keysOf(sample.resource.comment)));
    expect(keysOf(payload.resource.pullRequest)).toEqual(expect.arrayContaining(keysOf(sample.resource.pullRequest)));
    expect(payload.resource.comment).toMatchObject({
      id: replyId,
      parentCommentId: 1,
      content: '/vigil accept rotated already',
      author: { id: reviewer.id },
    });
    expect(payload.resource.pullRequest).toMatchObject({
      pullRequestId: 7,
      repository: { id: repositoryId, project: { name: project } },
      lastMergeSourceCommit: { commitId: head },
    });
    expect(payload.resourceContainers.account.baseUrl).toBe(`${devops.url}/`);
    expect(Buffer.from(receiver.alerts.at(-1)!.headers.authorization.slice('Basic '.length), 'base64').toString()).toBe(
      'vigil:hook-secret',
    );
  });
});
