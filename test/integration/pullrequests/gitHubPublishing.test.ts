import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { githubSource } from '../../../shared/events/sources/github';
import { createLogger } from '../../../shared/logging/logger';
import { PullRequestSettingsSchema } from '../../../shared/organizations/organizationSettings';
import type { PullRequestFeedbackStore } from '../../../shared/pullrequests/feedback/pullRequestFeedback';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { GitHubPullRequestRoutes, type LoopbackGitHubPullRequest } from '../../support/github/pullRequestRoutes';
import { type GitHubApiServer, startGitHubApiServer } from '../../support/githubApiServer';
import { LoopbackGitHistory } from '../../support/loopbackGitHistory';
import { ManualClock } from '../../support/manualClock';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * The publisher against the loopback GitHub with the real Octokit, through the queue handlers: a
 * token that cannot write check runs (a personal access token) gets a commit status instead; the
 * summary modes (`update` edits one comment, `new` replaces it, `once` stays quiet after a person
 * deleted it); and a publish that crashes between posting a thread and recording it is resumed
 * without posting the thread twice.
 */
const token = 'ghp_loopbackapitoken000000000000000000';
const f = new SecretFactory(409);
const mona = { name: 'Mona', email: 'mona@example.com', date: '2026-11-20T09:00:00Z' };
const sha = (owner: number, n: number) => `${owner}${n}`.repeat(40).slice(0, 40);
const owners = ['mode-update', 'mode-new', 'mode-once', 'mode-crash'];

const histories = owners.map(
  (_, i) =>
    new LoopbackGitHistory(
      [
        { sha: sha(i + 1, 1), author: mona, parent: null, changes: { 'README.md': '# App\n' } },
        {
          sha: sha(i + 1, 2),
          author: mona,
          changes: { 'src/a.ts': `const a = "${f.gitHubToken()}";\n`, 'src/b.ts': `const b = "${f.gitHubToken()}";\n` },
        },
      ],
      { main: sha(i + 1, 1), feature: sha(i + 1, 2) },
    ),
);
const pullRequests: LoopbackGitHubPullRequest[] = owners.map((owner) => ({
  repository: `${owner}/app`,
  number: 1,
  base: 'main',
  head: 'feature',
}));

let github: GitHubApiServer;
let routes: GitHubPullRequestRoutes;
let services: AppServices;
let clock: ManualClock;
let dataDir: string;

beforeAll(async () => {
  routes = new GitHubPullRequestRoutes({
    repositories: owners.map((owner, i) => ({ fullName: `${owner}/app`, defaultBranch: 'main', history: histories[i] })),
    pullRequests,
    checkRunsRequireApp: true,
  });
  github = await startGitHubApiServer({ token, extensions: [routes] });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-pr-publish-'));
  clock = new ManualClock();
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_GITHUB_API_URL: github.url, VIGIL_SECRET_GITHUB_TOKEN: token };
  services = await createAppServices(loadConfig(env), {
    clock,
    logger: createLogger({ sink: { write: () => undefined } }),
    vault: createEnvironmentVault(env),
  });
  await services.stores.organizations.add('mode-update', { github: { tokenSecret: 'github-token' } });
  await services.stores.organizations.add('mode-new', {
    github: { tokenSecret: 'github-token' },
    pullRequests: PullRequestSettingsSchema.parse({ summary: 'new' }),
  });
  await services.stores.organizations.add('mode-once', {
    github: { tokenSecret: 'github-token' },
    pullRequests: PullRequestSettingsSchema.parse({ summary: 'once' }),
  });
  await services.stores.organizations.add('mode-crash', { github: { tokenSecret: 'github-token' } });
});

