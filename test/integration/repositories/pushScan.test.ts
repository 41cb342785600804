import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { azureDevOpsSource } from '../../../shared/events/sources/azureDevOps';
import { createLogger } from '../../../shared/logging/logger';
import type { RepositoryScanRecord } from '../../../shared/repositories/contentScan/repositoryScanRecord';
import { maxFilesPerPush } from '../../../shared/repositories/pushScan/scanPush';
import type { Risk } from '../../../shared/risks/risk';
import { narrowed } from '../../../shared/store/port';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type FixtureRepository, RepositoryContentRoutes } from '../../support/azureDevOps/repositoryContentRoutes';
import { type AzureDevOpsServer, type RecordedCall, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { ManualClock } from '../../support/manualClock';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * A `git.push` service hook, as Azure DevOps sends it (the recorded sample), through the repo-scan
 * queue handler: the push and its commits are re-fetched with the real azure-devops-node-api
 * client from the loopback Azure DevOps, only the blobs the commits added or edited are fetched,
 * and what they hold is recorded against the commit and its author. A secret pushed again is the
 * same risk seen again; a removed one stays open, because it is still in history.
 */
const sample = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'fixtures', 'azure-devops', 'service-hooks', 'git.push.json'), 'utf8'),
) as Record<string, unknown> & {
  resource: {
    pushId: number;
    repository: { id: string; name: string; project: { id: string; name: string } };
    commits: Array<{ commitId: string; author: { name: string; email: string; date: string } }>;
  };
};
const repositoryId = sample.resource.repository.id;
const organization = 'fabrikam-fiber-inc';
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const f = new SecretFactory(29);
const gitHubToken = f.gitHubToken();
const npmToken = f.npmToken();
const laterToken = f.gitLabToken();
const jamal = sample.resource.commits[0].author;
const chuck = { name: 'Chuck Reinhart', email: 'fabrikamfiber3@hotmail.com', date: '2024-02-25T19:05:00Z' };
const sha = (n: number) => n.toString(16).repeat(40).slice(0, 40);
const c1 = sample.resource.commits[0].commitId;

const repository: FixtureRepository = {
  id: repositoryId,
  name: sample.resource.repository.name,
  project: sample.resource.repository.project.name,
  projectId: sample.resource.repository.project.id,
  commits: [
    {
      commitId: sha(1),
      author: chuck,
      changes: { '/src/app.ts': 'export const app = 1;\n', '/README.md': '# Fabrikam\n', '/docs/old.md': 'old\n' },
    },
    {
      commitId: c1,
      author: jamal,
      comment: 'Fixed bug in web.config file',
      changes: {
        '/src/config/settings.ts': `export const settings = {\n  region: 'westeurope',\n  token: "${gitHubToken}",\n};\n`,
        '/src/app.ts': 'export const app = 2;\n',
        '/node_modules/left-pad/index.js': `module.exports = "${f.gitHubToken()}";\n`,
        '/assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x00, 0x0d]),
        '/docs/old.md': null,
      },
    },
    {
      commitId: sha(2),
      author: chuck,
      changes: { '/src/feature/flags.ts': `// registry\n//registry.npmjs.org/:_authToken=${npmToken}\n` },
    },
  ],
  pushes: [{ pushId: sample.resource.pushId, commits: [c1, sha(2)] }],
};

let devops: AzureDevOpsServer;
let routes: RepositoryContentRoutes;
let services: AppServices;
let dataDir: string;
let clock: ManualClock;

beforeAll(async () => {
  routes = new RepositoryContentRoutes([repository]);
  devops = await startAzureDevOpsServer({ organization, pat, extensions: [routes] });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-pushscan-'));
  clock = new ManualClock();
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), {
    clock,
    logger: createLogger({ sink: { write: () => undefined } }),
    vault: createEnvironmentVault({ VIGIL_SECRET_ADO_PAT: pat }),
  });
  await services.stores.organizations.add(organization, {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat' } },
  });
});

