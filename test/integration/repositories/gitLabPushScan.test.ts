import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { handleQueueMessage, type QueueOutcome } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { gitlabSource } from '../../../shared/events/sources/gitlab';
import { createLogger } from '../../../shared/logging/logger';
import type { RepositoryScanRecord } from '../../../shared/repositories/contentScan/repositoryScanRecord';
import type { Risk } from '../../../shared/risks/risk';
import { narrowed } from '../../../shared/store/port';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type GitLabApiServer, type GitLabRecordedCall, startGitLabApiServer } from '../../support/gitlabApiServer';
import { LoopbackGitHistory } from '../../support/loopbackGitHistory';
import { ManualClock } from '../../support/manualClock';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * A GitLab `Push Hook` delivery (the trimmed docs example in test/fixtures/gitlab/push.json, with
 * this test's commits) through the repo-scan queue handler: the pushed commits are re-fetched
 * with the real gitbeaker from a loopback GitLab, only the files each commit added or modified
 * are fetched raw at that commit, and what they hold is recorded against the commit and its
 * author. A secret pushed again is the same risk seen again; a removed one stays open.
 */
const sample = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'gitlab', 'push.json'), 'utf8')) as Record<
  string,
  unknown
> & {
  project: { id: number; path_with_namespace: string };
};
const projectId = sample.project.id;
const organization = 'contoso';
const tokenSecret = 'gitlab-contoso';
const f = new SecretFactory(53);
const apiToken = f.gitLabToken();
const gitHubToken = f.gitHubToken();
const npmToken = f.npmToken();
const laterToken = f.gitHubToken();
const jsmith = { name: 'John Smith', email: 'jsmith@example.com', date: '2026-11-20T09:00:00+00:00' };
const dev = { name: 'GitLab dev user', email: 'gitlabdev@example.com', date: '2026-11-20T09:10:00+00:00' };
const sha = (n: number) => `${n.toString(16)}${'95790bf891e7'.repeat(4)}`.slice(0, 40);
const zeros = '0'.repeat(40);

const history = new LoopbackGitHistory([
  { sha: sha(0), author: dev, parent: null, changes: { 'README.md': '# Diaspora\n', 'app/app.rb': 'APP = 1\n', 'docs/old.md': 'old\n' } },
  {
    sha: sha(1),
    author: jsmith,
    changes: {
      'config/settings.rb': `settings = {\n  region: 'westeurope',\n  token: "${gitHubToken}",\n}\n`,
      'app/app.rb': 'APP = 2\n',
      'vendor/bundle/gem.rb': `TOKEN = "${f.gitHubToken()}"\n`,
      'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d]),
      'docs/old.md': null,
    },
  },
  { sha: sha(2), author: dev, changes: { 'config/npmrc.txt': `# registry\n//registry.npmjs.org/:_authToken=${npmToken}\n` } },
]);

let gitlab: GitLabApiServer;
let services: AppServices;
let clock: ManualClock;
let dataDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  gitlab = await startGitLabApiServer({
    token: apiToken,
    projects: [{ id: projectId, pathWithNamespace: sample.project.path_with_namespace, defaultBranch: 'main', history }],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-gitlab-push-'));
  clock = new ManualClock();
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_GITLAB_CONTOSO: apiToken };
  services = await createAppServices(loadConfig(env), {
    clock,
    logger: createLogger({ level: 'debug', format: 'json', sink: { write: (line) => void logLines.push(line) } }),
    vault: createEnvironmentVault(env),
  });
  await services.stores.organizations.add(organization, { gitlab: { url: gitlab.url, tokenSecret } });
});

