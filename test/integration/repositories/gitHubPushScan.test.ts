import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import examples from '@octokit/webhooks-examples';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { handleQueueMessage, type QueueOutcome } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { githubSource } from '../../../shared/events/sources/github';
import { createLogger } from '../../../shared/logging/logger';
import type { RepositoryScanRecord } from '../../../shared/repositories/contentScan/repositoryScanRecord';
import { maxFilesPerPush } from '../../../shared/repositories/pushScan/pushChangeScan';
import type { Risk } from '../../../shared/risks/risk';
import { narrowed } from '../../../shared/store/port';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type GitHubApiServer, type GitHubRecordedCall, startGitHubApiServer } from '../../support/githubApiServer';
import { GitHubRepositoryRoutes } from '../../support/githubRepositoryRoutes';
import { LoopbackGitHistory } from '../../support/loopbackGitHistory';
import { ManualClock } from '../../support/manualClock';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * A GitHub `push` delivery (GitHub's own webhook example, with this test's commits) through the
 * repo-scan queue handler: the pushed commits are re-fetched with the real Octokit from a loopback
 * GitHub, only the files each commit added or modified are fetched (raw, at that commit), and what
 * they hold is recorded against the commit and its author. A secret pushed again is the same risk
 * seen again; a removed one stays open, because it is still in history.
 */
const owner = 'Codertocat';
const repo = 'Hello-World';
const fullName = `${owner}/${repo}`;
const organization = 'codertocat';
const tokenSecret = 'github-codertocat';
const f = new SecretFactory(41);
const apiToken = f.gitHubToken();
const gitHubToken = f.gitHubToken();
const npmToken = f.npmToken();
const laterToken = f.gitLabToken();
const mona = { name: 'Mona Lisa', email: 'octocat@github.com', date: '2026-11-20T09:00:00Z' };
const hubot = { name: 'Hubot', email: 'hubot@github.com', date: '2026-11-20T09:10:00Z' };
const sha = (n: number) => `${n.toString(16)}${'a1b2c3d4e5f6'.repeat(4)}`.slice(0, 40);
const zeros = '0'.repeat(40);

const history = new LoopbackGitHistory([
  {
    sha: sha(0),
    author: hubot,
    parent: null,
    changes: { 'README.md': '# Hello\n', 'src/app.ts': 'export const app = 1;\n', 'docs/old.md': 'old\n' },
  },
  {
    sha: sha(1),
    author: mona,
    changes: {
      'src/config/settings.ts': `export const settings = {\n  region: 'westeurope',\n  token: "${gitHubToken}",\n};\n`,
      'src/app.ts': 'export const app = 2;\n',
      'node_modules/left-pad/index.js': `module.exports = "${f.gitHubToken()}";\n`,
      'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d]),
      'docs/old.md': null,
    },
  },
  { sha: sha(2), author: hubot, changes: { 'src/feature/flags.ts': `// registry\n//registry.npmjs.org/:_authToken=${npmToken}\n` } },
]);

let github: GitHubApiServer;
let services: AppServices;
let clock: ManualClock;
let dataDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  github = await startGitHubApiServer({
    token: apiToken,
    extensions: [new GitHubRepositoryRoutes([{ fullName, defaultBranch: 'master', history }])],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-github-push-'));
  clock = new ManualClock();
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_GITHUB_API_URL: github.url, VIGIL_SECRET_GITHUB_CODERTOCAT: apiToken };
  services = await createAppServices(loadConfig(env), {
    clock,
    logger: createLogger({ level: 'debug', format: 'json', sink: { write: (line) => void logLines.push(line) } }),
    vault: createEnvironmentVault(env),
  });
  await services.stores.organizations.add(organization, { github: { tokenSecret } });
});

