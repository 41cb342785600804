import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleQueueMessage } from '../../shared/azureFunctions/queueTrigger';
import type { EventEnvelope } from '../../shared/events/envelope';
import { queuesSettled } from '../support/alertReceiver';
import { GitHubPullRequestRoutes, type LoopbackGitHubPullRequest } from '../support/github/pullRequestRoutes';
import { type GitHubApiServer, startGitHubApiServer } from '../support/githubApiServer';
import { until } from '../support/hostConditions';
import { LoopbackGitHistory } from '../support/loopbackGitHistory';
import { recordedRequestText } from '../support/recordedRequests';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost } from '../support/testHost';
import { githubHeaders, post } from '../support/webhookClient';

/**
 * Findings on a GitHub pull request, end to end through the local host with the real Octokit
 * against the loopback GitHub: `pull_request` deliveries scan the files the pull request changes
 * at its head (introduced lines from the `patch` hunks), then a check run `Vigil secret scan` goes
 * in progress and completes with annotations (50 per request), one conversation comment is the
 * summary, and one review comment per introduced finding sits on its line. GitHub's REST API cannot
 * resolve a review thread, so a fixed finding gets a reply; a person's reply is respected; a
 * `/vigil false-positive` reply triages; redeliveries and late older scans post nothing; a long
 * summary is cut; 403 and 429 are handled. No secret reaches anything the loopback recorded.
 */
const owner = 'octo-org';
const name = 'payments';
const repo = `${owner}/${name}`;
const organization = 'octo-org';
const apiToken = `ghp_${randomBytes(18).toString('hex')}`;
const f = new SecretFactory(271);
const tokenA = f.gitHubToken();
const tokenB = f.npmToken();
const tokenC = f.gitLabToken();
const tokenD = f.gitHubToken();
const mona = { name: 'Mona', email: 'mona@example.com', date: '2026-11-20T09:00:00Z' };
const sha = (n: number) => `${n.toString(16)}`.repeat(40).slice(0, 40);
const config = `${Array.from({ length: 10 }, (_, i) => `export const setting${i + 1} = ${i + 1};`).join('\n')}\n`;
const rae = { login: 'rae-reviewer', id: 5151, type: 'User' as const };

const history = new LoopbackGitHistory(
  [
    { sha: sha(1), author: mona, parent: null, changes: { 'README.md': `# Payments\n\nci token: ${tokenC}\n`, 'src/config.ts': config } },
    {
      sha: sha(2),
      author: mona,
      changes: {
        'src/pay.ts': `import { client } from './client';\n\nconst token = "${tokenA}";\nexport const pay = () => client(token);\n`,
        'src/config.ts': config.replace(
          'setting5 = 5;\n',
          `setting5 = 5;\nexport const npm = "//registry.npmjs.org/:_authToken=${tokenB}";\n`,
        ),
        'README.md': `# Payments\n\nci token: ${tokenC}\n\nPays things.\n`,
      },
    },
  ],
  { main: sha(1), feature: sha(2) },
);

const pullRequests: LoopbackGitHubPullRequest[] = [{ repository: repo, number: 12, base: 'main', head: 'feature', title: 'Payments' }];

let github: GitHubApiServer;
let routes: GitHubPullRequestRoutes;
let host: TestHost;
const settled = () => queuesSettled(host, ['repo-scan', 'pr-publish', 'alerts']);

beforeAll(async () => {
  routes = new GitHubPullRequestRoutes({
    repositories: [{ fullName: repo, defaultBranch: 'main', history }],
    pullRequests,
    identity: { login: 'vigil-bot', id: 90_000_001, type: 'User' },
    // A server with a shorter limit than GitHub's 65,536: Vigil learns it from the refusal.
    maxBodyLength: 6_000,
  });
  github = await startGitHubApiServer({ token: apiToken, extensions: [routes] });
  host = await startTestHost({ env: { VIGIL_GITHUB_API_URL: github.url, VIGIL_SECRET_GITHUB_OCTO_ORG: apiToken } });
  await host.services.stores.organizations.add(organization, { github: { tokenSecret: 'github-octo-org' } });
});

afterAll(async () => {
  await host?.dispose();
  await github?.close();
});

const repositoryJson = { id: 1296269, name, full_name: repo, owner: { login: owner, id: 1, type: 'Organization' } };

async function pullRequestEvent(action: 'opened' | 'synchronize', number: number, delivery: string) {
  const head = history.resolve(number === 12 ? 'feature' : `pr-${number}`)!;
  const body = JSON.stringify({
    action,
    number,
    pull_request: { number, head: { sha: head, ref: `pr-${number}` }, base: { ref: 'main' } },
    repository: repositoryJson,
    sender: { login: 'mona' },
  });
  const response = await post(host.url('/hooks/github'), body, githubHeaders('pull_request', body, { delivery }));
  await settled();
  return response;
}

