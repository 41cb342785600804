import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleQueueMessage } from '../../shared/azureFunctions/queueTrigger';
import type { EventEnvelope } from '../../shared/events/envelope';
import { queuesSettled } from '../support/alertReceiver';
import { GitLabMergeRequestRoutes, type LoopbackMergeRequest } from '../support/gitlab/mergeRequestRoutes';
import { type GitLabApiServer, type LoopbackGitLabProject, startGitLabApiServer } from '../support/gitlabApiServer';
import { until } from '../support/hostConditions';
import { LoopbackGitHistory } from '../support/loopbackGitHistory';
import { recordedBodies, recordedRequestText } from '../support/recordedRequests';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost } from '../support/testHost';
import { gitlabHeaders, post } from '../support/webhookClient';

/**
 * Findings on a GitLab merge request, end to end through the local host with the real gitbeaker
 * against the loopback GitLab: `merge_request` deliveries scan the files the merge request changes
 * at its head (introduced lines from the diff hunks), then a commit status `vigil/secret-scan`
 * goes `pending` and then `failed` on the head pipeline, one note is the summary, and one discussion
 * per introduced finding sits on its line (`new_line`). A fixed finding's discussion is resolved;
 * a person's reply is respected; a `/vigil false-positive` reply triages; redeliveries and late
 * older scans post nothing; a long summary is cut; 403 and 429 are handled. No secret reaches
 * anything the loopback recorded.
 */
const projectId = 15;
const path = 'diaspora/diaspora-client';
const organization = 'diaspora';
const apiToken = `glpat-${randomBytes(10).toString('hex')}`;
const f = new SecretFactory(383);
const tokenA = f.gitHubToken();
const tokenB = f.npmToken();
const tokenC = f.gitLabToken();
const tokenD = f.gitHubToken();
const dev = { name: 'Dev', email: 'dev@example.com', date: '2026-11-20T09:00:00+00:00' };
const sha = (n: number) => `${n.toString(16)}`.repeat(40).slice(0, 40);
const config = `${Array.from({ length: 10 }, (_, i) => `export const setting${i + 1} = ${i + 1};`).join('\n')}\n`;
const rae = { id: 4242, username: 'rae', name: 'Rae Reviewer' };

const history = new LoopbackGitHistory(
  [
    { sha: sha(1), author: dev, parent: null, changes: { 'README.md': `# Payments\n\nci token: ${tokenC}\n`, 'src/config.ts': config } },
    {
      sha: sha(2),
      author: dev,
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
const project: LoopbackGitLabProject = { id: projectId, pathWithNamespace: path, defaultBranch: 'main', history };
const mergeRequests: LoopbackMergeRequest[] = [
  { projectId, iid: 3, source: 'feature', target: 'main', title: 'Payments', headPipelineId: 9001 },
];

let gitlab: GitLabApiServer;
let routes: GitLabMergeRequestRoutes;
let host: TestHost;
const settled = () => queuesSettled(host, ['repo-scan', 'pr-publish', 'alerts']);

beforeAll(async () => {
  // A server whose notes are shorter than GitLab's 1,000,000 characters: Vigil learns the limit from the refusal.
  routes = new GitLabMergeRequestRoutes({
    projects: [project],
    mergeRequests,
    identity: { id: 77, username: 'vigil-bot', name: 'Vigil', bot: true },
    maxNoteLength: 6_000,
  });
  gitlab = await startGitLabApiServer({ token: apiToken, projects: [project], extensions: [routes] });
  host = await startTestHost({ env: { VIGIL_SECRET_GITLAB_DIASPORA: apiToken } });
  await host.services.stores.organizations.add(organization, { gitlab: { url: gitlab.url, tokenSecret: 'gitlab-diaspora' } });
});

afterAll(async () => {
  await host?.dispose();
  await gitlab?.close();
});

const projectJson = { id: projectId, name: 'diaspora-client', path_with_namespace: path, web_url: `https://gitlab.example.com/${path}` };

async function mergeRequestEvent(action: 'open' | 'update', iid: number, uuid: string) {
  const mr = mergeRequests.find((m) => m.iid === iid)!;
  const body = JSON.stringify({
    object_kind: 'merge_request',
    event_type: 'merge_request',
    project: projectJson,
    object_attributes: { iid, action, source_branch: mr.source, target_branch: mr.target, last_commit: { id: history.resolve(mr.source) } },
  });
  const response = await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { uuid }));
  await settled();
  return response;
}

async function noteEvent(iid: number, noteId: number, discussionId: string, note: string, uuid: string) {
  const body = JSON.stringify({
    object_kind: 'note',
    event_type: 'note',
    user: { id: rae.id, username: rae.username },
    project: projectJson,
    object_attributes: { id: noteId, note, noteable_type: 'MergeRequest', discussion_id: discussionId, action: 'create' },
    merge_request: { iid },
  });
  const response = await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { uuid }));
  await settled();
  return response;
}

