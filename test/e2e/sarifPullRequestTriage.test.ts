import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Risk } from '../../shared/risks/risk';
import { person } from '../support/azureDevOps/identities';
import type { PullRequestCommentHooks } from '../support/azureDevOps/pullRequestCommentHooks';
import type { AzureDevOpsServer } from '../support/azureDevOpsServer';
import type { GitHubApiServer } from '../support/githubApiServer';
import type { GitLabApiServer } from '../support/gitlabApiServer';
import { recordedBodies, recordedRequestText } from '../support/recordedRequests';
import { adoSha, ghSha, glSha, sarifLog, sarifPullRequestWorld } from '../support/sarifPullRequestWorld';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import type { TestHost } from '../support/testHost';
import { githubHeaders, gitlabHeaders, post } from '../support/webhookClient';

/**
 * `/vigil accept` and `/vigil false-positive` on a tool's threads, end to end through the local host
 * and the loopback platforms (docs/pull-requests.md, "Triage from the pull request"; docs/ci-results.md,
 * "On the pull request"): a CodeQL thread on GitHub (beside Vigil's own secret scan), Trivy threads on
 * Azure DevOps and Semgrep discussions on GitLab. A reply triages the tool's risk through the same
 * lifecycle as a secret (who, why, from which comment), its work item in the loopback Azure Boards
 * follows, the thread is resolved with a note, and the tool's summary and status are posted again
 * without the finding. The same comment event again posts nothing; a command without a reason, an
 * unknown id, or a command on a thread that is not Vigil's gets the answer secret threads get.
 */
const codeql = sarifLog('codeql');
const trivy = sarifLog('trivy');
const semgrep = sarifLog('semgrep');
/** The secret Vigil's own scan finds in the GitHub pull request's `src/pay.ts`. */
const ghSecret = new SecretFactory(931).gitHubToken();

/** Every organization's work items go to the loopback Azure Boards (GitHub and GitLab risks have no project of their own). */
const world = sarifPullRequestWorld({
  gitHubSecret: ghSecret,
  workItems: true,
  ids: {
    azureDevOpsProject: '44ee44ee-ff55-4a66-8b77-88cc88cc88cd',
    azureDevOpsRepository: '9d2e2a7e-0000-4000-8000-00000000d3d3',
    vigilIdentity: 'dddddddd-0000-4000-8000-0000000a21a2',
    gitHubBot: 90_000_031,
    gitLabProject: 16,
    gitLabPipeline: 9103,
  },
});
const { gh, ado, gl, adoRepository, ghRoutes, adoFeedback, boards, glRoutes, settled, upload } = world;
let host: TestHost, github: GitHubApiServer, devops: AzureDevOpsServer, gitlab: GitLabApiServer, adoComments: PullRequestCommentHooks;

beforeAll(async () => {
  ({ host, github, devops, gitlab, adoComments } = await world.start());
});

afterAll(() => world.dispose());

async function riskOf(organization: string, ruleId: string): Promise<Risk | undefined> {
  return (await host.services.stores.risks.list({ organization })).find((risk) => risk.ruleId === ruleId);
}

const workItemOf = (ruleTag: string) => boards.workItems().find((item) => item.tags.some((tag) => tag.includes(ruleTag)));
const rae = person('Rae Reviewer');
const ghRae = { login: 'rae-reviewer', id: 5151, type: 'User' as const };
const ghRepositoryJson = { id: 1296271, name: 'payments', full_name: gh.repo, owner: { login: 'octo-org', id: 1, type: 'Organization' } };
const glRae = { id: 4242, username: 'rae', name: 'Rae Reviewer' };

