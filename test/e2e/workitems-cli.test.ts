import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../shared/app/services';
import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logging/logger';
import { createEnvironmentVault } from '../../shared/vault/environmentVault';
import { connectionDataRoutes, person } from '../support/azureDevOps/identities';
import { WorkItemRoutes } from '../support/azureDevOps/workItemRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { runCompiledCli } from '../support/compiledCli';
import { leakedTokenSighting } from '../support/riskSightings';
import { pat, vigil as vigilIdentity } from '../support/workItemHarness';

/**
 * `vigil risks show|resolve|accept|false-positive|reopen` and `vigil workitems
 * list|link|unlink|relink|reconcile|retry` as users run them (the compiled CLI in a process of its
 * own), against a loopback Azure Boards; `vigil status` and `vigil orgs show` name a failing sync.
 */
const dana = person('Dana Reviewer');
let env: NodeJS.ProcessEnv;
let dataDir: string;
let devops: AzureDevOpsServer;
let boards: WorkItemRoutes;
let services: AppServices;
const riskIds: string[] = [];

const vigil = (...args: string[]) => runCompiledCli(env, ...args);

const json = async <T>(...args: string[]): Promise<T> => {
  const run = await vigil(...args);
  if (run.code !== 0) throw new Error(`vigil ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
};

beforeAll(async () => {
  boards = new WorkItemRoutes({ projects: [{ name: 'Web', process: 'Agile' }], identity: vigilIdentity });
  devops = await startAzureDevOpsServer({
    organization: 'contoso',
    pat,
    projects: [{ name: 'Web' }],
    extensions: [connectionDataRoutes(vigilIdentity), boards],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-workitems-cli-'));
  env = { PATH: process.env.PATH, VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_ADO_PAT_CONTOSO: pat };
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
    '--work-items',
    '--type',
    'Bug',
  );
  expect(added.code).toBe(0);
  // Risks as a scan records them, through the same data folder the CLI uses.
  services = await createAppServices(loadConfig(env), {
    vault: createEnvironmentVault(env),
    logger: createLogger({ level: 'error', sink: { write: () => undefined } }),
  });
  for (const n of [1, 2, 3])
    riskIds.push((await services.stores.risks.record({ ...leakedTokenSighting(`s${n}`, `fp-${n}`), project: 'Web' })).risk.id);
});

afterAll(async () => {
  await services?.close();
  await devops?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('vigil workitems and vigil risks', () => {
  it('reconciles: a dry run says what it would file, the run files one work item per open risk', async () => {
    const dry = await json<{ reports: Array<{ created: number; dryRun: boolean }> }>(
      'workitems',
      'reconcile',
      '--org',
      'contoso',
      '--dry-run',
      '--json',
    );
    expect(dry.reports).toEqual([expect.objectContaining({ dryRun: true, created: 3 })]);
    expect(boards.workItems()).toHaveLength(0);
    const run = await vigil('workitems', 'reconcile');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^contoso: 0 link\(s\), 0 checked, .* 3 created, /);
    expect(boards.workItems()).toHaveLength(3);
  });

  it('lists the links and shows a risk with its work item', async () => {
    const { links } = await json<{ links: Array<{ risk: string; workItemId: number; status: string; state: string }> }>(
      'workitems',
      'list',
      '--org',
      'contoso',
      '--json',
    );
    expect(links).toHaveLength(3);
    expect(links.every((l) => l.status === 'linked' && l.state === 'New')).toBe(true);
    const shown = await json<{ risk: { id: string; status: string }; workItem: { id: number } }>(
      'risks',
      'show',
      riskIds[0].slice(0, 10),
      '--json',
    );
    expect(shown.risk).toMatchObject({ id: riskIds[0], status: 'open' });
    expect(shown.workItem.id).toBe(links.find((l) => l.risk === riskIds[0])?.workItemId);
    expect((await vigil('risks', 'show', riskIds[0])).stdout).toMatch(/work item {5}#\d+ New \(linked\)/);
  });

  it('resolves, accepts, marks a false positive and reopens risks, keeping who and why', async () => {
    expect((await vigil('risks', 'resolve', riskIds[0], '--reason', 'token revoked', '--by', 'Lee')).stdout).toBe(
      `risk ${riskIds[0]} is now resolved\n`,
    );
    expect(
      (await vigil('risks', 'accept', riskIds[1], '--reason', 'internal mirror only', '--until', '2099-01-31', '--by', 'Lee')).stdout,
    ).toBe(`risk ${riskIds[1]} is now accepted until 2099-01-31\n`);
    expect((await vigil('risks', 'false-positive', riskIds[2], '--reason', 'test fixture', '--by', 'Lee')).code).toBe(0);
    expect((await vigil('risks', 'resolve', riskIds[0], '--reason', 'again')).stdout).toBe('unchanged: the risk is already resolved\n');
    const shown = await json<{ risk: { triage: { status: string; by: string; reason: string; source: string } } }>(
      'risks',
      'show',
      riskIds[0],
      '--json',
    );
    expect(shown.risk.triage).toMatchObject({ status: 'resolved', by: 'Lee', reason: 'token revoked', source: 'cli' });
    // Without a running host nothing took the announcements off the queue: the reconciliation brings the work items along.
    const { reports } = await json<{ reports: Array<{ pushed: number }> }>('workitems', 'reconcile', '--json');
    expect(reports[0].pushed).toBe(3);
    expect(
      boards
        .workItems()
        .map((w) => w.state)
        .sort(),
    ).toEqual(['Closed', 'Closed', 'Resolved']);
    expect((await vigil('risks', 'reopen', riskIds[0])).stdout).toBe(`risk ${riskIds[0]} is now open\n`);
    expect((await vigil('risks', 'list', '--status', 'accepted', '--json')).stdout).toContain(riskIds[1]);
  });

  it('unlinks a risk, and relinks it to the work item carrying its marker', async () => {
    const before = (await json<{ links: Array<{ risk: string; workItemId: number }> }>('workitems', 'list', '--json')).links.find(
      (l) => l.risk === riskIds[0],
    )!;
    expect((await vigil('workitems', 'unlink', riskIds[0])).stdout).toBe(
      `risk ${riskIds[0]} unlinked from work item #${before.workItemId}\n`,
    );
    expect(
      (await json<{ links: Array<{ risk: string; status: string }> }>('workitems', 'list', '--json')).links.find(
        (l) => l.risk === riskIds[0],
      )?.status,
    ).toBe('unlinked');
    const relinked = await vigil('workitems', 'relink', riskIds[0]);
    expect(relinked.stdout).toBe(`risk ${riskIds[0]}: recovered (work item #${before.workItemId})\n`);
    expect(boards.workItems()).toHaveLength(3);
  });

  it("links a risk to a person's existing work item by hand, adding Vigil's tags beside theirs", async () => {
    const risk = (await services.stores.risks.record({ ...leakedTokenSighting('s4', 'fp-4'), project: 'Web' })).risk;
    const theirs = boards.seed({ project: 'Web', type: 'Bug', title: 'Rotate the CI token', tags: ['team-web'], by: dana });
    expect((await vigil('workitems', 'link', risk.id, String(theirs))).stdout).toBe(`risk ${risk.id} linked to work item #${theirs}\n`);
    expect(boards.workItem(theirs).tags).toEqual(expect.arrayContaining(['team-web', 'vigil', 'severity-high']));
    expect((await vigil('workitems', 'link', riskIds[2], String(theirs))).stderr).toMatch(/already/);
  });

  it('names a failing sync in vigil status and vigil orgs show, and clears it with vigil workitems retry', async () => {
    expect((await vigil('orgs', 'work-items', 'contoso', '--type', 'Risk')).stdout).toMatch(/^organization 'contoso': on, type Risk/);
    await services.stores.risks.record({ ...leakedTokenSighting('s5', 'fp-5'), project: 'Web' });
    const failed = await vigil('workitems', 'reconcile');
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/work item type 'Risk' does not exist there/);
    const status = await json<{ workItemSync: { failing: Array<{ organization: string; reason: string }> } }>('status', '--json');
    expect(status.workItemSync.failing).toEqual([
      expect.objectContaining({ organization: 'contoso', reason: expect.stringMatching(/VS402323/) }),
    ]);
    expect((await vigil('orgs', 'show', 'contoso')).stdout).toMatch(/work-item sync FAILING since .*VS402323/);
    expect((await vigil('workitems', 'retry', '--org', 'contoso')).stdout).toBe(
      'contoso: failing mark cleared, 0 parked message(s) replayed\n',
    );
    expect((await json<{ workItemSync: { failing: unknown[] } }>('status', '--json')).workItemSync.failing).toEqual([]);
  });
});
