import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleQueueMessage } from '../../shared/azureFunctions/queueTrigger';
import type { EventEnvelope } from '../../shared/events/envelope';
import { queuesSettled } from '../support/alertReceiver';
import { connectionDataRoutes, type LoopbackIdentity, person } from '../support/azureDevOps/identities';
import { PullRequestCommentHooks } from '../support/azureDevOps/pullRequestCommentHooks';
import { PullRequestFeedbackRoutes } from '../support/azureDevOps/pullRequestFeedbackRoutes';
import { type FixtureRepository, RepositoryContentRoutes } from '../support/azureDevOps/repositoryContentRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { until } from '../support/hostConditions';
import { recordedRequestText } from '../support/recordedRequests';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * Findings on an Azure DevOps pull request, end to end through the local host: a recorded
 * `git.pullrequest.created` delivery is scanned at the source commit with the real
 * azure-devops-node-api against the loopback Azure DevOps, then published: a `pending` and a final
 * iteration status (`vigil/secret-scan`), one summary thread, one thread per introduced finding on
 * its line. Later pushes resolve threads (or, where a person replied, leave a note), a
 * `/vigil false-positive` reply triages the risk, an older scan changes nothing, redeliveries post
 * nothing, a long summary is cut to the limit the server names, and a token without write access
 * parks the message with one reason. No secret reaches anything the loopback recorded.
 */
const hook = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', name), 'utf8')) as Record<string, unknown> & {
    id: string;
    resource: { pullRequestId: number; repository: { id: string; name: string; project: { id: string; name: string } } };
    resourceContainers: { account: { baseUrl?: string } };
  };
const created = hook('git.pullrequest.created.json');
const organization = 'fabrikam';
const repositoryId = created.resource.repository.id;
const projectId = created.resource.repository.project.id;
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const vigil: LoopbackIdentity = { id: 'dddddddd-0000-4000-8000-00000000beef', displayName: 'Vigil', uniqueName: 'vigil@fabrikam.example' };
const rae = person('Rae Reviewer');
const f = new SecretFactory(181);
const tokenA = f.gitHubToken();
const tokenB = f.npmToken();
const tokenC = f.gitLabToken();
const tokenD = f.gitHubToken();
const secrets = [tokenA, tokenB, tokenC, tokenD];
const sha = (n: number) => `${n}`.repeat(40).slice(0, 40);
const config = `${Array.from({ length: 10 }, (_, i) => `export const setting${i + 1} = ${i + 1};`).join('\n')}\n`;

const repository: FixtureRepository = {
  id: repositoryId,
  name: created.resource.repository.name,
  project: created.resource.repository.project.name,
  projectId,
  commits: [
    { commitId: sha(1), changes: { '/README.md': `# Payments\n\nci token: ${tokenC}\n`, '/src/config.ts': config } },
    {
      commitId: sha(2),
      changes: {
        '/src/pay.ts': `import { client } from './client';\n\nconst token = "${tokenA}";\nexport const pay = () => client(token);\n`,
        '/src/config.ts': config.replace(
          'setting5 = 5;\n',
          `setting5 = 5;\nexport const npm = "//registry.npmjs.org/:_authToken=${tokenB}";\n`,
        ),
        '/README.md': `# Payments\n\nci token: ${tokenC}\n\nPays things.\n`,
      },
    },
  ],
  pullRequests: [{ pullRequestId: 1, sourceRefName: 'refs/heads/feature/pay', sourceCommit: sha(2), targetCommit: sha(1), iterations: 1 }],
};

let devops: AzureDevOpsServer;
let feedback: PullRequestFeedbackRoutes;
let comments: PullRequestCommentHooks;
let host: TestHost;
const settled = () => queuesSettled(host, ['repo-scan', 'pr-publish', 'alerts']);

beforeAll(async () => {
  const content = new RepositoryContentRoutes([repository]);
  // A server whose comments are shorter than Azure DevOps' 150,000 characters: Vigil learns the limit from the refusal.
  feedback = new PullRequestFeedbackRoutes({ identity: vigil, repositories: content, maxCommentLength: 6_000 });
  devops = await startAzureDevOpsServer({
    organization,
    pat,
    projects: [{ id: projectId, name: repository.project }],
    extensions: [connectionDataRoutes(vigil), feedback, content],
  });
  host = await startTestHost({ env: { VIGIL_SECRET_ADO_PAT_FABRIKAM: pat } });
  await host.services.stores.organizations.add(organization, {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikam' } },
  });
  comments = new PullRequestCommentHooks(feedback, {
    orgUrl: devops.url,
    target: { url: host.url('/hooks/azure-devops'), secret: testHookSecrets.VIGIL_HOOK_SECRET_AZURE_DEVOPS },
  });
});

afterAll(async () => {
  await host?.dispose();
  await devops?.close();
});