async function reviewCommentEvent(number: number, commentId: number, threadId: number, body: string, delivery: string) {
  const payload = JSON.stringify({
    action: 'created',
    comment: { id: commentId, in_reply_to_id: threadId, body, user: rae },
    pull_request: { number },
    repository: repositoryJson,
    sender: rae,
  });
  const response = await post(host.url('/hooks/github'), payload, githubHeaders('pull_request_review_comment', payload, { delivery }));
  await settled();
  return response;
}

/** A push to the pull request's branch: one commit, the branch moved. */
function push(branch: string, commit: number, changes: Record<string, string | null>) {
  history.add({ sha: sha(commit), author: mona, parent: history.resolve(branch)!, changes });
  history.branches[branch] = sha(commit);
}

const view = (number = 12) => routes.pullRequest(repo, number);
const vigilThreads = (number = 12) => view(number).reviewComments.filter((c) => c.user === 'vigil-bot' && !c.inReplyToId);
const repliesTo = (id: number) => view().reviewComments.filter((c) => c.inReplyToId === id);
const writes = () => github.calls.filter((c) => c.method !== 'GET').length;

function scanCompletedOf(commitId: string, number = 12): EventEnvelope {
  return {
    id: `scan.completed:github:${repo}:${number}:${commitId}`,
    source: 'vigil',
    type: 'scan.completed',
    organization,
    subject: {
      platform: 'github',
      pullRequestId: number,
      repositoryId: repo,
      commitId,
      scanId: `pull-request:github:${owner}:${name}:${number}:${commitId}`,
    },
    receivedAt: new Date().toISOString(),
  };
}

