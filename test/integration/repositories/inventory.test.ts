import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import { type RepositoryAsset, repositoryAssetId } from '../../../shared/repositories/assets/asset';
import { refreshRiskScore } from '../../../shared/repositories/assets/refreshRiskScore';
import type { RepositoryAssetStore } from '../../../shared/repositories/assets/repositoryAssetStore';
import { type InventoryRecord, runInventory } from '../../../shared/repositories/inventory/inventoryOrganization';
import type { Stored } from '../../../shared/store/port';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type RepositoryCatalog, repositoryRoutes } from '../../support/azureDevOps/repositoryRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { ManualClock } from '../../support/manualClock';
import { runRoutedUseCase } from '../../support/routedUseCase';

/**
 * The repository inventory with the real Azure DevOps client over HTTP against the loopback
 * Azure DevOps (several projects, some repositories disabled or empty), the embedded store and
 * the embedded queue, on a manual clock.
 */
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const hour = 3_600_000;

let dataDir: string;
let devops: AzureDevOpsServer;
let catalog: RepositoryCatalog;
let services: AppServices;
let clock: ManualClock;
let assets: RepositoryAssetStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-inventory-'));
  catalog = repositoryRoutes(
    [
      {
        name: 'Payments',
        repositories: [
          { name: 'api' },
          { name: 'web', defaultBranch: 'refs/heads/develop', size: 52_000 },
          { name: 'legacy', isDisabled: true },
          { name: 'scratch', defaultBranch: null },
        ],
      },
      { name: 'Website', visibility: 'public', repositories: [{ name: 'site' }, { name: 'placeholder', size: 0 }, { name: 'tools' }] },
      { name: 'Empty Project', repositories: [] },
      { name: 'Archive', repositories: [{ name: 'old-ops', isDisabled: true }, { name: 'handbook' }] },
    ],
    { maxProjectsPage: 2 },
  );
  devops = await startAzureDevOpsServer({ organization: 'contoso', pat, extensions: [catalog] });
  clock = new ManualClock();
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_ADO_PAT_CONTOSO: pat };
  services = await createAppServices(loadConfig(env), {
    clock,
    vault: createEnvironmentVault(env),
    logger: createLogger({ level: 'error', sink: { write: () => undefined } }),
  });
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
  });
  assets = services.stores.repositories;
});