function push(branch: string, commit: number, changes: Record<string, string | null>) {
  history.add({ sha: sha(commit), author: dev, parent: history.resolve(branch)!, changes });
  history.branches[branch] = sha(commit);
}

const view = (iid = 3) => routes.mergeRequest(projectId, iid);
const findingDiscussions = (iid = 3) => view(iid).discussions.filter((d) => !d.individualNote && /vigil:finding/.test(d.notes[0].body));
const summaries = (iid = 3) => view(iid).discussions.filter((d) => d.individualNote && /vigil:summary/.test(d.notes[0].body));
const statusPosts = () =>
  recordedBodies(gitlab.calls, { method: 'POST', path: `/projects/${projectId}/statuses/` }) as Array<{
    state: string;
    name: string;
    pipeline_id?: number;
  }>;
const writes = () => gitlab.calls.filter((c) => c.method !== 'GET').length;

function scanCompletedOf(commitId: string, iid = 3): EventEnvelope {
  return {
    id: `scan.completed:gitlab:${projectId}:${iid}:${commitId}`,
    source: 'vigil',
    type: 'scan.completed',
    organization,
    subject: {
      platform: 'gitlab',
      pullRequestId: iid,
      repositoryId: String(projectId),
      commitId,
      scanId: `pull-request:gitlab:${projectId}:${iid}:${commitId}`,
    },
    receivedAt: new Date().toISOString(),
  };
}