afterAll(async () => {
  await services?.close();
  await github?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A pull_request delivery through repo-scan, then whatever it sends to pr-publish through that handler. */
async function scanAndPublish(owner: string, delivery: string): Promise<string[]> {
  const payload = {
    action: 'synchronize',
    number: 1,
    pull_request: { number: 1, head: { sha: histories[owners.indexOf(owner)].resolve('feature') } },
    repository: { id: 7, full_name: `${owner}/app`, owner: { login: owner } },
  };
  const envelope: EventEnvelope = {
    id: delivery,
    source: 'github',
    type: 'pull_request.synchronize',
    ...githubSource.extractors['pull_request.synchronize'](payload),
    receivedAt: new Date(clock.now()).toISOString(),
  };
  clock.advance(60_000);
  expect(
    await handleQueueMessage(
      { functionName: 'scanRepository', queue: 'repo-scan', body: envelope, messageId: envelope.id, deliveryCount: 1 },
      services,
    ),
  ).toBe('completed');
  const outcomes: string[] = [];
  for (const message of await services.queue.receive('pr-publish', { maxMessages: 10, lockDurationMs: 60_000 })) {
    try {
      outcomes.push(
        await handleQueueMessage(
          {
            functionName: 'publishPullRequest',
            queue: 'pr-publish',
            body: message.body,
            messageId: message.messageId,
            deliveryCount: message.deliveryCount,
          },
          services,
        ),
      );
      await services.queue.complete(message);
    } catch {
      outcomes.push('redeliver');
      await services.queue.abandon(message, 'failed in the test');
    }
  }
  return outcomes;
}

function push(owner: string, n: number, changes: Record<string, string | null>) {
  const history = histories[owners.indexOf(owner)];
  history.add({ sha: sha(owners.indexOf(owner) + 1, n), author: mona, parent: history.resolve('feature')!, changes });
  history.branches.feature = sha(owners.indexOf(owner) + 1, n);
}

const view = (owner: string) => routes.pullRequest(`${owner}/app`, 1);

describe('publishing with a token that cannot write check runs', () => {
  it('posts a commit status vigil/secret-scan, pending then failure, instead of a check run', async () => {
    expect(await scanAndPublish('mode-update', 'd-update-1')).toEqual(['completed']);
    expect(view('mode-update').checkRuns).toEqual([]);
    expect(view('mode-update').statuses.map((s) => [s.context, s.state])).toEqual([
      ['vigil/secret-scan', 'pending'],
      ['vigil/secret-scan', 'failure'],
    ]);
  });
});

describe('the summary modes', () => {
  it('update (the default) edits the one summary in place', async () => {
    const [first] = view('mode-update').comments;
    push('mode-update', 3, { 'src/a.ts': 'const a = process.env.A;\n' });
    await scanAndPublish('mode-update', 'd-update-2');
    expect(view('mode-update').comments.map((c) => c.id)).toEqual([first.id]);
    expect(view('mode-update').comments[0].body).toMatch(/1 secret to fix/);
  });

  it('update posts the summary again when a person deleted it', async () => {
    routes.as({ login: 'rae', id: 5 }).deleteComment(view('mode-update').comments[0].id);
    push('mode-update', 4, { 'src/c.ts': '// nothing\n' });
    await scanAndPublish('mode-update', 'd-update-3');
    expect(view('mode-update').comments).toHaveLength(1);
  });

  it('new deletes the old summary and posts a new one each run', async () => {
    await scanAndPublish('mode-new', 'd-new-1');
    const [first] = view('mode-new').comments;
    push('mode-new', 3, { 'src/a.ts': 'const a = process.env.A;\n' });
    await scanAndPublish('mode-new', 'd-new-2');
    expect(view('mode-new').comments).toHaveLength(1);
    expect(view('mode-new').comments[0].id).not.toBe(first.id);
  });

  it('once stays quiet for good after a person deleted the summary', async () => {
    await scanAndPublish('mode-once', 'd-once-1');
    routes.as({ login: 'rae', id: 5 }).deleteComment(view('mode-once').comments[0].id);
    push('mode-once', 3, { 'src/a.ts': 'const a = process.env.A;\n' });
    await scanAndPublish('mode-once', 'd-once-2');
    push('mode-once', 4, { 'src/b.ts': 'const b = process.env.B;\n' });
    await scanAndPublish('mode-once', 'd-once-3');
    expect(view('mode-once').comments).toEqual([]);
    expect(view('mode-once').statuses.at(-1)).toMatchObject({ state: 'success' });
  });
});

describe('a publish that crashes between posting a thread and recording it', () => {
  it('is redelivered and finishes without posting that thread twice', async () => {
    const store = services.stores.pullRequestFeedback as PullRequestFeedbackStore & { update: PullRequestFeedbackStore['update'] };
    const update = store.update.bind(store);
    let crashed = false;
    // The record of the first thread's id is lost, as if the process died right after GitHub answered.
    store.update = async (organization, key, change, asClaimant) => {
      if (!crashed && organization === 'mode-crash') {
        const probe = change(structuredClone(await update(organization, key, () => undefined)));
        if (probe && Object.values(probe.threads).some((t) => t.id !== undefined)) {
          crashed = true;
          throw new Error('the process died');
        }
      }
      return update(organization, key, change, asClaimant);
    };
    try {
      expect(await scanAndPublish('mode-crash', 'd-crash-1')).toEqual(['redeliver']);
      expect(view('mode-crash').reviewComments).toHaveLength(1);
      // The broker redelivers once the idempotency claim of the dead run has expired.
      clock.advance(services.config.handlerTimeoutMs + 1);
      const [message] = await services.queue.receive('pr-publish', { maxMessages: 1, lockDurationMs: 60_000 });
      expect(
        await handleQueueMessage(
          { functionName: 'publishPullRequest', queue: 'pr-publish', body: message.body, messageId: message.messageId, deliveryCount: 2 },
          services,
        ),
      ).toBe('completed');
      await services.queue.complete(message);
    } finally {
      store.update = update;
    }
    expect(view('mode-crash').reviewComments.map((c) => c.path)).toEqual(['src/a.ts', 'src/b.ts']);
    expect(view('mode-crash').comments).toHaveLength(1);
    const [feedback] = await services.stores.pullRequestFeedback.list('mode-crash');
    expect(Object.values(feedback.threads).map((t) => t.state)).toEqual(['open', 'open']);
  });
});