/** A pull request delivery as Azure DevOps posts it (the recorded sample, with this server's organization). */
async function deliver(name: 'git.pullrequest.created.json' | 'git.pullrequest.updated.json', deliveryId: string, pullRequestId = 1) {
  const payload = hook(name);
  payload.id = deliveryId;
  payload.resource.repository = created.resource.repository;
  payload.resource.pullRequestId = pullRequestId;
  payload.resourceContainers.account.baseUrl = `${devops.url}/`;
  const response = await post(host.url('/hooks/azure-devops'), JSON.stringify(payload), azureDevOpsHeaders());
  await settled();
  return response;
}

/** Moves the pull request's source branch: a push of one commit, a new iteration. */
function push(pullRequestId: number, commitId: string, changes: Record<string, string | null>) {
  repository.commits.push({ commitId, changes });
  const pr = repository.pullRequests!.find((p) => p.pullRequestId === pullRequestId)!;
  pr.sourceCommit = commitId;
  pr.iterations = (pr.iterations ?? 1) + 1;
}

const snapshot = (pullRequestId = 1) => feedback.pullRequest(repositoryId, pullRequestId);
const findingThreads = (pullRequestId = 1) => snapshot(pullRequestId).threads.filter((t) => t.properties['Vigil.Kind'] === 'finding');
const summaryThreads = (pullRequestId = 1) => snapshot(pullRequestId).threads.filter((t) => t.properties['Vigil.Kind'] === 'summary');
const writes = () =>
  devops.calls.filter((c) => c.method !== 'GET' && /\/pullRequests\/\d+\//.test(c.path) && !/FileDiffs/i.test(c.path)).length;

async function scanCompletedOf(commitId: string, pullRequestId = 1): Promise<EventEnvelope> {
  return {
    id: `scan.completed:${repositoryId}:${pullRequestId}:${commitId}`,
    source: 'vigil',
    type: 'scan.completed',
    organization,
    project: projectId,
    subject: {
      platform: 'azure-devops',
      pullRequestId,
      repositoryId,
      commitId,
      scanId: `pull-request:${repositoryId}:${pullRequestId}:${commitId}`,
    },
    receivedAt: new Date().toISOString(),
  };
}

describe('an Azure DevOps pull request with secrets in it', () => {
  it('gets a pending then a failed status on its iteration, one summary, and a thread on the line of each secret it introduces', async () => {
    const response = await deliver('git.pullrequest.created.json', 'pr-created-1');
    expect(response).toMatchObject({ status: 202, body: { queues: ['repo-scan'] } });
    const { statuses, threads } = snapshot();
    expect(statuses.map((s) => [s.genre, s.name, s.state, s.iterationId, s.by])).toEqual([
      ['vigil', 'secret-scan', 'pending', 1, 'Vigil'],
      ['vigil', 'secret-scan', 'failed', 1, 'Vigil'],
    ]);
    expect(findingThreads().map((t) => [t.filePath, t.line, t.status])).toEqual([
      ['/src/config.ts', 6, 'active'],
      ['/src/pay.ts', 3, 'active'],
    ]);
    expect(findingThreads()[1].comments[0].content).toMatch(/GitHub[\s\S]*`ghp_\*+/);
    const [summary] = summaryThreads();
    expect(threads).toHaveLength(3);
    expect(summary.comments[0].content).toMatch(/2 secrets to fix before merging/);
    // The token already on the target branch is listed, not commented on.
    expect(summary.comments[0].content).toMatch(/README\.md:3.*already in the file/);
  });

  it('posts nothing new when the delivery comes again, or when the same scan is published again', async () => {
    const before = writes();
    expect((await deliver('git.pullrequest.created.json', 'pr-created-1')).body).toMatchObject({ duplicate: true });
    const again = await scanCompletedOf(sha(2));
    await host.services.queue.send('pr-publish', [{ messageId: `${again.id}:again`, body: again }]);
    await settled();
    expect(writes()).toBe(before);
    expect(snapshot().threads).toHaveLength(3);
  });

  it('resolves the thread of a secret a push removes and passes the status, but leaves a note where a person replied', async () => {
    const [threadA, threadB] = findingThreads();
    feedback.as(rae).reply(repositoryId, 1, threadB.id, 'I will move this to the key vault.');
    push(1, sha(3), {
      '/src/pay.ts': `import { client } from './client';\n\nexport const pay = () => client(process.env.TOKEN);\n`,
      '/src/config.ts': config,
    });
    await deliver('git.pullrequest.updated.json', 'pr-updated-3');

    const threads = findingThreads();
    expect(threads.find((t) => t.id === threadA.id)?.status).toBe('fixed');
    const b = threads.find((t) => t.id === threadB.id)!;
    expect(b.status).toBe('active');
    expect(b.comments.at(-1)).toMatchObject({ author: 'Vigil', content: expect.stringMatching(/leaves this thread for you/) });
    expect(
      snapshot()
        .statuses.filter((s) => s.iterationId === 2)
        .map((s) => s.state),
    ).toEqual(['pending', 'succeeded']);
    // One summary, edited in place.
    expect(summaryThreads()).toHaveLength(1);
    expect(summaryThreads()[0].comments[0].content).toMatch(/No secret introduced/);
  });

  it('changes nothing when an older scan is published after a newer one', async () => {
    const before = JSON.stringify(snapshot());
    const older = await scanCompletedOf(sha(2));
    await host.services.queue.send('pr-publish', [{ messageId: `${older.id}:late`, body: older }]);
    await settled();
    expect(JSON.stringify(snapshot())).toBe(before);
  });

  it('triages the risk when a person replies /vigil false-positive on its thread, resolves the thread and passes the status', async () => {
    push(1, sha(4), { '/src/fixtures/sample.ts': `export const sample = "${tokenD}";\n` });
    await deliver('git.pullrequest.updated.json', 'pr-updated-4');
    const threadD = findingThreads().find((t) => t.filePath === '/src/fixtures/sample.ts')!;
    expect(snapshot().statuses.at(-1)?.state).toBe('failed');

    const commentId = feedback.as(rae).reply(repositoryId, 1, threadD.id, '/vigil false-positive it is a test fixture');
    expect((await comments.emitComment(repositoryId, 1, threadD.id, commentId)).status).toBe(202);
    await settled();

    const thread = findingThreads().find((t) => t.id === threadD.id)!;
    expect(thread.status).toBe('closed');
    expect(thread.comments.at(-1)?.content).toMatch(/Recorded as a false positive by Rae Reviewer, with the reason given above/);
    expect(snapshot().statuses.at(-1)).toMatchObject({ state: 'succeeded', iterationId: 3 });
    const risks = await host.services.stores.risks.list({ organization });
    const risk = risks.find((r) => r.evidence.location.startsWith('src/fixtures/sample.ts'))!;
    expect(risk).toMatchObject({
      status: 'false-positive',
      triage: {
        status: 'false-positive',
        reason: 'it is a test fixture',
        by: 'Rae Reviewer',
        source: 'pull-request',
        reference: 'pull request 1 of Fabrikam/Fabrikam',
      },
    });
    expect(summaryThreads()[0].comments[0].content).toMatch(/triaged: false-positive \(Rae Reviewer\)/);

    // The same comment event again triages nothing more.
    const before = writes();
    await comments.emitComment(repositoryId, 1, threadD.id, commentId, 'edited');
    await settled();
    expect(writes()).toBe(before);
  });

  it('ignores a comment by Vigil itself and a reply that is not a command', async () => {
    const before = writes();
    const [thread] = findingThreads();
    const chatter = feedback.as(rae).reply(repositoryId, 1, thread.id, 'thanks');
    await comments.emitComment(repositoryId, 1, thread.id, chatter);
    await comments.emitComment(repositoryId, 1, thread.id, 1);
    await settled();
    expect(writes()).toBe(before);
  });

  it('answers a /vigil command without a reason in the thread, saying what to write', async () => {
    const [thread] = findingThreads();
    const commentId = feedback.as(rae).reply(repositoryId, 1, thread.id, '/vigil accept');
    expect((await comments.emitComment(repositoryId, 1, thread.id, commentId)).status).toBe(202);
    await settled();
    expect(
      findingThreads()
        .find((t) => t.id === thread.id)
        ?.comments.at(-1),
    ).toMatchObject({
      author: 'Vigil',
      content: expect.stringMatching(/Vigil could not record that: give a reason: `\/vigil accept <reason>`/),
    });
  });

  it('cuts a summary too long for the server to the limit it names, and lists past the thread budget what gets no thread', async () => {
    const many = Array.from({ length: 40 }, () => f.gitHubToken());
    repository.pullRequests!.push({
      pullRequestId: 2,
      sourceRefName: 'refs/heads/many',
      sourceCommit: sha(5),
      targetCommit: sha(4),
      iterations: 1,
    });
    repository.commits.push({
      commitId: sha(5),
      changes: { '/deploy/tokens.env': `${many.map((token, i) => `TOKEN_${i}=${token}`).join('\n')}\n` },
    });
    await deliver('git.pullrequest.created.json', 'pr-created-2', 2);
    expect(findingThreads(2)).toHaveLength(30);
    const [summary] = summaryThreads(2);
    expect(summary.comments[0].content.length).toBeLessThanOrEqual(6_000);
    expect(summary.comments[0].content).toMatch(/more findings? not shown here/);
    expect(summary.comments[0].content).toMatch(/10 introduced secrets have no thread of their own/);
    for (const token of many) expect(recordedRequestText(devops.calls)).not.toContain(token);
  });

  it('posts notApplicable, which a branch policy treats as exempt, when nothing the pull request changes can be scanned', async () => {
    repository.pullRequests!.push({
      pullRequestId: 5,
      sourceRefName: 'refs/heads/logo',
      sourceCommit: sha(8),
      targetCommit: sha(5),
      iterations: 1,
    });
    repository.commits.push({ commitId: sha(8), changes: { '/assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]) } });
    await deliver('git.pullrequest.created.json', 'pr-created-5', 5);
    expect(snapshot(5).statuses.map((s) => s.state)).toEqual(['pending', 'notApplicable']);
    expect(findingThreads(5)).toEqual([]);
  });

  it('parks the message with one reason and posts an error status when the token may not write threads', async () => {
    repository.pullRequests!.push({
      pullRequestId: 3,
      sourceRefName: 'refs/heads/locked',
      sourceCommit: sha(6),
      targetCommit: sha(5),
      iterations: 1,
    });
    repository.commits.push({ commitId: sha(6), changes: { '/src/locked.ts': `const key = "${f.gitHubToken()}";\n` } });
    devops.injectFault({ path: /\/pullRequests\/3\/threads$/, method: 'POST', status: 403 });
    await deliver('git.pullrequest.created.json', 'pr-created-3', 3);
    const parked = (await host.services.stores.parked.query({ where: { queue: 'pr-publish' } })).items;
    expect(parked.map((p) => p.reason)).toEqual([
      expect.stringMatching(/refused to write a thread on pull request 3 .*HTTP 403.*'Contribute to pull requests'/),
    ]);
    expect(snapshot(3).statuses.map((s) => s.state)).toEqual(['pending', 'error']);
    devops.clearFaults();
  });

  it('sends no secret to Azure DevOps, and stores or logs none', async () => {
    const sent = recordedRequestText(devops.calls);
    const stored = JSON.stringify([
      ...(await host.services.stores.pullRequestFeedback.list(organization)),
      ...(await host.services.stores.scans.query({})).items,
      ...(await host.services.stores.risks.list()),
    ]);
    for (const secret of [...secrets, pat]) {
      expect(sent).not.toContain(secret);
      expect(stored).not.toContain(secret);
      expect(host.logLines.join('\n')).not.toContain(secret);
    }
  });

  it('reschedules a publish Azure DevOps throttles, and the retry finishes it without posting anything twice', async () => {
    repository.pullRequests!.push({
      pullRequestId: 4,
      sourceRefName: 'refs/heads/busy',
      sourceCommit: sha(7),
      targetCommit: sha(6),
      iterations: 1,
    });
    repository.commits.push({
      commitId: sha(7),
      changes: { '/src/one.ts': `const a = "${f.gitHubToken()}";\n`, '/src/two.ts': `const b = "${f.gitHubToken()}";\n` },
    });
    // The second thread is throttled, with a wait longer than Vigil waits in process.
    devops.injectFault({ path: /\/pullRequests\/4\/threads$/, method: 'POST', status: 429, retryAfterSeconds: 120, times: 1 });
    const first = devops.calls.length;
    await post(
      host.url('/hooks/azure-devops'),
      JSON.stringify({
        ...hook('git.pullrequest.created.json'),
        id: 'pr-created-4',
        resource: { ...created.resource, pullRequestId: 4 },
        resourceContainers: { account: { baseUrl: `${devops.url}/` } },
      }),
      azureDevOpsHeaders(),
    );
    await until(
      host,
      () => host.logLines.some((line) => line.includes('rescheduled') && line.includes('publishPullRequest')),
      'the throttled publish being rescheduled',
    );
    expect(findingThreads(4).length).toBeLessThan(2);
    expect(await host.services.stores.parked.count({ queue: 'pr-publish' })).toBe(1); // only the 403 one above

    // What the queue delivers when the stated time comes: the same event, attempt 1.
    const envelope = { ...(await scanCompletedOf(sha(7), 4)), attempt: 1 };
    const outcome = await handleQueueMessage(
      { functionName: 'publishPullRequest', queue: 'pr-publish', body: envelope, messageId: `${envelope.id}:attempt:1`, deliveryCount: 1 },
      host.services,
    );
    expect(outcome).toBe('completed');
    expect(
      findingThreads(4)
        .map((t) => t.filePath)
        .sort(),
    ).toEqual(['/src/one.ts', '/src/two.ts']);
    expect(summaryThreads(4)).toHaveLength(1);
    expect(snapshot(4).statuses.map((s) => s.state)).toEqual(['pending', 'failed']);
    expect(devops.calls.slice(first).filter((c) => c.status === 429)).toHaveLength(1);
  });
});