afterAll(async () => {
  await services?.close();
  await devops?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/**
 * The envelope the webhook makes of a push delivery: the recorded sample with this push's id, and
 * the organization's base URL that real deliveries carry in `resourceContainers` (the docs sample
 * leaves it out).
 */
function pushEvent(pushId: number, subscriptionId = 'subscription-1'): EventEnvelope {
  const payload = structuredClone(sample) as typeof sample & { resourceContainers: { account: { baseUrl?: string } } };
  Object.assign(payload, { subscriptionId, id: `delivery-${pushId}` });
  payload.resource.pushId = pushId;
  payload.resourceContainers.account.baseUrl = `https://dev.azure.com/${organization}/`;
  const delivery = azureDevOpsSource.identify({ get: () => null }, payload, Buffer.alloc(0));
  return {
    id: delivery.id,
    source: 'azure-devops',
    type: delivery.type,
    ...azureDevOpsSource.extractors['git.push'](payload),
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
}

/** Handle one push delivery; return the Azure DevOps calls it made. */
async function deliver(envelope: EventEnvelope): Promise<RecordedCall[]> {
  const before = devops.calls.length;
  clock.advance(60_000);
  const outcome = await handleQueueMessage(
    { functionName: 'scanRepository', queue: 'repo-scan', body: envelope, messageId: envelope.id, deliveryCount: 1 },
    services,
  );
  expect(outcome).toBe('completed');
  return devops.calls.slice(before);
}

const itemFetches = (calls: RecordedCall[]) =>
  calls.filter((c) => /\/items$/.test(c.path)).map((c) => `${c.query.path}@${c.query['versionDescriptor.version']?.slice(0, 7)}`);

async function risks(): Promise<Risk[]> {
  return await services.stores.risks.list({ organization });
}

async function riskFor(secretPath: string): Promise<Risk> {
  const found = (await risks()).filter((r) => r.evidence.location.startsWith(secretPath));
  expect(found).toHaveLength(1);
  return found[0];
}

async function scanOf(pushId: number): Promise<RepositoryScanRecord> {
  const record = narrowed(await services.stores.scans.read(`push:${repositoryId}:${pushId}`, organization), 'kind', 'push');
  expect(record).toBeDefined();
  return record!;
}

describe('a git.push', () => {
  it('fetches only the files its commits added or edited, each at its own commit', async () => {
    const calls = await deliver(pushEvent(sample.resource.pushId));
    expect(itemFetches(calls).sort()).toEqual(
      ['/src/app.ts@4444eee', '/src/config/settings.ts@4444eee', '/src/feature/flags.ts@2222222'].sort(),
    );
    expect(calls.filter((c) => c.path.endsWith('/changes'))).toHaveLength(2);
    expect(calls.some((c) => c.path.endsWith('/items') && c.query.$format === 'zip')).toBe(false);

    const record = await scanOf(sample.resource.pushId);
    expect(record).toMatchObject({
      kind: 'push',
      pushId: 14,
      commitsScanned: 2,
      filesScanned: 3,
      findings: 2,
      risksOpened: 2,
      branch: 'refs/heads/main',
      commitId: sha(2),
    });
    expect(record.skipped).toMatchObject({
      excluded: { count: 1, examples: ['node_modules/left-pad/index.js'] },
      binary: { count: 1, examples: ['assets/logo.png'] },
      deleted: { count: 1, examples: ['docs/old.md'] },
    });
    expect(record.limit).toBeUndefined();
  });

  it('attributes each finding to the commit and the author that brought it, oldest commit first', async () => {
    const record = await scanOf(sample.resource.pushId);
    expect(record.results.map((r) => ({ path: r.path, line: r.line, commitId: r.commitId, author: r.author?.name }))).toEqual([
      { path: 'src/config/settings.ts', line: 3, commitId: c1, author: 'Jamal Hartnett' },
      { path: 'src/feature/flags.ts', line: 2, commitId: sha(2), author: 'Chuck Reinhart' },
    ]);
    const risk = await riskFor('src/config/settings.ts');
    expect(risk).toMatchObject({
      kind: 'leaked-secret',
      status: 'open',
      occurrences: 1,
      asset: { id: `repository:${repositoryId}`, name: 'Fabrikam-Fiber-Git/Fabrikam-Fiber-Git', type: 'repository' },
      evidence: { location: 'src/config/settings.ts:3 @ 4444eee' },
    });
    expect(risk.evidence.url).toContain(`version=GC${c1}`);
    expect(risk.evidence.redacted).not.toContain(gitHubToken);
  });

  it('counts a redelivered push once, and announces nothing new', async () => {
    const alertsBefore = await services.queue.counts('alerts');
    await deliver(pushEvent(sample.resource.pushId, 'subscription-2')); // the same push from another subscription: a new delivery id
    expect((await risks()).map((r) => r.occurrences)).toEqual([1, 1]);
    expect(await services.queue.counts('alerts')).toEqual(alertsBefore);
  });

  it('raises the occurrence count of a known secret pushed again, instead of opening a second risk', async () => {
    repository.commits.push({ commitId: sha(3), author: jamal, changes: { '/deploy/env.sh': `export GITHUB_TOKEN=${gitHubToken}\n` } });
    repository.pushes!.push({ pushId: 15, commits: [sha(3)] });
    const calls = await deliver(pushEvent(15));
    expect(itemFetches(calls)).toEqual(['/deploy/env.sh@3333333']);
    expect(await risks()).toHaveLength(2);
    const risk = await riskFor('deploy/env.sh');
    expect(risk).toMatchObject({ occurrences: 2, evidence: { location: 'deploy/env.sh:1 @ 3333333' } });
  });

  it('keeps a secret open after a later commit deletes it, fetching nothing for the deletion', async () => {
    repository.commits.push({ commitId: sha(4), author: chuck, changes: { '/deploy/env.sh': null, '/src/config/settings.ts': null } });
    repository.pushes!.push({ pushId: 16, commits: [sha(4)] });
    const calls = await deliver(pushEvent(16));
    expect(itemFetches(calls)).toEqual([]);
    expect((await scanOf(16)).skipped.deleted?.count).toBe(2);
    expect(
      (await risks()).map((r) => ({ status: r.status, occurrences: r.occurrences })).sort((a, b) => a.occurrences - b.occurrences),
    ).toEqual([
      { status: 'open', occurrences: 1 },
      { status: 'open', occurrences: 2 },
    ]);
  });

  it('lists the commits of a push whose answer left them out, and fetches the author of a commit that has none', async () => {
    repository.commits.push({
      commitId: sha(5),
      author: chuck,
      changes: { '/infra/main.bicep': `param token string = '${laterToken}'\n` },
    });
    repository.commits.push({ commitId: sha(6), author: jamal, changes: { '/infra/other.bicep': "param region string = 'westeurope'\n" } });
    repository.pushes!.push({ pushId: 17, commits: [sha(5)], omitCommits: true }, { pushId: 18, commits: [sha(6)], omitAuthors: true });
    const listed = await deliver(pushEvent(17));
    expect(listed.filter((c) => c.path.endsWith('/commits') && c.query.pushId === '17')).toHaveLength(1);
    expect((await scanOf(17)).results.map((r) => ({ path: r.path, author: r.author?.name }))).toEqual([
      { path: 'infra/main.bicep', author: 'Chuck Reinhart' },
    ]);
    const fetched = await deliver(pushEvent(18));
    expect(fetched.filter((c) => c.path.endsWith(`/commits/${sha(6)}`))).toHaveLength(1);
    expect(itemFetches(fetched)).toEqual(['/infra/other.bicep@6666666']);
  });

  it(`stops at ${maxFilesPerPush} fetched files and says how many changed files it left unread`, async () => {
    const changes: Record<string, string> = {};
    for (let i = 0; i < maxFilesPerPush + 5; i++) changes[`/generated/module${String(i).padStart(3, '0')}.ts`] = `export const n = ${i};\n`;
    repository.commits.push({ commitId: sha(7), author: jamal, changes });
    repository.pushes!.push({ pushId: 19, commits: [sha(7)] });
    const calls = await deliver(pushEvent(19));
    expect(itemFetches(calls)).toHaveLength(maxFilesPerPush);
    expect(await scanOf(19)).toMatchObject({
      filesScanned: maxFilesPerPush,
      limit: { maxFiles: maxFilesPerPush, filesNotScanned: 5 },
      skipped: { 'file-limit': { count: 5 } },
    });
  });

  it('never stores the secrets themselves', async () => {
    const stored = JSON.stringify([await risks(), (await services.stores.scans.query({})).items]);
    for (const secret of [gitHubToken, npmToken, laterToken]) expect(stored).not.toContain(secret);
  });
});