describe('a GitHub pull request with secrets in it', () => {
  it('gets a check run in progress then failed with annotations, one summary comment, and a review comment on the line of each secret it introduces', async () => {
    const response = await pullRequestEvent('opened', 12, 'gh-opened-12');
    expect(response).toMatchObject({ status: 202, body: { queues: ['repo-scan'] } });
    const { checkRuns, comments, reviewComments } = view();
    expect(checkRuns).toEqual([
      expect.objectContaining({ name: 'Vigil secret scan', status: 'completed', conclusion: 'failure', annotations: 3 }),
    ]);
    expect(reviewComments.map((c) => [c.path, c.line, c.side, c.commitId])).toEqual([
      ['src/config.ts', 6, 'RIGHT', sha(2)],
      ['src/pay.ts', 3, 'RIGHT', sha(2)],
    ]);
    expect(reviewComments[1].body).toMatch(/<!-- vigil:finding [0-9a-f]{64} -->$/);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({
      user: 'vigil-bot',
      body: expect.stringMatching(
        /2 secrets to fix before merging[\s\S]*README\.md:3[\s\S]*already in the file[\s\S]*<!-- vigil:summary -->$/,
      ),
    });
  });

  it('posts nothing new when the delivery comes again, or when the same scan is published again', async () => {
    const before = writes();
    expect((await pullRequestEvent('opened', 12, 'gh-opened-12')).body).toMatchObject({ duplicate: true });
    const again = scanCompletedOf(sha(2));
    await host.services.queue.send('pr-publish', [{ messageId: `${again.id}:again`, body: again }]);
    await settled();
    expect(writes()).toBe(before);
  });

  it('answers the thread of a secret a push removes and passes the check, but leaves a note where a person replied', async () => {
    const [threadB, threadA] = vigilThreads();
    routes.as(rae).reply(repo, 12, threadA.id, 'I will move this to the key vault.');
    push('feature', 3, {
      'src/pay.ts': `import { client } from './client';\n\nexport const pay = () => client(process.env.TOKEN);\n`,
      'src/config.ts': config,
    });
    await pullRequestEvent('synchronize', 12, 'gh-sync-3');
    expect(repliesTo(threadB.id).map((c) => [c.user, c.body])).toEqual([
      ['vigil-bot', expect.stringMatching(/no longer finds this secret at `3333333`[\s\S]*<!-- vigil:resolved -->/)],
    ]);
    expect(repliesTo(threadA.id).map((c) => c.user)).toEqual(['rae-reviewer', 'vigil-bot']);
    expect(repliesTo(threadA.id)[1].body).toMatch(/leaves this thread for you/);
    expect(view().checkRuns).toEqual([expect.objectContaining({ conclusion: 'success' })]);
    expect(view().comments).toHaveLength(1);
    expect(view().comments[0].body).toMatch(/No secret introduced/);
  });

  it('changes nothing when an older scan is published after a newer one', async () => {
    const before = writes();
    const older = scanCompletedOf(sha(2));
    await host.services.queue.send('pr-publish', [{ messageId: `${older.id}:late`, body: older }]);
    await settled();
    expect(writes()).toBe(before);
  });

  it('triages the risk when a person replies /vigil false-positive on its thread, and passes the check', async () => {
    push('feature', 4, { 'src/fixtures/sample.ts': `export const sample = "${tokenD}";\n` });
    await pullRequestEvent('synchronize', 12, 'gh-sync-4');
    const threadD = vigilThreads().find((c) => c.path === 'src/fixtures/sample.ts')!;
    expect(view().checkRuns).toEqual([expect.objectContaining({ conclusion: 'failure' })]);

    const replyId = routes.as(rae).reply(repo, 12, threadD.id, '/vigil false-positive it is a test fixture');
    expect(
      (await reviewCommentEvent(12, replyId, threadD.id, '/vigil false-positive it is a test fixture', 'gh-comment-1')).body,
    ).toMatchObject({ queues: ['pr-publish'] });
    expect(repliesTo(threadD.id).at(-1)?.body).toMatch(
      /Recorded as a false positive by rae-reviewer, with the reason given above[\s\S]*<!-- vigil:resolved -->/,
    );
    // The refreshed check run keeps its annotations (the pre-existing token and this one) and adds none.
    expect(view().checkRuns).toEqual([expect.objectContaining({ conclusion: 'success', annotations: 2 })]);
    const risk = (await host.services.stores.risks.list({ organization })).find((r) =>
      r.evidence.location.startsWith('src/fixtures/sample.ts'),
    )!;
    expect(risk).toMatchObject({
      status: 'false-positive',
      triage: {
        status: 'false-positive',
        reason: 'it is a test fixture',
        by: 'rae-reviewer',
        source: 'pull-request',
        reference: 'pull request 12 of octo-org/payments',
      },
    });

    const before = writes();
    await reviewCommentEvent(12, replyId, threadD.id, '/vigil false-positive it is a test fixture', 'gh-comment-1-edited');
    expect(writes()).toBe(before);
  });

  it('triages a finding without a thread from a conversation comment that names its id', async () => {
    const row = view()
      .comments[0].body.split('\n')
      .find((line) => line.includes('README.md:3'))!;
    const shortId = /`([0-9a-f]{8})` \|$/.exec(row)![1];
    const commentId = routes.as(rae).comment(repo, 12, `/vigil accept ${shortId} rotated last week`);
    const payload = JSON.stringify({
      action: 'created',
      issue: { number: 12, pull_request: { url: 'x' } },
      comment: { id: commentId, body: `/vigil accept ${shortId} rotated last week`, user: rae },
      repository: repositoryJson,
      sender: rae,
    });
    expect(
      (await post(host.url('/hooks/github'), payload, githubHeaders('issue_comment', payload, { delivery: 'gh-issue-comment-1' }))).body,
    ).toMatchObject({ queues: ['pr-publish'] });
    await settled();
    expect(view().comments).toHaveLength(2);
    expect(view().comments.find((c) => c.user === 'vigil-bot')!.body).toMatch(/README\.md:3.*triaged: accepted \(rae-reviewer\)/);
    const risk = (await host.services.stores.risks.list({ organization })).find((r) => r.evidence.location.startsWith('README.md'))!;
    expect(risk).toMatchObject({
      status: 'accepted',
      triage: { status: 'accepted', reason: 'rotated last week', by: 'rae-reviewer', source: 'pull-request', until: expect.any(String) },
    });
  });

  it('takes no comment that is not a /vigil command to the queue', async () => {
    const [thread] = vigilThreads();
    const replyId = routes.as(rae).reply(repo, 12, thread.id, 'thanks!');
    expect((await reviewCommentEvent(12, replyId, thread.id, 'thanks!', 'gh-comment-2')).body).toMatchObject({
      queues: [],
      ignored: 'only /vigil commands on pull requests are acted on',
    });
  });

  it('cuts a summary too long for the server, pages 60 annotations 50 at a time, and keeps to the thread budget', async () => {
    const many = Array.from({ length: 60 }, () => f.gitHubToken());
    history.add({
      sha: sha(5),
      author: mona,
      parent: sha(1),
      changes: { 'deploy/tokens.env': `${many.map((token, i) => `TOKEN_${i}=${token}`).join('\n')}\n` },
    });
    history.branches['pr-13'] = sha(5);
    pullRequests.push({ repository: repo, number: 13, base: 'main', head: 'pr-13' });
    await pullRequestEvent('opened', 13, 'gh-opened-13');
    expect(vigilThreads(13)).toHaveLength(30);
    const [summary] = view(13).comments;
    expect(summary.body.length).toBeLessThanOrEqual(6_000);
    expect(summary.body).toMatch(/more findings? not shown here/);
    expect(summary.body).toMatch(/30 introduced secrets have no thread of their own/);
    expect(view(13).checkRuns).toEqual([expect.objectContaining({ conclusion: 'failure', annotations: 60 })]);
    const annotationPages = github.calls
      .filter((c) => c.method === 'PATCH' && /\/check-runs\/\d+$/.test(c.path))
      .map((c) => (JSON.parse(c.body ?? '{}') as { output?: { annotations?: unknown[] } }).output?.annotations?.length ?? 0);
    expect(annotationPages.slice(-2)).toEqual([50, 10]);
    for (const token of many) expect(recordedRequestText(github.calls)).not.toContain(token);
  });

  it('parks the message with one reason and fails the check run when the token may not write review comments', async () => {
    history.add({ sha: sha(6), author: mona, parent: sha(1), changes: { 'src/locked.ts': `const key = "${f.gitHubToken()}";\n` } });
    history.branches['pr-14'] = sha(6);
    pullRequests.push({ repository: repo, number: 14, base: 'main', head: 'pr-14' });
    github.injectFault({ path: /\/pulls\/14\/comments$/, method: 'POST', status: 403 });
    await pullRequestEvent('opened', 14, 'gh-opened-14');
    const parked = (await host.services.stores.parked.query({ where: { queue: 'pr-publish' } })).items;
    expect(parked.map((p) => p.reason)).toEqual([
      expect.stringMatching(
        /GitHub refused to write a review comment on src\/locked\.ts of pull request #14.*HTTP 403.*'Pull requests: write'/,
      ),
    ]);
    expect(view(14).checkRuns).toEqual([
      expect.objectContaining({ conclusion: 'failure', title: expect.stringMatching(/Vigil could not publish/) }),
    ]);
    github.clearFaults();
  });

  it('sends no secret to GitHub, and stores or logs none', async () => {
    const sent = recordedRequestText(github.calls);
    const stored = JSON.stringify([
      ...(await host.services.stores.pullRequestFeedback.list(organization)),
      ...(await host.services.stores.scans.query({})).items,
      ...(await host.services.stores.risks.list()),
    ]);
    for (const secret of [tokenA, tokenB, tokenC, tokenD, apiToken]) {
      expect(sent).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(host.logLines.join('\n')).not.toContain(secret);
    }
  });

  it('reschedules a publish GitHub rate-limits, and the retry finishes it without posting anything twice', async () => {
    history.add({
      sha: sha(7),
      author: mona,
      parent: sha(1),
      changes: { 'src/one.ts': `const a = "${f.gitHubToken()}";\n`, 'src/two.ts': `const b = "${f.gitHubToken()}";\n` },
    });
    history.branches['pr-15'] = sha(7);
    pullRequests.push({ repository: repo, number: 15, base: 'main', head: 'pr-15' });
    github.injectFault({ path: /\/pulls\/15\/comments$/, method: 'POST', status: 429, retryAfterSeconds: 120, times: 1 });
    const body = JSON.stringify({
      action: 'opened',
      number: 15,
      pull_request: { number: 15, head: { sha: sha(7) } },
      repository: repositoryJson,
    });
    await post(host.url('/hooks/github'), body, githubHeaders('pull_request', body, { delivery: 'gh-opened-15' }));
    await until(
      host,
      () => host.logLines.some((line) => line.includes('rescheduled') && line.includes('publishPullRequest')),
      'the throttled publish being rescheduled',
    );

    const envelope = { ...scanCompletedOf(sha(7), 15), attempt: 1 };
    const outcome = await handleQueueMessage(
      { functionName: 'publishPullRequest', queue: 'pr-publish', body: envelope, messageId: `${envelope.id}:attempt:1`, deliveryCount: 1 },
      host.services,
    );
    expect(outcome).toBe('completed');
    expect(
      vigilThreads(15)
        .map((c) => c.path)
        .sort(),
    ).toEqual(['src/one.ts', 'src/two.ts']);
    expect(view(15).comments).toHaveLength(1);
    expect(view(15).checkRuns).toEqual([expect.objectContaining({ conclusion: 'failure', annotations: 2 })]);
  });
});