describe("a reply on a CodeQL thread of a GitHub pull request, beside Vigil's secret scan", () => {
  const view = () => ghRoutes.pullRequest(gh.repo, 12);
  const writes = () => github.calls.filter((c) => c.method !== 'GET').length;
  const codeqlSummary = () => view().comments.find((c) => c.body.endsWith('<!-- vigil:summary codeql -->'));
  const secretSummary = () => view().comments.find((c) => c.body.endsWith('<!-- vigil:summary -->'));
  const conclusion = (name: string) => view().checkRuns.find((r) => r.name === name)?.conclusion;
  const codeqlThread = () => view().reviewComments.find((c) => c.user === 'vigil-bot' && !c.inReplyToId && /CodeQL reports/.test(c.body))!;
  const repliesTo = (id: number) => view().reviewComments.filter((c) => c.inReplyToId === id);

  async function reviewReply(threadId: number, body: string, delivery: string, replyId?: number) {
    const commentId = replyId ?? ghRoutes.as(ghRae).reply(gh.repo, 12, threadId, body);
    const payload = JSON.stringify({
      action: replyId ? 'edited' : 'created',
      comment: { id: commentId, in_reply_to_id: threadId, body, user: ghRae },
      pull_request: { number: 12 },
      repository: ghRepositoryJson,
      sender: ghRae,
    });
    const answer = await post(host.url('/hooks/github'), payload, githubHeaders('pull_request_review_comment', payload, { delivery }));
    await settled();
    return { answer, commentId };
  }

  it('tells the reader the /vigil commands work on the tool’s thread and summary', async () => {
    const body = JSON.stringify({
      action: 'opened',
      number: 12,
      pull_request: { number: 12, head: { sha: ghSha(2), ref: 'feature' }, base: { ref: 'main' } },
      repository: ghRepositoryJson,
      sender: { login: 'mona' },
    });
    expect(
      (await post(host.url('/hooks/github'), body, githubHeaders('pull_request', body, { delivery: 'triage-gh-opened' }))).status,
    ).toBe(202);
    await settled();
    const answer = await upload(
      gh.ciToken,
      {
        source: 'github',
        organization: gh.organization,
        repository: gh.repo,
        pullRequest: 12,
        commit: ghSha(2),
        branch: 'refs/heads/feature',
      },
      codeql,
    );
    expect(answer).toMatchObject({ status: 202, body: { results: 2, tool: 'CodeQL' } });
    expect(conclusion('Vigil: CodeQL')).toBe('failure');
    expect(conclusion('Vigil secret scan')).toBe('failure');
    expect(codeqlThread().body).toMatch(/Reply `\/vigil accept <reason>` or `\/vigil false-positive <reason>` here/);
    expect(codeqlSummary()?.body).toMatch(/Reply `\/vigil accept <reason>` or `\/vigil false-positive <reason>` on the finding’s thread/);
    expect(codeqlSummary()?.body).not.toMatch(/Vigil's own findings only/);
    expect(workItemOf('sql-injection')?.state).toBe('Active');
  });

  it('refuses /vigil false-positive without a reason in the thread, saying what to write', async () => {
    const thread = codeqlThread();
    await reviewReply(thread.id, '/vigil false-positive', 'triage-gh-no-reason');
    expect(repliesTo(thread.id).at(-1)).toMatchObject({
      user: 'vigil-bot',
      body: expect.stringMatching(/Vigil could not record that: give a reason: `\/vigil false-positive <reason>`/),
    });
    expect((await riskOf(gh.organization, 'js/sql-injection'))?.status).toBe('open');
    expect(conclusion('Vigil: CodeQL')).toBe('failure');
  });

  it('accepts the CodeQL risk, closes its work item, answers the thread and passes the CodeQL check, leaving the secret scan as it was', async () => {
    const secretBefore = secretSummary()?.body;
    const thread = codeqlThread();
    const { answer } = await reviewReply(thread.id, '/vigil accept internal tool, input is trusted', 'triage-gh-accept');
    expect(answer.body).toMatchObject({ queues: ['pr-publish'] });

    expect(repliesTo(thread.id).at(-1)).toMatchObject({
      user: 'vigil-bot',
      body: expect.stringMatching(
        /Recorded as an accepted risk by rae-reviewer, with the reason given above[\s\S]*<!-- vigil:resolved -->/,
      ),
    });
    expect(await riskOf(gh.organization, 'js/sql-injection')).toMatchObject({
      kind: 'code-finding',
      status: 'accepted',
      triage: {
        status: 'accepted',
        reason: 'internal tool, input is trusted',
        by: 'rae-reviewer',
        source: 'pull-request',
        reference: 'pull request 12 of octo-org/payments',
        until: expect.any(String),
      },
    });
    expect(workItemOf('sql-injection')).toMatchObject({ state: 'Closed' });
    expect(workItemOf('sql-injection')?.comments.at(-1)?.text).toMatch(/this risk was accepted/);
    expect(codeqlSummary()?.body).toMatch(/src\/db\.js:27.*triaged: accepted \(rae-reviewer\)/);
    expect(conclusion('Vigil: CodeQL')).toBe('success');
    expect(view().checkRuns).toHaveLength(2);
    expect(conclusion('Vigil secret scan')).toBe('failure');
    expect(secretSummary()?.body).toBe(secretBefore);
  });

  it('posts nothing when the same reply is delivered again', async () => {
    const thread = codeqlThread();
    const reply = repliesTo(thread.id).find((c) => c.body.startsWith('/vigil accept'))!;
    const before = writes();
    await reviewReply(thread.id, reply.body, 'triage-gh-accept-edited', reply.id);
    expect(writes()).toBe(before);
  });

  it('triages a CodeQL finding without a thread from a conversation comment naming its id', async () => {
    const row = codeqlSummary()!
      .body.split('\n')
      .find((line) => line.includes('src/server.js:14'))!;
    const shortId = /`([0-9a-f]{8})` \|$/.exec(row)![1];
    const text = `/vigil false-positive ${shortId} the logger escapes it`;
    const commentId = ghRoutes.as(ghRae).comment(gh.repo, 12, text);
    const payload = JSON.stringify({
      action: 'created',
      issue: { number: 12, pull_request: { url: 'x' } },
      comment: { id: commentId, body: text, user: ghRae },
      repository: ghRepositoryJson,
      sender: ghRae,
    });
    await post(host.url('/hooks/github'), payload, githubHeaders('issue_comment', payload, { delivery: 'triage-gh-issue-comment' }));
    await settled();
    expect(await riskOf(gh.organization, 'js/log-injection')).toMatchObject({
      status: 'false-positive',
      triage: { reason: 'the logger escapes it', by: 'rae-reviewer', source: 'pull-request' },
    });
    expect(codeqlSummary()?.body).toMatch(/src\/server\.js:14.*triaged: false-positive \(rae-reviewer\)/);
    expect(recordedRequestText(github.calls)).not.toContain(ghSecret);
  });
});

describe('replies on Trivy threads of an Azure DevOps pull request', () => {
  const snapshot = () => adoFeedback.pullRequest(ado.repositoryId, 7);
  const writes = () => devops.calls.filter((c) => c.method !== 'GET').length;
  const trivySummary = () => snapshot().threads.find((t) => t.properties['Vigil.Channel'] === 'trivy');
  const trivyStatus = () =>
    snapshot()
      .statuses.filter((s) => s.genre === 'vigil' && s.name === 'trivy')
      .at(-1)?.state;
  const threadOf = (advisory: string) =>
    snapshot().threads.find((t) => t.properties['Vigil.Kind'] === 'finding' && t.comments[0].content.includes(advisory))!;

  async function reply(threadId: number, content: string) {
    const commentId = adoFeedback.as(rae).reply(ado.repositoryId, 7, threadId, content);
    expect((await adoComments.emitComment(ado.repositoryId, 7, threadId, commentId)).status).toBe(202);
    await settled();
    return commentId;
  }

  it('posts the Trivy results with their threads, and files a work item per vulnerability', async () => {
    const answer = await upload(
      ado.ciToken,
      {
        source: 'azure-devops',
        organization: ado.organization,
        project: ado.project,
        repository: adoRepository.name,
        pullRequest: 7,
        commit: adoSha(2),
        branch: 'refs/heads/feature/deps',
      },
      trivy,
    );
    expect(answer).toMatchObject({ status: 202, body: { results: 2, tool: 'Trivy' } });
    expect(trivyStatus()).toBe('failed');
    expect(threadOf('CVE-2022-23529').status).toBe('active');
    expect(workItemOf('CVE-2022-23529')?.state).toBe('Active');
  });

  it('refuses /vigil false-positive without a reason, saying what to write, and changes nothing', async () => {
    const thread = threadOf('GHSA-hjrf-2m68-5959');
    await reply(thread.id, '/vigil false-positive');
    expect(threadOf('GHSA-hjrf-2m68-5959').comments.at(-1)).toMatchObject({
      author: 'Vigil',
      content: expect.stringMatching(/Vigil could not record that: give a reason: `\/vigil false-positive <reason>`/),
    });
    expect((await riskOf(ado.organization, 'GHSA-hjrf-2m68-5959'))?.status).toBe('open');
    expect(trivyStatus()).toBe('failed');
  });

  it('accepts one vulnerability: its thread is won’t-fix, its work item closed, and the status still fails on the other', async () => {
    await reply(threadOf('CVE-2022-23529').id, '/vigil accept no untrusted tokens reach jsonwebtoken here');
    expect(threadOf('CVE-2022-23529')).toMatchObject({ status: 'wontFix' });
    expect(threadOf('CVE-2022-23529').comments.at(-1)?.content).toMatch(/Recorded as an accepted risk by Rae Reviewer/);
    expect(await riskOf(ado.organization, 'CVE-2022-23529')).toMatchObject({
      kind: 'dependency-vulnerability',
      status: 'accepted',
      triage: { by: 'Rae Reviewer', source: 'pull-request', reference: 'pull request 7 of FabrikamFiber/fabrikam-web' },
    });
    expect(workItemOf('CVE-2022-23529')?.state).toBe('Closed');
    expect(trivySummary()?.comments[0].content).toMatch(/triaged: accepted \(Rae Reviewer\)/);
    expect(trivySummary()?.comments[0].content).toMatch(/1 finding to fix before merging/);
    expect(trivyStatus()).toBe('failed');
  });

  it('passes the Trivy status once the other is marked a false positive, and a redelivered reply posts nothing', async () => {
    const thread = threadOf('GHSA-hjrf-2m68-5959');
    const commentId = await reply(thread.id, '/vigil false-positive the advisory does not apply to our version range');
    expect(threadOf('GHSA-hjrf-2m68-5959').status).toBe('closed');
    expect((await riskOf(ado.organization, 'GHSA-hjrf-2m68-5959'))?.status).toBe('false-positive');
    expect(workItemOf('GHSA-hjrf-2m68-5959')?.state).toBe('Closed');
    expect(trivyStatus()).toBe('succeeded');

    const before = writes();
    await adoComments.emitComment(ado.repositoryId, 7, thread.id, commentId, 'edited');
    await settled();
    expect(writes()).toBe(before);
  });

  it('answers an unknown id, and a command on a thread that is not Vigil’s, as on secret threads', async () => {
    const own = adoFeedback.as(rae).openThread(ado.repositoryId, 7, '/vigil accept we decided so');
    expect((await adoComments.emitComment(ado.repositoryId, 7, own, 1)).status).toBe(202);
    await settled();
    const ownThread = () => snapshot().threads.find((t) => t.id === own)!;
    expect(ownThread().comments.at(-1)?.content).toMatch(/Vigil could not record that: name the finding: `\/vigil accept <id> <reason>`/);

    const unknown = adoFeedback.as(rae).reply(ado.repositoryId, 7, own, '/vigil accept 0badc0de0badc0de still fine');
    await adoComments.emitComment(ado.repositoryId, 7, own, unknown);
    await settled();
    expect(ownThread().comments.at(-1)?.content).toMatch(
      /Vigil could not record that: no finding on this pull request has the id `0badc0de0badc0de`/,
    );
  });
});

describe('replies on Semgrep discussions of a GitLab merge request', () => {
  const view = () => glRoutes.mergeRequest(gl.projectId, 3);
  const writes = () => gitlab.calls.filter((c) => c.method !== 'GET').length;
  const statusPosts = () =>
    recordedBodies(gitlab.calls, { method: 'POST', path: `/projects/${gl.projectId}/statuses/` }) as Array<{ state: string; name: string }>;
  const discussionOf = (rule: string) =>
    view().discussions.find((d) => !d.individualNote && /vigil:finding/.test(d.notes[0].body) && d.notes[0].body.includes(rule))!;
  const summary = () => view().discussions.find((d) => d.individualNote && /vigil:summary semgrep-oss/.test(d.notes[0].body));
  const xss = 'direct-response-write';
  const awsKey = 'detected-aws-access-key-id-value';

  async function noteEvent(noteId: number, discussionId: string, note: string, uuid: string) {
    const body = JSON.stringify({
      object_kind: 'note',
      event_type: 'note',
      user: { id: glRae.id, username: glRae.username },
      project: { id: gl.projectId, path_with_namespace: gl.path, web_url: `https://gitlab.example/${gl.path}` },
      object_attributes: { id: noteId, note, noteable_type: 'MergeRequest', discussion_id: discussionId, action: 'create' },
      merge_request: { iid: 3 },
    });
    const answer = await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { uuid }));
    await settled();
    return answer;
  }

  async function reply(discussionId: string, note: string, uuid: string) {
    const noteId = glRoutes.as(glRae).reply(gl.projectId, 3, discussionId, note);
    await noteEvent(noteId, discussionId, note, uuid);
    return noteId;
  }

  it('posts the Semgrep results with a discussion per result', async () => {
    const answer = await upload(
      gl.ciToken,
      {
        source: 'gitlab',
        organization: gl.organization,
        repository: gl.path,
        repositoryId: gl.projectId,
        pullRequest: 3,
        commit: glSha(2),
        branch: 'feature',
      },
      semgrep,
    );
    expect(answer).toMatchObject({ status: 202, body: { results: 2, tool: 'Semgrep OSS' } });
    expect(statusPosts().at(-1)).toMatchObject({ name: 'vigil/semgrep-oss', state: 'failed' });
    expect(discussionOf(xss).resolved).toBe(false);
  });

  it('refuses /vigil false-positive without a reason, saying what to write', async () => {
    await reply(discussionOf(xss).id, '/vigil false-positive', 'triage-gl-no-reason');
    expect(discussionOf(xss).notes.at(-1)).toMatchObject({
      author: 'vigil-bot',
      body: expect.stringMatching(/Vigil could not record that: give a reason: `\/vigil false-positive <reason>`/),
    });
    expect(discussionOf(xss).resolved).toBe(false);
  });

  it('accepts and dismisses its findings: discussions resolved, risks and work items follow, the status passes', async () => {
    await reply(discussionOf(xss).id, '/vigil accept the template engine escapes it', 'triage-gl-accept');
    expect(discussionOf(xss).resolved).toBe(true);
    expect(discussionOf(xss).notes.at(-1)?.body).toMatch(/Recorded as an accepted risk by rae/);
    expect(statusPosts().at(-1)).toMatchObject({ name: 'vigil/semgrep-oss', state: 'failed' });

    const noteId = await reply(discussionOf(awsKey).id, '/vigil false-positive the example key from the AWS docs', 'triage-gl-fp');
    expect(discussionOf(awsKey).resolved).toBe(true);
    expect(statusPosts().at(-1)).toMatchObject({ name: 'vigil/semgrep-oss', state: 'success' });
    expect(summary()?.notes[0].body).toMatch(
      /triaged: accepted \(rae\)[\s\S]*triaged: false-positive \(rae\)|triaged: false-positive \(rae\)[\s\S]*triaged: accepted \(rae\)/,
    );

    const risks = (await host.services.stores.risks.list({ organization: gl.organization })).filter((r) => r.kind === 'code-finding');
    expect(risks.map((r) => [r.ruleId.includes(xss) ? 'xss' : 'aws', r.status, r.triage?.source]).sort()).toEqual([
      ['aws', 'false-positive', 'pull-request'],
      ['xss', 'accepted', 'pull-request'],
    ]);
    expect(workItemOf(xss)?.state).toBe('Closed');

    const before = writes();
    await noteEvent(noteId, discussionOf(awsKey).id, '/vigil false-positive the example key from the AWS docs', 'triage-gl-fp-again');
    expect(writes()).toBe(before);
  });
});