describe('a GitLab merge request with secrets in it', () => {
  it('gets a pending then a failed commit status on its head pipeline, one summary note, and a discussion on the line of each secret it introduces', async () => {
    const response = await mergeRequestEvent('open', 3, 'mr-open-3');
    expect(response).toMatchObject({ status: 202, body: { queues: ['repo-scan'] } });
    expect(statusPosts().map((s) => [s.name, s.state, s.pipeline_id])).toEqual([
      ['vigil/secret-scan', 'pending', 9001],
      ['vigil/secret-scan', 'failed', 9001],
    ]);
    expect(view().statuses).toEqual([expect.objectContaining({ name: 'vigil/secret-scan', status: 'failed', pipelineId: 9001 })]);
    expect(findingDiscussions().map((d) => [d.notes[0].path, d.notes[0].newLine, d.notes[0].oldLine, d.resolved])).toEqual([
      ['src/config.ts', 6, null, false],
      ['src/pay.ts', 3, null, false],
    ]);
    expect(summaries()).toHaveLength(1);
    expect(summaries()[0].notes[0].body).toMatch(/2 secrets to fix before merging[\s\S]*README\.md:3[\s\S]*already in the file/);
  });

  it('posts nothing new when the delivery comes again, or when the same scan is published again', async () => {
    const before = writes();
    expect((await mergeRequestEvent('open', 3, 'mr-open-3')).body).toMatchObject({ duplicate: true });
    const again = scanCompletedOf(sha(2));
    await host.services.queue.send('pr-publish', [{ messageId: `${again.id}:again`, body: again }]);
    await settled();
    expect(writes()).toBe(before);
  });

  it('resolves the discussion of a secret a push removes and passes the status, but leaves a note where a person replied', async () => {
    const [discussionB, discussionA] = findingDiscussions();
    routes.as(rae).reply(projectId, 3, discussionA.id, 'I will move this to the key vault.');
    push('feature', 3, {
      'src/pay.ts': `import { client } from './client';\n\nexport const pay = () => client(process.env.TOKEN);\n`,
      'src/config.ts': config,
    });
    await mergeRequestEvent('update', 3, 'mr-update-3');
    const discussions = findingDiscussions();
    expect(discussions.find((d) => d.id === discussionB.id)?.resolved).toBe(true);
    const a = discussions.find((d) => d.id === discussionA.id)!;
    expect(a.resolved).toBe(false);
    expect(a.notes.map((n) => n.author)).toEqual(['vigil-bot', 'rae', 'vigil-bot']);
    expect(a.notes[2].body).toMatch(/leaves this thread for you/);
    expect(view().statuses).toEqual([expect.objectContaining({ status: 'success' })]);
    expect(summaries()).toHaveLength(1);
    expect(summaries()[0].notes[0].body).toMatch(/No secret introduced/);
  });

  it('changes nothing when an older scan is published after a newer one', async () => {
    const before = writes();
    const older = scanCompletedOf(sha(2));
    await host.services.queue.send('pr-publish', [{ messageId: `${older.id}:late`, body: older }]);
    await settled();
    expect(writes()).toBe(before);
  });

  it('triages the risk when a person replies /vigil false-positive in its discussion, resolves it and passes the status', async () => {
    push('feature', 4, { 'src/fixtures/sample.ts': `export const sample = "${tokenD}";\n` });
    await mergeRequestEvent('update', 3, 'mr-update-4');
    const discussionD = findingDiscussions().find((d) => d.notes[0].path === 'src/fixtures/sample.ts')!;
    expect(view().statuses).toEqual([expect.objectContaining({ status: 'failed' })]);

    const noteId = routes.as(rae).reply(projectId, 3, discussionD.id, '/vigil false-positive it is a test fixture');
    expect((await noteEvent(3, noteId, discussionD.id, '/vigil false-positive it is a test fixture', 'note-1')).body).toMatchObject({
      queues: ['pr-publish'],
    });
    const resolved = findingDiscussions().find((d) => d.id === discussionD.id)!;
    expect(resolved.resolved).toBe(true);
    expect(resolved.notes.at(-1)?.body).toMatch(/Recorded as a false positive by rae, with the reason given above/);
    expect(view().statuses.at(-1)).toMatchObject({ status: 'success' });
    const risk = (await host.services.stores.risks.list({ organization })).find((r) =>
      r.evidence.location.startsWith('src/fixtures/sample.ts'),
    )!;
    expect(risk).toMatchObject({
      status: 'false-positive',
      triage: {
        status: 'false-positive',
        reason: 'it is a test fixture',
        by: 'rae',
        source: 'pull-request',
        reference: 'pull request 3 of diaspora/diaspora-client',
      },
    });

    const before = writes();
    await noteEvent(3, noteId, discussionD.id, '/vigil false-positive it is a test fixture', 'note-1-again');
    expect(writes()).toBe(before);
  });

  it('answers a /vigil command it cannot carry out, saying what to write', async () => {
    const [discussion] = findingDiscussions();
    const noteId = routes.as(rae).reply(projectId, 3, discussion.id, '/vigil false-positive');
    await noteEvent(3, noteId, discussion.id, '/vigil false-positive', 'note-2');
    expect(
      findingDiscussions()
        .find((d) => d.id === discussion.id)!
        .notes.at(-1),
    ).toMatchObject({
      author: 'vigil-bot',
      body: expect.stringMatching(/Vigil could not record that: give a reason: `\/vigil false-positive <reason>`/),
    });
  });

  it('cuts a summary too long for the server to the limit it names, and keeps to the thread budget', async () => {
    const many = Array.from({ length: 40 }, () => f.gitHubToken());
    history.add({
      sha: sha(5),
      author: dev,
      parent: sha(1),
      changes: { 'deploy/tokens.env': `${many.map((token, i) => `TOKEN_${i}=${token}`).join('\n')}\n` },
    });
    history.branches['mr-4'] = sha(5);
    mergeRequests.push({ projectId, iid: 4, source: 'mr-4', target: 'main' });
    await mergeRequestEvent('open', 4, 'mr-open-4');
    expect(findingDiscussions(4)).toHaveLength(30);
    const [summary] = summaries(4);
    expect(summary.notes[0].body.length).toBeLessThanOrEqual(6_000);
    expect(summary.notes[0].body).toMatch(/more findings? not shown here/);
    expect(summary.notes[0].body).toMatch(/10 introduced secrets have no thread of their own/);
    for (const token of many) expect(recordedRequestText(gitlab.calls)).not.toContain(token);
  });

  it('parks the message with one reason and fails the status when the token may not start discussions', async () => {
    history.add({ sha: sha(6), author: dev, parent: sha(1), changes: { 'src/locked.ts': `const key = "${f.gitHubToken()}";\n` } });
    history.branches['mr-5'] = sha(6);
    mergeRequests.push({ projectId, iid: 5, source: 'mr-5', target: 'main' });
    gitlab.injectFault({ path: /\/merge_requests\/5\/discussions$/, method: 'POST', status: 403 });
    await mergeRequestEvent('open', 5, 'mr-open-5');
    const parked = (await host.services.stores.parked.query({ where: { queue: 'pr-publish' } })).items;
    expect(parked.map((p) => p.reason)).toEqual([
      expect.stringMatching(/GitLab refused to write a discussion on src\/locked\.ts of merge request !5 .*HTTP 403.*'api' scope/),
    ]);
    expect(view(5).statuses).toEqual([
      expect.objectContaining({ status: 'failed', description: expect.stringMatching(/Vigil could not publish/) }),
    ]);
    gitlab.clearFaults();
  });

  it('sends no secret to GitLab, and stores or logs none', async () => {
    const sent = recordedRequestText(gitlab.calls);
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

  it('reschedules a publish GitLab rate-limits, and the retry finishes it without posting anything twice', async () => {
    history.add({
      sha: sha(7),
      author: dev,
      parent: sha(1),
      changes: { 'src/one.ts': `const a = "${f.gitHubToken()}";\n`, 'src/two.ts': `const b = "${f.gitHubToken()}";\n` },
    });
    history.branches['mr-6'] = sha(7);
    mergeRequests.push({ projectId, iid: 6, source: 'mr-6', target: 'main' });
    gitlab.injectFault({ path: /\/merge_requests\/6\/discussions$/, method: 'POST', status: 429, retryAfterSeconds: 120, times: 1 });
    const body = JSON.stringify({
      object_kind: 'merge_request',
      project: projectJson,
      object_attributes: { iid: 6, action: 'open', last_commit: { id: sha(7) } },
    });
    await post(host.url('/hooks/gitlab'), body, gitlabHeaders(body, { uuid: 'mr-open-6' }));
    await until(
      host,
      () => host.logLines.some((line) => line.includes('rescheduled') && line.includes('publishPullRequest')),
      'the throttled publish being rescheduled',
    );

    const envelope = { ...scanCompletedOf(sha(7), 6), attempt: 1 };
    const outcome = await handleQueueMessage(
      { functionName: 'publishPullRequest', queue: 'pr-publish', body: envelope, messageId: `${envelope.id}:attempt:1`, deliveryCount: 1 },
      host.services,
    );
    expect(outcome).toBe('completed');
    expect(
      findingDiscussions(6)
        .map((d) => d.notes[0].path)
        .sort(),
    ).toEqual(['src/one.ts', 'src/two.ts']);
    expect(summaries(6)).toHaveLength(1);
    expect(view(6).statuses).toEqual([expect.objectContaining({ status: 'failed' })]);
  });
});
