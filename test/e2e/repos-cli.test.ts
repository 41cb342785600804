import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppServices, createAppServices } from '../../shared/app/services';
import { runCli } from '../../shared/cli/main';
import { loadConfig } from '../../shared/config';
import type { EventEnvelope } from '../../shared/events/envelope';
import { createLogger } from '../../shared/logging/logger';
import { repositoryAssetId } from '../../shared/repositories/assets/asset';
import { refreshRiskScore } from '../../shared/repositories/assets/refreshRiskScore';
import type { RiskSeverity } from '../../shared/risks/risk';
import { type RepositoryCatalog, repositoryRoutes } from '../support/azureDevOps/repositoryRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { appFunctions, startTestHost } from '../support/testHost';

/**
 * `vigil repos list|inventory`, run in process through the CLI's own entry point (runCli) over a
 * fresh data directory, against the loopback Azure DevOps.
 */
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const testEnv = { VIGIL_DATA_DIR: '', VIGIL_SECRET_ADO_PAT_CONTOSO: pat, VIGIL_LOG_LEVEL: 'error' };
const savedEnv = Object.fromEntries(Object.keys(testEnv).map((name) => [name, process.env[name]]));
let dataDir: string;
let devops: AzureDevOpsServer;
let catalog: RepositoryCatalog;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function vigil(...args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

/** The app's own services over the same data directory, for what the CLI does not do (record risks, read the queue). */
async function withAppServices<T>(work: (services: AppServices) => Promise<T>): Promise<T> {
  const services = await createAppServices(loadConfig(), { logger: createLogger({ level: 'error', sink: { write: () => undefined } }) });
  try {
    return await work(services);
  } finally {
    await services.close();
  }
}

async function recordRisk(services: AppServices, repository: string, severity: RiskSeverity, verified: boolean): Promise<void> {
  const [project, name] = repository.split('/');
  const assetId = repositoryAssetId(catalog.repositoryId(project, name));
  await services.stores.risks.record({
    organization: 'contoso',
    kind: 'leaked-secret',
    ruleId: verified ? 'github-pat' : 'generic-api-key',
    title: 'a secret in the code',
    severity,
    asset: { id: assetId, name, type: 'repository' },
    fingerprint: `fp-${repository}`,
    verified,
    evidence: { location: 'src/settings.ts:4', redacted: 'ghp_****************************3kT9' },
    remediation: 'Revoke it.',
    sightingId: `scan:${repository}:src/settings.ts:4`,
  });
  await refreshRiskScore(services, 'contoso', assetId);
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-repos-cli-'));
  catalog = repositoryRoutes([
    { name: 'Payments', repositories: [{ name: 'api' }, { name: 'web' }, { name: 'legacy', isDisabled: true }] },
    { name: 'Website', visibility: 'public', repositories: [{ name: 'site', defaultBranch: 'refs/heads/live' }] },
  ]);
  devops = await startAzureDevOpsServer({ organization: 'contoso', pat, extensions: [catalog] });
  // runCli reads its settings from process.env, as the installed command does.
  Object.assign(process.env, { ...testEnv, VIGIL_DATA_DIR: dataDir });
  const added = await vigil(
    'orgs',
    'add',
    'contoso',
    '--azure-devops-url',
    devops.url,
    '--auth',
    'pat',
    '--token-secret',
    'ado-pat-contoso',
  );
  expect(added.code).toBe(0);
});