afterAll(async () => {
  await services?.close();
  await github?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The envelope the webhook makes of a push delivery: GitHub's example of a branch push, with this push's ref and commits. */
function pushEvent(deliveryId: string, push: { before: string; after: string; ref?: string }): EventEnvelope {
  const sample = (examples as Array<{ name: string; examples: Array<Record<string, unknown>> }>)
    .find((event) => event.name === 'push')!
    .examples.find((example) => example.ref === 'refs/heads/master')!;
  const payload = { ...structuredClone(sample), ref: push.ref ?? 'refs/heads/master', before: push.before, after: push.after };
  const delivery = githubSource.identify(
    { get: (name: string) => ({ 'x-github-delivery': deliveryId, 'x-github-event': 'push' })[name] ?? null },
    payload,
    Buffer.alloc(0),
  );
  return {
    id: delivery.id,
    source: 'github',
    type: delivery.type,
    ...githubSource.extractors.push(payload),
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
}

/** Handle one delivery on the repo-scan queue; return the outcome and the GitHub calls it made. */
async function deliver(envelope: EventEnvelope): Promise<{ outcome: QueueOutcome; calls: GitHubRecordedCall[] }> {
  const before = github.calls.length;
  clock.advance(60_000);
  const outcome = await handleQueueMessage(
    { functionName: 'scanRepository', queue: 'repo-scan', body: envelope, messageId: envelope.id, deliveryCount: 1 },
    services,
  );
  return { outcome, calls: github.calls.slice(before) };
}

async function scanned(envelope: EventEnvelope): Promise<GitHubRecordedCall[]> {
  const { outcome, calls } = await deliver(envelope);
  expect(outcome).toBe('completed');
  return calls;
}

const contentFetches = (calls: GitHubRecordedCall[]) =>
  calls
    .filter((c) => c.path.includes('/contents/'))
    .map((c) => `${decodeURIComponent(c.path.slice(c.path.indexOf('/contents/') + 10))}@${c.query.ref?.slice(0, 7)}`);

async function risks(): Promise<Risk[]> {
  return await services.stores.risks.list({ organization });
}

async function riskFor(path: string): Promise<Risk> {
  const found = (await risks()).filter((r) => r.evidence.location.startsWith(path));
  expect(found).toHaveLength(1);
  return found[0];
}

async function scanOf(after: string): Promise<RepositoryScanRecord> {
  const record = narrowed(await services.stores.scans.read(`push:github:codertocat:hello-world:${after}`, organization), 'kind', 'push');
  expect(record).toBeDefined();
  return record!;
}

describe('a GitHub push', () => {
  it('fetches only the files its commits added or modified, each at its own commit', async () => {
    history.branches.master = sha(2);
    const calls = await scanned(pushEvent('delivery-1', { before: sha(0), after: sha(2) }));
    expect(contentFetches(calls).sort()).toEqual(
      [
        `src/app.ts@${sha(1).slice(0, 7)}`,
        `src/config/settings.ts@${sha(1).slice(0, 7)}`,
        `src/feature/flags.ts@${sha(2).slice(0, 7)}`,
      ].sort(),
    );
    expect(calls.filter((c) => c.path.endsWith(`/compare/${sha(0)}...${sha(2)}`))).toHaveLength(1);
    expect(calls.every((c) => c.authorization === `token ${apiToken}`)).toBe(true);

    const record = await scanOf(sha(2));
    expect(record).toMatchObject({
      kind: 'push',
      repository: fullName,
      branch: 'refs/heads/master',
      commitId: sha(2),
      commitsScanned: 2,
      filesScanned: 3,
      findings: 2,
      risksOpened: 2,
    });
    expect(record.skipped).toMatchObject({
      excluded: { count: 1, examples: ['node_modules/left-pad/index.js'] },
      binary: { count: 1, examples: ['assets/logo.png'] },
      deleted: { count: 1, examples: ['docs/old.md'] },
    });
    expect(record.limit).toBeUndefined();
  });

  it('attributes each finding to the commit and the author that brought it, on the repository as its asset', async () => {
    const record = await scanOf(sha(2));
    expect(record.results.map((r) => ({ path: r.path, line: r.line, commitId: r.commitId, author: r.author?.name }))).toEqual([
      { path: 'src/config/settings.ts', line: 3, commitId: sha(1), author: 'Mona Lisa' },
      { path: 'src/feature/flags.ts', line: 2, commitId: sha(2), author: 'Hubot' },
    ]);
    expect(record.results[0].author).toEqual({ name: 'Mona Lisa', email: 'octocat@github.com', date: '2026-11-20T09:00:00Z' });
    const risk = await riskFor('src/config/settings.ts');
    expect(risk).toMatchObject({
      kind: 'leaked-secret',
      status: 'open',
      occurrences: 1,
      asset: { id: 'repository:github:codertocat:hello-world', name: fullName, type: 'repository' },
      evidence: {
        location: `src/config/settings.ts:3 @ ${sha(1).slice(0, 7)}`,
        url: `https://github.com/${fullName}/blob/${sha(1)}/src/config/settings.ts#L3`,
      },
    });
    expect(risk.evidence.redacted).not.toContain(gitHubToken);
  });

  it('counts a redelivered push once, and announces nothing new', async () => {
    const alertsBefore = await services.queue.counts('alerts');
    await scanned(pushEvent('delivery-1-again', { before: sha(0), after: sha(2) }));
    expect((await risks()).map((r) => r.occurrences)).toEqual([1, 1]);
    expect(await services.queue.counts('alerts')).toEqual(alertsBefore);
  });

  it('raises the occurrence count of a known secret pushed again, instead of opening a second risk', async () => {
    history.add({ sha: sha(3), author: mona, changes: { 'deploy/env.sh': `export GITHUB_TOKEN=${gitHubToken}\n` } });
    history.branches.master = sha(3);
    const calls = await scanned(pushEvent('delivery-3', { before: sha(2), after: sha(3) }));
    expect(contentFetches(calls)).toEqual([`deploy/env.sh@${sha(3).slice(0, 7)}`]);
    expect(await risks()).toHaveLength(2);
    expect(await riskFor('deploy/env.sh')).toMatchObject({
      occurrences: 2,
      evidence: { location: `deploy/env.sh:1 @ ${sha(3).slice(0, 7)}` },
    });
  });

  it('keeps a secret open after a later commit removes it, fetching nothing for the removal', async () => {
    history.add({ sha: sha(4), author: hubot, changes: { 'deploy/env.sh': null, 'src/config/settings.ts': null } });
    history.branches.master = sha(4);
    const calls = await scanned(pushEvent('delivery-4', { before: sha(3), after: sha(4) }));
    expect(contentFetches(calls)).toEqual([]);
    expect((await scanOf(sha(4))).skipped.deleted?.count).toBe(2);
    expect(
      (await risks()).map((r) => ({ status: r.status, occurrences: r.occurrences })).sort((a, b) => a.occurrences - b.occurrences),
    ).toEqual([
      { status: 'open', occurrences: 1 },
      { status: 'open', occurrences: 2 },
    ]);
  });

  it('scans a new branch for the commits it has beyond the default branch', async () => {
    history.add({ sha: sha(5), author: mona, changes: { 'infra/main.bicep': `param token string = '${laterToken}'\n` } });
    history.add({ sha: sha(6), author: hubot, changes: { 'infra/other.bicep': "param region string = 'westeurope'\n" } });
    history.branches.feature = sha(6);
    const calls = await scanned(pushEvent('delivery-6', { before: zeros, after: sha(6), ref: 'refs/heads/feature' }));
    expect(calls.filter((c) => c.path === `/repos/${fullName}`)).toHaveLength(1);
    expect(calls.filter((c) => c.path.endsWith(`/compare/master...${sha(6)}`))).toHaveLength(1);
    expect(contentFetches(calls).sort()).toEqual([`infra/main.bicep@${sha(5).slice(0, 7)}`, `infra/other.bicep@${sha(6).slice(0, 7)}`]);
    expect((await scanOf(sha(6))).results.map((r) => ({ path: r.path, author: r.author?.name }))).toEqual([
      { path: 'infra/main.bicep', author: 'Mona Lisa' },
    ]);
  });

  it('scans nothing for a deleted branch or a tag', async () => {
    for (const push of [
      { before: sha(6), after: zeros, ref: 'refs/heads/feature' },
      { before: zeros, after: sha(6), ref: 'refs/tags/v1.0.0' },
    ]) {
      const calls = await scanned(pushEvent(`delivery-${push.ref}-${push.after.slice(0, 4)}`, push));
      expect(calls).toEqual([]);
    }
  });

  it(`stops at ${maxFilesPerPush} fetched files and says how many changed files it left unread`, async () => {
    const changes: Record<string, string> = {};
    for (let i = 0; i < maxFilesPerPush + 5; i++) changes[`generated/module${String(i).padStart(3, '0')}.ts`] = `export const n = ${i};\n`;
    history.add({ sha: sha(7), author: mona, parent: sha(4), changes });
    history.branches.master = sha(7);
    const calls = await scanned(pushEvent('delivery-7', { before: sha(4), after: sha(7) }));
    expect(contentFetches(calls)).toHaveLength(maxFilesPerPush);
    expect(await scanOf(sha(7))).toMatchObject({
      filesScanned: maxFilesPerPush,
      limit: { maxFiles: maxFilesPerPush, filesNotScanned: 5 },
      skipped: { 'file-limit': { count: 5 } },
    });
  });

  it('is parked with a reason naming the organization and the token secret when GitHub refuses the token', async () => {
    github.injectFault({ path: '/compare/', status: 401, times: 1 });
    history.add({ sha: sha(8), author: mona, changes: { 'src/late.ts': `const t = "${f.gitHubToken()}";\n` } });
    const { outcome, calls } = await deliver(pushEvent('delivery-8', { before: sha(7), after: sha(8) }));
    expect(outcome).toBe('parked');
    expect(contentFetches(calls)).toEqual([]);
    const parked = (await services.stores.parked.query({ where: { queue: 'repo-scan' } })).items;
    expect(parked).toHaveLength(1);
    expect(parked[0].reason).toContain(`'${organization}'`);
    expect(parked[0].reason).toContain(`'${tokenSecret}'`);
    expect(parked[0].reason).toContain(`vigil secrets set ${tokenSecret}`);
  });

  it('is rescheduled at the time GitHub states when it is rate-limited', async () => {
    github.injectFault({ path: '/contents/', status: 429, retryAfterSeconds: 90, times: 1 });
    history.branches.master = sha(8);
    const { outcome } = await deliver(pushEvent('delivery-9', { before: sha(7), after: sha(8) }));
    expect(outcome).toBe('rescheduled');
    expect(await services.queue.counts('repo-scan')).toMatchObject({ scheduled: 1 });
  });

  it('never stores or logs a secret it found, nor the API token', async () => {
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
  });
});
