import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createAzurePipelinesProvider } from '../../../shared/ci/providers/azurePipelinesProvider';
import type { CiProvider } from '../../../shared/ci/providers/ciProvider';
import { loadConfig } from '../../../shared/config';
import { PermanentError } from '../../../shared/errors';
import { createLogger } from '../../../shared/logging/logger';
import type { OrganizationSettings } from '../../../shared/organizations/organizationSettings';
import { buildListRoutes } from '../../support/azureDevOps/buildListRoutes';
import { type AzureDevOpsServer, type LoopbackBuild, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { ManualClock } from '../../support/manualClock';

/**
 * The azure-pipelines provider over Vigil's Azure DevOps client (the real azure-devops-node-api)
 * against the loopback Azure DevOps: builds listed across continuation pages, one build re-read
 * as a CiRun, and its logs handed out one at a time, each downloaded only when opened.
 */
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const project = 'Fabrikam-Fiber-Git';

const servers: AzureDevOpsServer[] = [];
const providers: CiProvider[] = [];
afterEach(async () => {
  for (const provider of providers.splice(0)) await provider.close?.();
  for (const server of servers.splice(0)) await server.close();
});

async function setUp(builds: LoopbackBuild[], maxPage?: number): Promise<{ ado: AzureDevOpsServer; provider: CiProvider }> {
  const ado = await startAzureDevOpsServer({ organization: 'contoso', pat, builds, extensions: [buildListRoutes(builds, { maxPage })] });
  servers.push(ado);
  const organization: OrganizationSettings = {
    id: 'contoso',
    organization: 'contoso',
    azureDevOps: { url: ado.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
    alertChannels: [],
    workItems: { workItemType: 'Issue', stateMapping: {} },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
  const provider = createAzurePipelinesProvider({
    organization,
    vault: { getSecret: async (name) => (name === 'ado-pat-contoso' ? pat : undefined) },
    clock: new ManualClock(),
    logger: createLogger({ sink: { write: () => undefined } }),
    config: loadConfig({ VIGIL_DATA_DIR: '.vigil-unused' }),
  });
  providers.push(provider);
  return { ado, provider };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('the azure-pipelines provider against a loopback Azure DevOps', () => {
  it('lists finished builds newest first across continuation pages, passing each token back', async () => {
    const builds = [101, 102, 103, 104, 105].map((id) => ({ id, project, logs: [] }));
    const { ado, provider } = await setUp(builds, 2);

    const runs = await all(provider.listRuns({ project, status: 'completed' }));
    expect(runs.map((run) => run.id)).toEqual(['105', '104', '103', '102', '101']);
    expect(runs.every((run) => run.status === 'completed' && run.result === 'succeeded')).toBe(true);
    const pages = ado.callsTo(`/${project}/_apis/build/builds`, 'GET');
    expect(pages).toHaveLength(3);
    expect(pages.map((c) => c.query.continuationToken)).toEqual([
      undefined,
      '2025-01-01T00:00:00.0000002Z',
      '2025-01-01T00:00:00.0000004Z',
    ]);
    expect(pages.every((c) => c.query.statusFilter === 'completed')).toBe(true);
  });

  it('stops listing at top without asking for more pages', async () => {
    const builds = [201, 202, 203, 204, 205].map((id) => ({ id, project, logs: [] }));
    const { ado, provider } = await setUp(builds, 2);
    const runs = await all(provider.listRuns({ project, top: 3 }));
    expect(runs.map((run) => run.id)).toEqual(['205', '204', '203']);
    // Three are asked for; the server's page holds two, so the second request asks for the one still missing.
    expect(ado.callsTo(`/${project}/_apis/build/builds`, 'GET').map((c) => c.query.$top)).toEqual(['3', '1']);
  });

  it('reads one build as a run: number, definition, pipeline asset, web address and outcome', async () => {
    const { provider } = await setUp([{ id: 391, project, result: 'partiallySucceeded', logs: [] }]);
    const run = await provider.getRun({ id: '391', project });
    expect(run).toMatchObject({
      provider: 'azure-pipelines',
      id: '391',
      project,
      number: '2025.391',
      label: 'build 2025.391',
      key: 'build:391',
      status: 'completed',
      result: 'partiallySucceeded',
    });
    expect(run.pipeline.id).toMatch(/^\d+$/);
    expect(run.asset).toEqual({ id: `pipeline:${project}:${run.pipeline.id}`, name: run.pipeline.name });
    expect(run.webUrl).toMatch(/^https?:\/\//);
  });

  it('hands out the logs one at a time and downloads each only when it is opened', async () => {
    const { ado, provider } = await setUp([
      {
        id: 7,
        project,
        logs: [
          { id: 1, sizeBytes: 300_000 },
          { id: 2, content: 'hello\n' },
        ],
      },
    ]);
    const run = await provider.getRun({ id: '7', project });
    const logs = await all(provider.streamLogs(run));
    expect(logs.map((log) => [log.id, log.name])).toEqual([
      ['1', 'log 1'],
      ['2', 'log 2'],
    ]);
    expect(logs[0].url).toBe(run.webUrl);
    expect(ado.callsTo('/builds/7/logs/')).toHaveLength(0);

    let bytes = 0;
    for await (const chunk of await logs[0].open()) bytes += (chunk as Buffer).length;
    expect(bytes).toBe(300_000);
    expect(ado.callsTo('/builds/7/logs/').map((c) => c.path)).toEqual([`/contoso/${project}/_apis/build/builds/7/logs/1`]);

    const one = await all(provider.streamLogs(run, { logId: '2' }));
    expect(one.map((log) => log.id)).toEqual(['2']);
  });

  it('refuses a run reference without a project or with an id that is not a build id', async () => {
    const { provider } = await setUp([]);
    await expect(provider.getRun({ id: '7' })).rejects.toBeInstanceOf(PermanentError);
    await expect(provider.getRun({ id: 'abc', project })).rejects.toThrow(/not an Azure Pipelines build id/);
  });
});