afterAll(async () => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await devops?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('vigil repos', () => {
  it('takes an inventory in process with --now: progress on stderr, a summary naming what was skipped and why', async () => {
    const run = await vigil('repos', 'inventory', 'contoso', '--now');
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('contoso: 2 project(s)\ncontoso: 4 repositories\n');
    expect(run.stdout).toMatch(
      /^contoso: 4 repositories in 2 project\(s\): 3 active \(3 new, 0 changed, 0 unchanged\), 1 skipped, 0 marked deleted\n/,
    );
    expect(run.stdout).toMatch(/3 full content scan\(s\) requested; 2 Azure DevOps request\(s\) in \d+\.\ds\n/);
    expect(run.stdout).toContain('  skipped Payments/legacy: disabled in Azure DevOps\n');
  });

  it('lists the inventory as JSON, by name unless told otherwise', async () => {
    await withAppServices(async (services) => {
      await recordRisk(services, 'Website/site', 'critical', true);
      await recordRisk(services, 'Payments/api', 'low', false);
    });
    const run = await vigil('repos', 'list', '--json');
    expect(run.code).toBe(0);
    const { repositories } = JSON.parse(run.stdout) as { repositories: Array<Record<string, unknown>> };
    expect(repositories.map((r) => `${r.project}/${r.name}`)).toEqual(['Payments/api', 'Payments/web', 'Website/site']);
    expect(repositories[2]).toEqual({
      id: repositoryAssetId(catalog.repositoryId('Website', 'site')),
      type: 'repository',
      organization: 'contoso',
      project: 'Website',
      name: 'site',
      defaultBranch: 'refs/heads/live',
      state: 'active',
      skipReason: null,
      riskScore: 86,
      openRisks: 1,
      reasons: [
        expect.objectContaining({ name: 'critical github-pat', value: 60 }),
        expect.objectContaining({ name: 'visibility', value: 2 }),
        expect.objectContaining({ name: 'total', value: 120 }),
      ],
      webUrl: `${devops.url}/Website/_git/site`,
    });
    expect(repositories[1]).toMatchObject({ name: 'web', riskScore: null, openRisks: 0 });
  });

  it('sorts riskiest first with --sort risk, in JSON and in text', async () => {
    const json = JSON.parse((await vigil('repos', 'list', '--sort', 'risk', '--json')).stdout) as {
      repositories: Array<{ name: string; riskScore: number | null }>;
    };
    expect(json.repositories.map((r) => [r.name, r.riskScore])).toEqual([
      ['site', 86],
      ['api', 2],
      ['web', null],
    ]);

    const text = await vigil('repos', 'list', '--sort', 'risk', '--org', 'Contoso');
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('score  state     open  repository');
    expect(lines[1]).toMatch(/^ {3}86 {2}active {7}1 {2}contoso\/Website\/site {2}live {2}repository:/);
    expect(lines[3]).toMatch(/^ {4}- {2}active {7}0 {2}contoso\/Payments\/web {2}main {2}repository:/);
  });

  it('explains a score through the risks of the asset', async () => {
    const assetId = repositoryAssetId(catalog.repositoryId('Website', 'site'));
    const { risks } = JSON.parse((await vigil('risks', 'list', '--asset', assetId, '--json')).stdout) as {
      risks: Array<{ severity: string; ruleId: string }>;
    };
    expect(risks).toEqual([expect.objectContaining({ severity: 'critical', ruleId: 'github-pat' })]);
  });

  it('filters by state, and says so when nothing matches', async () => {
    const run = await vigil('repos', 'list', '--state', 'deleted');
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toContain('no repositories');
  });

  it('queues an inventory for the host by default, saying who will take it', async () => {
    const run = await vigil('repos', 'inventory', 'contoso');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^inventory of 'contoso' requested \(inventory:contoso:cli:[^)]+\)\.\n/);
    expect(run.stdout).toContain('with none running, the next start does');
    const queued = await withAppServices(async (services) => {
      // Taken off the queue: the host started below must not run this request beside its own.
      const messages = await services.queue.receive('repo-scan', { maxMessages: 50, lockDurationMs: 1000 });
      for (const message of messages) await services.queue.complete(message);
      return messages.map((message) => message.body as EventEnvelope);
    });
    expect(queued.filter((envelope) => envelope.type === 'inventory.requested')).toEqual([
      expect.objectContaining({ source: 'vigil', organization: 'contoso', id: expect.stringMatching(/^inventory:contoso:cli:/) }),
    ]);
  });

  it('waits with --wait until a running host has taken the inventory', async () => {
    catalog.removeRepository('Payments', 'web');
    const host = await startTestHost({
      dataDir,
      env: { VIGIL_SECRET_ADO_PAT_CONTOSO: pat },
      functions: (await appFunctions()).filter((definition) => definition.name === 'scanRepository'),
    });
    try {
      const run = await vigil('repos', 'inventory', 'contoso', '--wait', '--timeout', '30', '--json');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        organization: 'contoso',
        kind: 'inventory',
        active: 2,
        deleted: 1,
        requestId: expect.stringMatching(/^inventory:contoso:cli:/),
      });
    } finally {
      await host.dispose();
    }
    const deleted = JSON.parse((await vigil('repos', 'list', '--state', 'deleted', '--json')).stdout) as {
      repositories: Array<{ name: string }>;
    };
    expect(deleted.repositories.map((r) => r.name)).toEqual(['web']);
  });

  it.each([
    [['repos', 'inventory', 'northwind'], /no organization 'northwind'/],
    [['repos', 'list', '--sort', 'size'], /Allowed choices are risk, name/],
    [['repos', 'list', '--state', 'gone'], /Allowed choices are active, disabled, empty, deleted/],
    [['repos', 'inventory', 'contoso', '--now', '--wait'], /choose one/],
  ])('refuses %j with exit 2 and one line', async (args, message) => {
    const run = await vigil(...args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('has help that names its subcommands', async () => {
    const run = await vigil('repos', '--help');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/list \[options\]/);
    expect(run.stdout).toMatch(/inventory \[options\] <org>/);
  });
});