afterAll(async () => {
  await services?.close();
  await gitlab?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The envelope the webhook makes of a push delivery: the docs example with this push's ref and commits. */
function pushEvent(eventUuid: string, push: { before: string; after: string; ref?: string }): EventEnvelope {
  const payload = {
    ...structuredClone(sample),
    ref: push.ref ?? 'refs/heads/main',
    before: push.before,
    after: push.after,
    checkout_sha: push.after,
  };
  const headers: Record<string, string> = { 'x-gitlab-event-uuid': eventUuid, 'x-gitlab-event': 'Push Hook' };
  const delivery = gitlabSource.identify({ get: (name: string) => headers[name] ?? null }, payload, Buffer.from(JSON.stringify(payload)));
  return {
    id: delivery.id,
    source: 'gitlab',
    type: delivery.type,
    ...gitlabSource.extractors.push(payload),
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
}

async function deliver(envelope: EventEnvelope): Promise<{ outcome: QueueOutcome; calls: GitLabRecordedCall[] }> {
  const before = gitlab.calls.length;
  clock.advance(60_000);
  const outcome = await handleQueueMessage(
    { functionName: 'scanRepository', queue: 'repo-scan', body: envelope, messageId: envelope.id, deliveryCount: 1 },
    services,
  );
  return { outcome, calls: gitlab.calls.slice(before) };
}

async function scanned(envelope: EventEnvelope): Promise<GitLabRecordedCall[]> {
  const { outcome, calls } = await deliver(envelope);
  expect(outcome).toBe('completed');
  return calls;
}

const rawFetches = (calls: GitLabRecordedCall[]) =>
  calls
    .filter((c) => c.path.endsWith('/raw'))
    .map((c) => `${c.path.replace(`/projects/${projectId}/repository/files/`, '').replace(/\/raw$/, '')}@${c.query.ref?.slice(0, 7)}`);

async function risks(): Promise<Risk[]> {
  return await services.stores.risks.list({ organization });
}

async function riskFor(path: string): Promise<Risk> {
  const found = (await risks()).filter((r) => r.evidence.location.startsWith(path));
  expect(found).toHaveLength(1);
  return found[0];
}

async function scanOf(after: string): Promise<RepositoryScanRecord> {
  const record = narrowed(await services.stores.scans.read(`push:gitlab:${projectId}:${after}`, organization), 'kind', 'push');
  expect(record).toBeDefined();
  return record!;
}

describe('a GitLab push', () => {
  it('fetches only the files its commits added or modified, each raw at its own commit', async () => {
    history.branches.main = sha(2);
    const calls = await scanned(pushEvent('uuid-1', { before: sha(0), after: sha(2) }));
    expect(rawFetches(calls).sort()).toEqual(
      [`app/app.rb@${sha(1).slice(0, 7)}`, `config/settings.rb@${sha(1).slice(0, 7)}`, `config/npmrc.txt@${sha(2).slice(0, 7)}`].sort(),
    );
    expect(calls.filter((c) => c.path.endsWith('/repository/compare'))).toEqual([
      expect.objectContaining({ query: { from: sha(0), to: sha(2) } }),
    ]);
    expect(calls.filter((c) => c.path.endsWith('/diff'))).toHaveLength(2);

    const record = await scanOf(sha(2));
    expect(record).toMatchObject({
      kind: 'push',
      repository: 'contoso/diaspora',
      repositoryId: String(projectId),
      branch: 'refs/heads/main',
      commitId: sha(2),
      commitsScanned: 2,
      filesScanned: 3,
      findings: 2,
      risksOpened: 2,
    });
    expect(record.skipped).toMatchObject({
      excluded: { count: 1, examples: ['vendor/bundle/gem.rb'] },
      binary: { count: 1, examples: ['assets/logo.png'] },
      deleted: { count: 1, examples: ['docs/old.md'] },
    });
  });

  it('attributes each finding to the commit and the author that brought it, on the project as its asset', async () => {
    const record = await scanOf(sha(2));
    expect(record.results.map((r) => ({ path: r.path, line: r.line, commitId: r.commitId, author: r.author }))).toEqual([
      {
        path: 'config/settings.rb',
        line: 3,
        commitId: sha(1),
        author: { name: 'John Smith', email: 'jsmith@example.com', date: jsmith.date },
      },
      {
        path: 'config/npmrc.txt',
        line: 2,
        commitId: sha(2),
        author: { name: 'GitLab dev user', email: 'gitlabdev@example.com', date: dev.date },
      },
    ]);
    const risk = await riskFor('config/settings.rb');
    expect(risk).toMatchObject({
      kind: 'leaked-secret',
      status: 'open',
      occurrences: 1,
      asset: { id: `repository:gitlab:${projectId}`, name: 'contoso/diaspora', type: 'repository' },
      evidence: {
        location: `config/settings.rb:3 @ ${sha(1).slice(0, 7)}`,
        url: `${gitlab.url}/contoso/diaspora/-/blob/${sha(1)}/config/settings.rb#L3`,
      },
    });
    expect(risk.evidence.redacted).not.toContain(gitHubToken);
  });

  it('counts a redelivered push once, and announces nothing new', async () => {
    const alertsBefore = await services.queue.counts('alerts');
    await scanned(pushEvent('uuid-1-again', { before: sha(0), after: sha(2) }));
    expect((await risks()).map((r) => r.occurrences)).toEqual([1, 1]);
    expect(await services.queue.counts('alerts')).toEqual(alertsBefore);
  });

  it('raises the occurrence count of a known secret pushed again, instead of opening a second risk', async () => {
    history.add({ sha: sha(3), author: jsmith, changes: { 'deploy/env.sh': `export GITHUB_TOKEN=${gitHubToken}\n` } });
    history.branches.main = sha(3);
    const calls = await scanned(pushEvent('uuid-3', { before: sha(2), after: sha(3) }));
    expect(rawFetches(calls)).toEqual([`deploy/env.sh@${sha(3).slice(0, 7)}`]);
    expect(await risks()).toHaveLength(2);
    expect(await riskFor('deploy/env.sh')).toMatchObject({ occurrences: 2 });
  });

  it('keeps a secret open after a later commit deletes it, fetching nothing for the deletion', async () => {
    history.add({ sha: sha(4), author: dev, changes: { 'deploy/env.sh': null, 'config/settings.rb': null } });
    history.branches.main = sha(4);
    const calls = await scanned(pushEvent('uuid-4', { before: sha(3), after: sha(4) }));
    expect(rawFetches(calls)).toEqual([]);
    expect((await scanOf(sha(4))).skipped.deleted?.count).toBe(2);
    expect((await risks()).every((r) => r.status === 'open')).toBe(true);
  });

  it('scans a new branch for the commits it has beyond the default branch, reading a commit diff page by page', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 25; i++) many[`lib/part${String(i).padStart(2, '0')}.rb`] = `PART = ${i}\n`;
    history.add({ sha: sha(5), author: jsmith, changes: { 'infra/main.bicep': `param token string = '${laterToken}'\n`, ...many } });
    history.branches.feature = sha(5);
    const calls = await scanned(pushEvent('uuid-5', { before: zeros, after: sha(5), ref: 'refs/heads/feature' }));
    expect(calls.filter((c) => c.path === `/projects/${projectId}`)).toHaveLength(1);
    expect(calls.filter((c) => c.path.endsWith('/repository/compare')).map((c) => c.query)).toEqual([{ from: 'main', to: sha(5) }]);
    expect(calls.filter((c) => c.path.endsWith('/diff'))).toHaveLength(2); // GitLab pages diffs 20 at a time
    expect(rawFetches(calls)).toHaveLength(26);
    expect((await scanOf(sha(5))).results.map((r) => ({ path: r.path, author: r.author?.name }))).toEqual([
      { path: 'infra/main.bicep', author: 'John Smith' },
    ]);
  });

  it('is parked with a reason naming the organization and the token secret when GitLab refuses the token', async () => {
    gitlab.injectFault({ path: '/repository/compare', status: 401, times: 1 });
    history.add({ sha: sha(6), author: dev, parent: sha(4), changes: { 'src/late.rb': 'LATE = 1\n' } });
    const { outcome, calls } = await deliver(pushEvent('uuid-6', { before: sha(4), after: sha(6) }));
    expect(outcome).toBe('parked');
    expect(rawFetches(calls)).toEqual([]);
    const parked = (await services.stores.parked.query({ where: { queue: 'repo-scan' } })).items;
    expect(parked).toHaveLength(1);
    expect(parked[0].reason).toContain(`'${organization}'`);
    expect(parked[0].reason).toContain(`'${tokenSecret}'`);
    expect(parked[0].reason).toContain(`vigil secrets set ${tokenSecret}`);
  });

  it("is rescheduled at GitLab's Retry-After when rate-limited, without retrying on its own", async () => {
    gitlab.injectFault({ path: '/raw', status: 429, retryAfterSeconds: 120, times: 1 });
    const { outcome, calls } = await deliver(pushEvent('uuid-7', { before: sha(4), after: sha(6) }));
    expect(outcome).toBe('rescheduled');
    expect(calls.filter((c) => c.path.endsWith('/raw')).map((c) => c.status)).toEqual([429]);
    expect(await services.queue.counts('repo-scan')).toMatchObject({ scheduled: 1 });
    const [scheduled] = await services.queue.receive('repo-scan', { maxMessages: 5, lockDurationMs: 60_000 });
    expect(scheduled).toBeUndefined(); // not before Retry-After
    clock.advance(120_000);
    const [retry] = await services.queue.receive('repo-scan', { maxMessages: 5, lockDurationMs: 60_000 });
    await services.queue.complete(retry);
    expect(await scanned(retry.body as EventEnvelope)).toHaveLength(3); // compare, one diff, one raw file
  });

  it('never stores or logs a secret it found, nor the API token, and sends the token only to GitLab', async () => {
    const stored = JSON.stringify([
      await risks(),
      (await services.stores.scans.query({})).items,
      (await services.stores.parked.query({})).items,
    ]);
    const logs = logLines.join('\n');
    expect(logs).toContain('push scanned');
    for (const secret of [apiToken, gitHubToken, npmToken, laterToken]) {
      expect(stored).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    expect(new Set(gitlab.receivedTokens)).toEqual(new Set([apiToken]));
  });
});