afterAll(async () => {
  await services?.close();
  await devops?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const idOf = (project: string, name: string) => repositoryAssetId(catalog.repositoryId(project, name));

async function storedAssets(): Promise<Map<string, Stored<RepositoryAsset>>> {
  return new Map((await assets.list({ organization: 'contoso' })).map((asset) => [asset.id, asset]));
}

/** Takes every message waiting on repo-scan off the queue (completing it) and returns its envelope. */
async function drainScanRequests(): Promise<EventEnvelope[]> {
  const taken: EventEnvelope[] = [];
  for (;;) {
    const batch = await services.queue.receive('repo-scan', { maxMessages: 100, lockDurationMs: 60_000 });
    if (batch.length === 0) return taken;
    for (const message of batch) {
      taken.push(message.body as EventEnvelope);
      await services.queue.complete(message);
    }
  }
}

async function inventory(): Promise<{ record: InventoryRecord; calls: number }> {
  const before = devops.calls.length;
  const record = await runInventory(services, 'contoso', { requestId: `test:${clock.now()}` });
  return { record, calls: devops.calls.length - before };
}

function repositoryEvent(type: string, project: string, repositoryId: string): EventEnvelope {
  return {
    id: `sub-1:${type}:${repositoryId}:${clock.now()}`,
    source: 'azure-devops',
    type,
    organization: 'contoso',
    project: catalog.projectId(project),
    subject: { repositoryId },
    receivedAt: new Date(clock.now()).toISOString(),
  };
}

async function onEvent(envelope: EventEnvelope): Promise<unknown> {
  return runRoutedUseCase('repo-scan', envelope, services);
}

describe('the repository inventory of an organization', () => {
  let first: InventoryRecord;
  let firstCalls: number;

  it('turns exactly the active repositories into assets', async () => {
    ({ record: first, calls: firstCalls } = await inventory());

    const stored = await storedAssets();
    expect([...stored.keys()].sort()).toEqual(
      [
        idOf('Payments', 'api'),
        idOf('Payments', 'web'),
        idOf('Website', 'site'),
        idOf('Website', 'tools'),
        idOf('Archive', 'handbook'),
      ].sort(),
    );
    expect([...stored.values()].every((asset) => asset.state === 'active')).toBe(true);
    expect(first).toMatchObject({
      id: 'inventory:contoso',
      kind: 'inventory',
      projects: 4,
      repositories: 9,
      active: 5,
      created: 5,
      updated: 0,
      deleted: 0,
    });
  });

  it('records each asset with its name, project, default branch, web URL, size, visibility and state', async () => {
    const web = (await assets.get('contoso', idOf('Payments', 'web')))!;
    expect(web).toMatchObject({
      id: idOf('Payments', 'web'),
      organization: 'contoso',
      type: 'repository',
      repositoryId: catalog.repositoryId('Payments', 'web'),
      name: 'web',
      project: 'Payments',
      projectId: catalog.projectId('Payments'),
      projectVisibility: 'private',
      defaultBranch: 'refs/heads/develop',
      webUrl: `${devops.url}/Payments/_git/web`,
      size: 52_000,
      state: 'active',
      firstSeenAt: new Date(clock.now()).toISOString(),
    });
    expect((await assets.get('contoso', idOf('Website', 'site')))!.projectVisibility).toBe('public');
  });

  it('skips disabled and empty repositories, with the reason, in the inventory record', async () => {
    expect(first.skipped).toEqual([
      {
        project: 'Archive',
        repository: 'old-ops',
        repositoryId: catalog.repositoryId('Archive', 'old-ops'),
        reason: 'disabled in Azure DevOps',
      },
      {
        project: 'Payments',
        repository: 'legacy',
        repositoryId: catalog.repositoryId('Payments', 'legacy'),
        reason: 'disabled in Azure DevOps',
      },
      {
        project: 'Payments',
        repository: 'scratch',
        repositoryId: catalog.repositoryId('Payments', 'scratch'),
        reason: 'empty: no default branch (nothing pushed yet)',
      },
      {
        project: 'Website',
        repository: 'placeholder',
        repositoryId: catalog.repositoryId('Website', 'placeholder'),
        reason: 'empty: size 0',
      },
    ]);
    expect(first.skippedTotal).toBe(4);
    const [stored] = (await services.stores.scans.query({ where: { organization: 'contoso', kind: 'inventory' } })).items;
    expect(stored).toMatchObject({ id: 'inventory:contoso', skippedTotal: 4, active: 5 });
  });

  it('lists with one request per page of projects and one for all repositories (at most projects + 2)', () => {
    expect(firstCalls).toBeLessThanOrEqual(4 + 2);
    expect(devops.callsTo('/_apis/projects')).toHaveLength(2); // 4 projects, 2 per page
    expect(devops.callsTo('/_apis/git/repositories')).toHaveLength(1);
    expect(first.apiCalls).toBe(firstCalls);
  });

  it('asks once for a full content scan of each new repository, on its default branch', async () => {
    const requests = await drainScanRequests();
    expect(requests.map((request) => request.id).sort()).toEqual(
      [
        `scan-requested:${catalog.repositoryId('Payments', 'api')}:refs/heads/main`,
        `scan-requested:${catalog.repositoryId('Payments', 'web')}:refs/heads/develop`,
        `scan-requested:${catalog.repositoryId('Website', 'site')}:refs/heads/main`,
        `scan-requested:${catalog.repositoryId('Website', 'tools')}:refs/heads/main`,
        `scan-requested:${catalog.repositoryId('Archive', 'handbook')}:refs/heads/main`,
      ].sort(),
    );
    expect(requests[0]).toMatchObject({
      source: 'vigil',
      type: 'repository.scan-requested',
      organization: 'contoso',
      subject: { reason: 'new' },
    });
    expect(first.scanRequests).toBe(5);
  });

  it('changes nothing when run again over the same repositories: no write, no scan request', async () => {
    const before = await storedAssets();
    clock.advance(2 * hour); // past the queue's duplicate window: a repeated request would show
    const { record } = await inventory();

    const after = await storedAssets();
    expect([...after.values()].map((asset) => [asset.id, asset._etag])).toEqual(
      [...before.values()].map((asset) => [asset.id, asset._etag]),
    );
    expect(record).toMatchObject({ created: 0, updated: 0, unchanged: 5, deleted: 0, scanRequests: 0 });
    expect(await drainScanRequests()).toEqual([]);
  });

  it('marks a repository that disappeared as deleted, and keeps it', async () => {
    const toolsId = idOf('Website', 'tools');
    catalog.removeRepository('Website', 'tools');
    clock.advance(hour);
    const { record } = await inventory();

    const tools = (await assets.get('contoso', toolsId))!;
    expect(tools).toMatchObject({ name: 'tools', state: 'deleted', deletedAt: new Date(clock.now()).toISOString() });
    expect(record).toMatchObject({ deleted: 1, active: 4, unchanged: 4 });

    const etag = tools._etag;
    clock.advance(hour);
    expect((await inventory()).record.deleted).toBe(0);
    expect((await assets.get('contoso', toolsId))!._etag).toBe(etag);
  });

  it('updates an asset whose repository was disabled or emptied, and keeps the reason on it', async () => {
    catalog.repository('Payments', 'api').isDisabled = true;
    clock.advance(hour);
    const { record } = await inventory();
    expect(await assets.get('contoso', idOf('Payments', 'api'))).toMatchObject({
      state: 'disabled',
      skipReason: 'disabled in Azure DevOps',
    });
    expect(record).toMatchObject({ updated: 1, active: 3 });
    expect(record.skipped.map((skipped) => skipped.repository)).toContain('api');
    catalog.repository('Payments', 'api').isDisabled = false;
  });

  it('asks for a new full scan when a default branch changes', async () => {
    await inventory(); // api enabled again: it was requested on refs/heads/main before, so the same id
    await drainScanRequests();
    catalog.repository('Archive', 'handbook').defaultBranch = 'refs/heads/trunk';
    clock.advance(hour);
    const { record } = await inventory();
    expect(record.scanRequests).toBe(1);
    const [request] = await drainScanRequests();
    expect(request).toMatchObject({
      id: `scan-requested:${catalog.repositoryId('Archive', 'handbook')}:refs/heads/trunk`,
      subject: { repositoryId: catalog.repositoryId('Archive', 'handbook'), reason: 'default-branch-changed' },
    });
    expect(await assets.get('contoso', idOf('Archive', 'handbook'))).toMatchObject({ defaultBranch: 'refs/heads/trunk', state: 'active' });
  });

  it('recomputes the risk score of an asset when its project becomes public', async () => {
    const web = idOf('Payments', 'web');
    await services.stores.risks.record({
      organization: 'contoso',
      kind: 'leaked-secret',
      ruleId: 'github-pat',
      title: 'GitHub personal access token',
      severity: 'critical',
      asset: { id: web, name: 'web', type: 'repository' },
      fingerprint: 'fp-1',
      verified: true,
      evidence: { location: 'src/config.ts:3', redacted: 'ghp_****************************3kT9' },
      remediation: 'Revoke the token.',
      sightingId: 'push:1:src/config.ts:3',
    });
    await refreshRiskScore(services, 'contoso', web);
    const privateScore = (await assets.get('contoso', web))!.riskScore!;
    expect(privateScore).toMatchObject({ score: 63, openRisks: 1 });

    catalog.projects.find((project) => project.name === 'Payments')!.visibility = 'public';
    clock.advance(hour);
    await inventory();
    const publicScore = (await assets.get('contoso', web))!.riskScore!;
    expect(publicScore.score).toBe(86);
    expect(publicScore.factors).toContainEqual({
      name: 'visibility',
      value: 2,
      why: 'the project is public: anyone can clone the repository',
    });
    catalog.projects.find((project) => project.name === 'Payments')!.visibility = 'private';
    await inventory();
  });
});

describe('repository events from Azure DevOps', () => {
  it('creates the asset of a created repository that already has content, and asks for its scan', async () => {
    catalog.projects.find((project) => project.name === 'Website')!.repositories!.push({ name: 'imported' });
    const repositoryId = catalog.repositoryId('Website', 'imported');
    await drainScanRequests();

    expect(await onEvent(repositoryEvent('git.repo.created', 'Website', repositoryId))).toMatchObject({
      change: 'created',
      scanRequested: 'new',
    });
    expect(await assets.get('contoso', repositoryAssetId(repositoryId))).toMatchObject({
      name: 'imported',
      project: 'Website',
      projectVisibility: 'public',
      state: 'active',
    });
    expect((await drainScanRequests()).map((request) => request.id)).toEqual([`scan-requested:${repositoryId}:refs/heads/main`]);
  });

  it('does not make an asset of a created repository that is still empty', async () => {
    catalog.projects.find((project) => project.name === 'Website')!.repositories!.push({ name: 'fresh', defaultBranch: null });
    const repositoryId = catalog.repositoryId('Website', 'fresh');
    expect(await onEvent(repositoryEvent('git.repo.created', 'Website', repositoryId))).toMatchObject({
      change: 'ignored',
      state: 'empty',
    });
    expect(await assets.get('contoso', repositoryAssetId(repositoryId))).toBeUndefined();
    expect(await drainScanRequests()).toEqual([]);
  });

  it('renames the asset of a renamed repository, re-fetched by id', async () => {
    const repositoryId = catalog.repositoryId('Payments', 'web');
    catalog.repository('Payments', 'web').name = 'storefront';
    expect(await onEvent(repositoryEvent('git.repo.renamed', 'Payments', repositoryId))).toMatchObject({ change: 'updated' });
    expect(await assets.get('contoso', repositoryAssetId(repositoryId))).toMatchObject({
      name: 'storefront',
      webUrl: `${devops.url}/Payments/_git/storefront`,
    });
    expect(await drainScanRequests()).toEqual([]);
  });

  it('follows a repository being disabled and enabled', async () => {
    const repositoryId = catalog.repositoryId('Archive', 'handbook');
    catalog.repository('Archive', 'handbook').isDisabled = true;
    expect(await onEvent(repositoryEvent('git.repo.statuschanged', 'Archive', repositoryId))).toMatchObject({
      change: 'updated',
      state: 'disabled',
    });
    catalog.repository('Archive', 'handbook').isDisabled = false;
    expect(await onEvent(repositoryEvent('git.repo.statuschanged', 'Archive', repositoryId))).toMatchObject({
      change: 'updated',
      state: 'active',
    });
    expect(await assets.get('contoso', repositoryAssetId(repositoryId))).not.toHaveProperty('skipReason');
  });

  it('marks a deleted repository deleted only once Azure DevOps no longer has it', async () => {
    const repositoryId = catalog.repositoryId('Archive', 'handbook');
    expect(await onEvent(repositoryEvent('git.repo.deleted', 'Archive', repositoryId))).toMatchObject({
      change: 'unchanged',
      state: 'active',
    });

    catalog.removeRepository('Archive', 'handbook');
    expect(await onEvent(repositoryEvent('git.repo.deleted', 'Archive', repositoryId))).toMatchObject({ change: 'deleted' });
    expect(await assets.get('contoso', repositoryAssetId(repositoryId))).toMatchObject({
      state: 'deleted',
      deletedAt: new Date(clock.now()).toISOString(),
    });
  });
});
