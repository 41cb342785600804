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
import type { LockedMessage } from '../../../shared/queue/port';
import { narrowed } from '../../../shared/store/port';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type FixtureRepository, RepositoryContentRoutes } from '../../support/azureDevOps/repositoryContentRoutes';
import { type AzureDevOpsServer, type RecordedCall, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { ManualClock } from '../../support/manualClock';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * `git.pullrequest.created` and `.updated` deliveries (the recorded samples) through the repo-scan
 * queue handler: the pull request, its iterations and the latest iteration's changes are
 * re-fetched from the loopback Azure DevOps, the changed files are scanned at the pull request's
 * source commit, findings on lines the pull request adds are told from those already in the file
 * (Azure DevOps `FileDiffs`), one `scans` record is written per source commit, and one
 * `scan.completed` per source commit goes to the pr-publish queue.
 */
const hook = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'azure-devops', 'service-hooks', name), 'utf8')) as Record<
    string,
    unknown
  > & {
    resource: {
      pullRequestId: number;
      repository: { id: string; name: string; project: { id: string; name: string } };
      lastMergeSourceCommit: { commitId: string };
      lastMergeTargetCommit: { commitId: string };
    };
    resourceContainers: { account: { baseUrl?: string } };
  };
const created = hook('git.pullrequest.created.json');
const organization = 'fabrikam';
const repositoryId = created.resource.repository.id;
const projectId = created.resource.repository.project.id;
const target = created.resource.lastMergeTargetCommit.commitId;
const source = created.resource.lastMergeSourceCommit.commitId;
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const f = new SecretFactory(31);
const token = f.gitHubToken();
const laterToken = f.npmToken();
const secondSource = 'c'.repeat(40);

const repository: FixtureRepository = {
  id: repositoryId,
  name: created.resource.repository.name,
  project: created.resource.repository.project.name,
  projectId,
  commits: [
    { commitId: target, changes: { '/README.md': '# Fabrikam\n', '/docs/old.md': 'old\n', '/src/app.ts': 'export const app = 1;\n' } },
    {
      commitId: source,
      changes: {
        '/src/feature/payments.ts': `import { client } from './client';\n\nexport function pay() {\n  // temporary\n  const token = "${token}";\n  return client(token);\n}\n`,
        '/README.md': '# Fabrikam\n\nPayments.\n',
        '/docs/old.md': null,
        '/vendor/github.com/acme/sdk/auth.go': `package sdk\nconst key = "${f.gitHubToken()}"\n`,
      },
    },
  ],
  pullRequests: [
    {
      pullRequestId: created.resource.pullRequestId,
      sourceRefName: 'refs/heads/mytopic',
      sourceCommit: source,
      targetCommit: target,
      iterations: 2,
    },
  ],
};

let devops: AzureDevOpsServer;
let services: AppServices;
let dataDir: string;
let clock: ManualClock;

