import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import { connectAzureDevOps } from '../../../shared/devops/azureDevOpsConnection';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import type { RepositoryAsset } from '../../../shared/repositories/assets/asset';
import type { RepositoryScanRecord } from '../../../shared/repositories/contentScan/repositoryScanRecord';
import { scanDefaultBranch } from '../../../shared/repositories/fullScan/fullContentScan';
import type { Risk } from '../../../shared/risks/risk';
import { narrowed } from '../../../shared/store/port';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type FixtureRepository, RepositoryContentRoutes } from '../../support/azureDevOps/repositoryContentRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { ManualClock } from '../../support/manualClock';
import { RepositoryArchive } from '../../support/repositoryArchive';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * A full content scan of a repository's default branch, through the repo-scan queue handler, with
 * the real azure-devops-node-api client against the loopback Azure DevOps serving the branch as a
 * zip built while it is sent. Archives are generated: nested source files with secrets planted at
 * known lines, and vendored folders, build output, lock files and binaries (some holding secrets)
 * that the scan must leave out and report.
 */
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const project = 'Fabrikam-Fiber-Git';
const repositoryId = '278d5cd2-584d-4b63-824a-2ba458937249';
const headCommit = 'be67f8871a4d2c75f13a51c1d3c30ac0d74d4ef4';

interface Environment {
  devops: AzureDevOpsServer;
  services: AppServices;
  routes: RepositoryContentRoutes;
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function environment(repositories: FixtureRepository[], env: Record<string, string> = {}): Promise<Environment> {
  const routes = new RepositoryContentRoutes(repositories);
  const devops = await startAzureDevOpsServer({ organization: 'contoso', pat, extensions: [routes] });
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-fullscan-'));
  const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir, ...env }), {
    clock: new ManualClock(),
    logger: createLogger({ sink: { write: () => undefined } }),
    vault: createEnvironmentVault({ VIGIL_SECRET_ADO_PAT_CONTOSO: pat }),
  });
  cleanups.push(async () => {
    await services.close();
    await devops.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
  });
  return { devops, services, routes };
}

function generatedRepository(archive: RepositoryArchive): FixtureRepository {
  // The history only provides the branch head; the zip served for it is the generated archive.
  return {
    id: repositoryId,
    name: 'Fabrikam-Fiber-Git',
    project,
    commits: [{ commitId: headCommit, changes: { '/README.md': '# readme\n' } }],
    archive: () => archive.zip(),
  };
}