beforeAll(async () => {
  devops = await startAzureDevOpsServer({ organization, pat, extensions: [new RepositoryContentRoutes([repository])] });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-prscan-'));
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

/** The envelope the webhook makes of a pull request delivery, with the base URL real deliveries carry. */
function pullRequestEvent(name: 'git.pullrequest.created.json' | 'git.pullrequest.updated.json', deliveryId: string): EventEnvelope {
  const payload = hook(name);
  Object.assign(payload, { subscriptionId: 'subscription-1', id: deliveryId });
  payload.resource.repository = created.resource.repository;
  payload.resource.pullRequestId = created.resource.pullRequestId;
  payload.resourceContainers.account.baseUrl = `https://dev.azure.com/${organization}/`;
  const delivery = azureDevOpsSource.identify({ get: () => null }, payload, Buffer.alloc(0));
  return {
    id: delivery.id,
    source: 'azure-devops',
    type: delivery.type,
    ...azureDevOpsSource.extractors[delivery.type](payload),
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
}

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

async function published(): Promise<LockedMessage[]> {
  const messages = await services.queue.receive('pr-publish', { maxMessages: 50, lockDurationMs: 60_000 });
  for (const message of messages) await services.queue.abandon(message, 'looked at by the test');
  return messages;
}

const itemFetches = (calls: RecordedCall[]) =>
  calls.filter((c) => /\/items$/.test(c.path)).map((c) => `${c.query.path}@${c.query['versionDescriptor.version']?.slice(0, 7)}`);

describe('a pull request created or updated', () => {
  it('has the files it changes scanned at its source commit, and nothing else fetched', async () => {
    const calls = await deliver(pullRequestEvent('git.pullrequest.created.json', 'delivery-created'));
    expect(itemFetches(calls).sort()).toEqual(['/README.md@4444eee', '/src/feature/payments.ts@4444eee']);
    expect(calls.filter((c) => /\/iterations\/2\/changes$/.test(c.path))).toHaveLength(1); // the latest iteration, against the merge base

    const record = narrowed(
      await services.stores.scans.read(`pull-request:${repositoryId}:1:${source}`, organization),
      'kind',
      'pull-request',
    );
    expect(record).toMatchObject({
      kind: 'pull-request',
      pullRequestId: 1,
      commitId: source,
      branch: 'refs/heads/mytopic',
      filesScanned: 2,
      findings: 1,
      risksOpened: 0,
    });
    expect(record!.results).toEqual([
      expect.objectContaining({
        path: 'src/feature/payments.ts',
        line: 5,
        commitId: source,
        ruleId: expect.stringMatching(/^github-/),
        riskId: expect.any(String),
      }),
    ]);
    expect(record!.results[0].url).toContain(`version=GC${source}`);
    expect(record!.skipped).toMatchObject({
      deleted: { count: 1, examples: ['docs/old.md'] },
      excluded: { count: 1, examples: ['vendor/github.com/acme/sdk/auth.go'] },
    });
  });

  it('emits one scan.completed with the pull request context for the publisher', async () => {
    const [message, ...others] = await published();
    expect(others).toEqual([]);
    expect(message.body).toMatchObject({
      id: `scan.completed:${repositoryId}:1:${source}`,
      source: 'vigil',
      type: 'scan.completed',
      organization,
      project: projectId,
      subject: {
        platform: 'azure-devops',
        pullRequestId: 1,
        repositoryId,
        commitId: source,
        findings: 1,
        introduced: 1,
        scanId: `pull-request:${repositoryId}:1:${source}`,
      },
    });
    expect(await services.stores.parked.count({})).toBe(0);
  });

  it('emits nothing more and keeps one scan record for an update at the same source commit, or for the same delivery again', async () => {
    await deliver(pullRequestEvent('git.pullrequest.updated.json', 'delivery-updated'));
    await handleQueueMessage(
      {
        functionName: 'scanRepository',
        queue: 'repo-scan',
        body: pullRequestEvent('git.pullrequest.updated.json', 'delivery-updated'),
        messageId: 'again',
        deliveryCount: 2,
      },
      services,
    );
    expect(await published()).toHaveLength(1);
    expect(await services.stores.scans.count({ kind: 'pull-request' })).toBe(1);
  });

  it('scans again and emits again when the source branch moves', async () => {
    repository.commits.push({
      commitId: secondSource,
      changes: {
        '/src/feature/payments.ts': `export function pay() {\n  return process.env.TOKEN;\n}\n`,
        '/.npmrc': `//registry.npmjs.org/:_authToken=${laterToken}\n`,
      },
    });
    repository.pullRequests![0].sourceCommit = secondSource;
    const calls = await deliver(pullRequestEvent('git.pullrequest.updated.json', 'delivery-updated-2'));
    expect(itemFetches(calls).sort()).toEqual(['/.npmrc@ccccccc', '/README.md@ccccccc', '/src/feature/payments.ts@ccccccc']);
    const messages = await published();
    expect(messages.map((m) => (m.body as EventEnvelope).subject.commitId)).toEqual([source, secondSource]);
    expect((messages[1].body as EventEnvelope).subject.findings).toBe(1);
    const records = (await services.stores.scans.query({ where: { kind: 'pull-request' } })).items.flatMap(
      (r) => narrowed(r, 'kind', 'pull-request') ?? [],
    );
    expect(records.map((r) => r.commitId).sort()).toEqual([source, secondSource].sort());
  });

  it('tells a secret the pull request adds from one already in the file it edits', async () => {
    // The third head edits payments.ts again: the npm token stays in .npmrc (added by the pull request),
    // and a secret already on the target branch's README is in a file the pull request edits but on a line it does not touch.
    const oldToken = f.gitHubToken();
    repository.commits.splice(1, 0, {
      commitId: 'b'.repeat(40),
      changes: {
        '/README.md': `# Fabrikam

ci: ${oldToken}
`,
      },
    });
    repository.pullRequests![0].targetCommit = 'b'.repeat(40);
    repository.commits.push({
      commitId: 'd'.repeat(40),
      changes: {
        '/README.md': `# Fabrikam

ci: ${oldToken}

Payments.
`,
      },
    });
    repository.pullRequests![0].sourceCommit = 'd'.repeat(40);
    await deliver(pullRequestEvent('git.pullrequest.updated.json', 'delivery-updated-3'));
    const record = narrowed(
      await services.stores.scans.read(`pull-request:${repositoryId}:1:${'d'.repeat(40)}`, organization),
      'kind',
      'pull-request',
    )!;
    expect(record.introduced).toBe(1);
    expect(record.results.map((r) => [r.path, r.line, r.introduced, r.onDiffLine])).toEqual([
      ['.npmrc', 1, true, true],
      ['README.md', 3, false, false],
    ]);
    expect(JSON.stringify(record)).not.toContain(oldToken);
    await published();
  });

  it('reports a secret in the name of a file the pull request adds, shows that name redacted, and places no thread on it', async () => {
    const nameToken = f.gitHubToken();
    const inside = f.gitHubToken();
    repository.commits.push({ commitId: 'e'.repeat(40), changes: { [`/exports/dump-${nameToken}.txt`]: `token=${inside}\n` } });
    repository.pullRequests![0].sourceCommit = 'e'.repeat(40);
    await deliver(pullRequestEvent('git.pullrequest.updated.json', 'delivery-updated-4'));
    const record = narrowed(
      await services.stores.scans.read(`pull-request:${repositoryId}:1:${'e'.repeat(40)}`, organization),
      'kind',
      'pull-request',
    )!;
    const inFile = record.results.filter((r) => r.path.startsWith('exports/'));
    expect(inFile.map((r) => [r.line, r.introduced, r.onDiffLine])).toEqual([
      [0, true, false],
      [1, true, false],
    ]);
    expect(inFile[0].path).toMatch(/^exports\/dump-ghp_\*+\w{4}\.txt$/);
    expect(JSON.stringify([record, await published()])).not.toContain(nameToken);
  });

  it('records no risks (the pushes that brought the commits do) and stores no secret', async () => {
    expect(await services.stores.risks.list({ organization })).toEqual([]);
    const stored = JSON.stringify((await services.stores.scans.query({})).items);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(laterToken);
  });

  it('does not scan a pull request that is no longer active', async () => {
    repository.pullRequests![0].status = 'abandoned';
    const calls = await deliver(pullRequestEvent('git.pullrequest.updated.json', 'delivery-abandoned'));
    expect(itemFetches(calls)).toEqual([]);
    expect(await published()).toHaveLength(4);
    expect(await services.stores.scans.count({ kind: 'pull-request' })).toBe(4);
  });
});