function scanRequest(id = 'scan-requested:1'): EventEnvelope {
  return {
    id,
    source: 'vigil',
    type: 'repository.scan-requested',
    organization: 'contoso',
    project,
    subject: { repositoryId, reason: 'new' },
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
}

async function runScan(services: AppServices, envelope = scanRequest()): Promise<void> {
  const outcome = await handleQueueMessage(
    { functionName: 'scanRepository', queue: 'repo-scan', body: envelope, messageId: envelope.id, deliveryCount: 1 },
    services,
  );
  expect(outcome).toBe('completed');
}

async function scans(services: AppServices): Promise<RepositoryScanRecord[]> {
  return (await services.stores.scans.query({ where: { organization: 'contoso', kind: 'repository' } })).items.flatMap(
    (record) => narrowed(record, 'kind', 'repository') ?? [],
  );
}

async function risks(services: AppServices): Promise<Risk[]> {
  return await services.stores.risks.list({ organization: 'contoso' });
}

const at = (path: string, line: number) => `${path}:${line}`;

describe('a full scan of a repository', () => {
  it('finds every planted secret at its path and line, and nothing in vendored, generated, lock or binary files', async () => {
    const archive = new RepositoryArchive({ totalBytes: 3 * 1024 * 1024, seed: 11, secrets: 14, secretsInSkippedFiles: 8 });
    const { services } = await environment([generatedRepository(archive)]);
    await runScan(services);

    const [record] = await scans(services);
    expect(record).toMatchObject({
      kind: 'repository',
      repositoryId,
      repository: `${project}/Fabrikam-Fiber-Git`,
      commitId: headCommit,
      branch: 'refs/heads/main',
      reason: 'new',
    });
    expect(new Set(record.results.map((r) => at(r.path, r.line)))).toEqual(new Set(archive.planted.map((p) => at(p.path, p.line))));
    expect(record.findings).toBe(archive.planted.length);
    for (const skipped of archive.plantedInSkippedFiles) expect(record.results.map((r) => r.path)).not.toContain(skipped.path);

    const stored = await risks(services);
    expect(stored.length).toBe(new Set(archive.planted.map((p) => p.secret)).size);
    for (const risk of stored) {
      expect(risk).toMatchObject({
        kind: 'leaked-secret',
        status: 'open',
        asset: { id: `repository:${repositoryId}`, name: `${project}/Fabrikam-Fiber-Git`, type: 'repository' },
      });
      expect(risk.evidence.location).toMatch(/^src\/.+:\d+ @ be67f88$/);
      expect(risk.evidence.url).toMatch(
        /\/Fabrikam-Fiber-Git\/_git\/Fabrikam-Fiber-Git\?path=%2Fsrc%2F.+&version=GCbe67f8871a4d2c75f13a51c1d3c30ac0d74d4ef4&line=\d+/,
      );
    }
  });

  it('reports what it left out, by reason, with example paths', async () => {
    const archive = new RepositoryArchive({ totalBytes: 2 * 1024 * 1024, seed: 5 });
    const { services } = await environment([generatedRepository(archive)]);
    await runScan(services);

    const [record] = await scans(services);
    const expected = (kinds: string[]) => archive.files.filter((f) => kinds.includes(f.kind)).length;
    expect(record.skipped.excluded?.count).toBe(expected(['vendored', 'generated', 'lock']));
    expect(record.skipped.binary?.count).toBe(expected(['binary-by-name', 'binary-by-content']));
    expect(record.filesScanned).toBe(expected(['source']));
    expect(record.filesSkipped).toBe(record.skipped.excluded!.count + record.skipped.binary!.count);
    expect(record.skipped.excluded!.examples.length).toBe(5);
    for (const path of record.skipped.excluded!.examples)
      expect(path).toMatch(/node_modules\/|\/vendor\/|\/dist\/|\.min\.js$|package-lock\.json$|yarn\.lock$/);
    for (const path of record.skipped.binary!.examples) expect(path).toMatch(/^(assets|tools)\//);
  });

  it('reads a zip of nested folders with folder entries, streamed and sized entries, and key files that are binary', async () => {
    const f = new SecretFactory(3);
    const token = f.gitHubToken();
    const pem = f.privateKeyPem();
    const { services } = await environment([
      {
        id: repositoryId,
        name: 'Fabrikam-Fiber-Git',
        project,
        commits: [
          { commitId: 'a'.repeat(40), changes: { '/old/secrets.env': `TOKEN=${f.gitHubToken()}\n`, '/README.md': '# web\n' } },
          {
            commitId: headCommit,
            changes: {
              '/old/secrets.env': null,
              '/src/services/payments/internal/settings.ts': `export const settings = {\n  region: 'westeurope',\n  token: "${token}",\n};\n`,
              '/deploy/keys/server.key': `${pem.join('\n')}\n`,
              '/certs/client.p12': Buffer.concat([Buffer.from([0x30, 0x82, 0x0a, 0x00, 0x00]), Buffer.from(f.bytes(512))]),
              '/node_modules/left-pad/index.js': `module.exports = "${f.gitHubToken()}";\n`,
              '/docs/diagram.png': Buffer.from(f.bytes(256)),
            },
          },
        ],
      },
    ]);
    await runScan(services);
    const [record] = await scans(services);
    const found = record.results.map((r) => `${r.ruleId} ${at(r.path, r.line)}`);
    expect(found).toContainEqual(expect.stringMatching(/^github-\S+ src\/services\/payments\/internal\/settings\.ts:3$/));
    expect(found).toContainEqual(expect.stringMatching(/ deploy\/keys\/server\.key:1$/));
    expect(found).toContainEqual(expect.stringMatching(/ certs\/client\.p12:1$/));
    expect(found.some((line) => line.includes('old/secrets.env'))).toBe(false); // deleted before the head commit
    expect(record.skipped).toMatchObject({
      excluded: { count: 1, examples: ['node_modules/left-pad/index.js'] },
      binary: { count: 1, examples: ['docs/diagram.png'] },
    });
    expect(JSON.stringify(await risks(services))).not.toContain(token);
  });

  it('leaves out what VIGIL_REPO_SCAN_EXCLUDE adds, and reads a default exclusion it re-includes with !', async () => {
    const archive = new RepositoryArchive({ totalBytes: 2 * 1024 * 1024, seed: 23, secrets: 20, secretsInSkippedFiles: 20 });
    const { services } = await environment([generatedRepository(archive)], {
      VIGIL_REPO_SCAN_EXCLUDE: 'src/billing/\n!vendor/, # a comment',
    });
    await runScan(services);

    const [record] = await scans(services);
    const paths = new Set(record.results.map((r) => r.path));
    const billing = archive.planted.filter((p) => p.path.startsWith('src/billing/'));
    const vendored = archive.plantedInSkippedFiles.filter((p) => p.path.includes('/vendor/'));
    expect(billing.length).toBeGreaterThan(0);
    expect(vendored.length).toBeGreaterThan(0);
    for (const secret of billing) expect(paths).not.toContain(secret.path);
    for (const secret of vendored) expect(paths).toContain(secret.path);
    expect(record.skipped.excluded!.count).toBe(
      archive.files.filter(
        (f) => f.path.startsWith('src/billing/') || (['vendored', 'generated', 'lock'].includes(f.kind) && !f.path.includes('/vendor/')),
      ).length,
    );
  });

  it('records the scanned commit on the repository asset, and creates no asset that the inventory has not written', async () => {
    const archive = new RepositoryArchive({ totalBytes: 256 * 1024, seed: 2, secrets: 1, secretsInSkippedFiles: 0 });
    const { services } = await environment([generatedRepository(archive)]);
    const assets = services.stores.assets;

    await runScan(services, scanRequest('scan-requested:before-inventory'));
    expect(await assets.read(`repository:${repositoryId}`, 'contoso')).toBeUndefined();

    const asset: RepositoryAsset = {
      id: `repository:${repositoryId}`,
      organization: 'contoso',
      type: 'repository',
      repositoryId,
      name: 'Fabrikam-Fiber-Git',
      project,
      projectId: '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c',
      projectVisibility: 'private',
      defaultBranch: 'refs/heads/main',
      size: 1024,
      state: 'active',
      firstSeenAt: '2026-11-19T00:00:00.000Z',
      lastInventoriedAt: '2026-11-19T00:00:00.000Z',
    };
    await assets.create(asset);
    await runScan(services, scanRequest('scan-requested:after-inventory'));
    expect(await assets.read(asset.id, 'contoso')).toMatchObject({
      ...asset,
      lastFullScan: { branch: 'refs/heads/main', commitId: headCommit, scannedAt: '2026-11-20T10:00:00.000Z' },
    });

    // The same commit scanned again is the same sightings: no occurrence is counted twice.
    const [risk] = await risks(services);
    expect(risk.occurrences).toBe(1);
  });

  it('says why an empty or disabled repository is not scanned, and writes no scan document', async () => {
    const { services, routes } = await environment([{ id: repositoryId, name: 'empty', project, commits: [] }]);
    await runScan(services);
    routes.repositories.push({
      id: 'd1d1d1d1-0000-4000-8000-000000000001',
      name: 'frozen',
      project,
      isDisabled: true,
      commits: [{ commitId: headCommit, changes: { '/a.txt': 'a' } }],
    });
    await runScan(services, {
      ...scanRequest('scan-requested:disabled'),
      subject: { repositoryId: 'd1d1d1d1-0000-4000-8000-000000000001', reason: 'new' },
    });
    expect(await scans(services)).toEqual([]);
  });

  it('scans a 320 MB archive holding at most 256 KiB of any file at a time, with live memory growth far below the archive size', async () => {
    // Stored entries with data descriptors: the archive is as big on the wire as it is inflated, so buffering any of it would show.
    const archive = new RepositoryArchive({
      totalBytes: 320 * 1024 * 1024,
      seed: 41,
      secrets: 10,
      secretsInSkippedFiles: 4,
      compressionLevel: 0,
    });
    const { services, devops } = await environment([generatedRepository(archive)]);
    const client = await connectAzureDevOps(await services.stores.organizations.get('contoso'), {
      vault: services.vault,
    });
    cleanups.push(async () => client.close());
    // Measured from the first file on, when the compiled scanner and the connection exist.
    let baseline: number | undefined;
    let peak = 0;
    let nextSample = 0;
    const outcome = await scanDefaultBranch(client.git, services, {
      organization: 'contoso',
      project,
      repository: repositoryId,
      reason: 'on-demand',
      cause: scanRequest(),
      onProgress: (progress) => {
        if (progress.bytesScanned < nextSample) return;
        nextSample = progress.bytesScanned + 16 * 1024 * 1024;
        baseline ??= liveMemory();
        peak = Math.max(peak, liveMemory());
      },
    });
    if (outcome.status !== 'scanned') throw new Error(outcome.why);
    expect(outcome.record.bytesScanned).toBe(
      archive.files.filter((f) => f.kind === 'source').reduce((sum, f) => sum + (f.generatedBytes ?? 0), 0),
    );
    expect(new Set(outcome.record.results.map((r) => at(r.path, r.line)))).toEqual(new Set(archive.planted.map((p) => at(p.path, p.line))));
    // The largest file is 20 MB; a scan never holds more of it than the sniff window or one socket chunk.
    expect(outcome.peakHeldBytes).toBeLessThanOrEqual(256 * 1024);
    // What is in flight (socket, stream and generator buffers on both ends of the loopback) is a few MB whatever the archive's size.
    expect((peak - baseline!) / (1024 * 1024)).toBeLessThan(48);
    expect(devops.callsTo('/items', 'GET')).toHaveLength(1);
  }, 300_000);
});

const collectGarbage = ((): (() => void) => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Heap and buffers still referenced, after a full collection: what a scan holds, not what it has yet to free. */
function liveMemory(): number {
  collectGarbage();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
