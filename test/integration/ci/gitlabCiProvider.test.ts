import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CiProvider } from '../../../shared/ci/providers/ciProvider';
import { createGitLabCiProvider } from '../../../shared/ci/providers/gitlabCiProvider';
import { GitLabAuthError } from '../../../shared/codeHosts/gitLabConnection';
import { loadConfig } from '../../../shared/config';
import { PermanentError, ThrottledError } from '../../../shared/errors';
import { createLogger } from '../../../shared/logging/logger';
import type { OrganizationSettings } from '../../../shared/organizations/organizationSettings';
import { GitLabPipelineRoutes, type LoopbackPipeline } from '../../support/gitlab/pipelineRoutes';
import { type GitLabApiServer, type LoopbackGitLabProject, startGitLabApiServer } from '../../support/gitlabApiServer';
import { LoopbackGitHistory } from '../../support/loopbackGitHistory';
import { ManualClock } from '../../support/manualClock';

/**
 * The gitlab-ci provider with the real gitbeaker over HTTP against the loopback GitLab: pipelines
 * listed newest first and paged, a pipeline re-read by id, its latest jobs paged, each trace
 * streamed, one job narrowed to, and GitLab's refusals turned into Vigil's errors (a rate limit
 * into ThrottledError with GitLab's delay, a refused token into an error naming the secret).
 */
const token = `glpat-${randomBytes(10).toString('hex')}`;
const tokenSecret = 'gitlab-contoso';
const projectPath = 'contoso/platform/api';
const history = new LoopbackGitHistory(
  [{ sha: 'a'.repeat(40), author: { name: 'D', email: 'd@example.com', date: '2026-11-20T09:00:00Z' }, parent: null, changes: {} }],
  { main: 'a'.repeat(40) },
);
const project: LoopbackGitLabProject = { id: 7, pathWithNamespace: projectPath, defaultBranch: 'main', history };

const servers: GitLabApiServer[] = [];
const providers: CiProvider[] = [];
afterEach(async () => {
  for (const provider of providers.splice(0)) await provider.close?.();
  for (const server of servers.splice(0)) await server.close();
});

function organization(): OrganizationSettings {
  return {
    id: 'contoso',
    organization: 'contoso',
    alertChannels: [],
    workItems: { workItemType: 'Issue', stateMapping: {} },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
}

async function setUp(pipelines: LoopbackPipeline[], options: { perPage?: number } = {}) {
  const routes = new GitLabPipelineRoutes({ projects: [project], pipelines });
  const server = await startGitLabApiServer({ token, projects: [project], extensions: [routes] });
  servers.push(server);
  const provider = createGitLabCiProvider(
    {
      organization: { ...organization(), gitlab: { url: server.url, tokenSecret } },
      vault: { getSecret: async (name) => (name === tokenSecret ? token : undefined) },
      clock: new ManualClock(),
      logger: createLogger({ sink: { write: () => undefined } }),
      config: loadConfig({ VIGIL_DATA_DIR: '.vigil-unused' }),
    },
    options,
  );
  providers.push(provider);
  return { server, routes, provider };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function text(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  let out = '';
  for await (const chunk of stream) out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
  return out;
}

const jobs = (n: number, first = 100) => Array.from({ length: n }, (_, i) => ({ id: first + i, name: `job-${i}`, trace: `log of ${i}\n` }));

describe('the gitlab-ci provider', () => {
  it('lists finished pipelines newest first, page by page, at most as many as asked', async () => {
    const { server, provider } = await setUp(
      [
        { projectId: 7, id: 10, jobs: [] },
        { projectId: 7, id: 11, status: 'running', jobs: [] },
        { projectId: 7, id: 12, status: 'failed', jobs: [] },
        { projectId: 7, id: 13, status: 'canceled', jobs: [] },
      ],
      { perPage: 2 },
    );
    const runs = await all(provider.listRuns({ repository: projectPath, status: 'completed' }));
    expect(runs.map((run) => [run.id, run.status, run.result])).toEqual([
      ['13', 'completed', 'canceled'],
      ['12', 'completed', 'failed'],
      ['10', 'completed', 'success'],
    ]);
    expect(server.calls.filter((c) => c.path.endsWith('/pipelines')).map((c) => c.query.page)).toEqual(['1', '2']);
    expect(await all(provider.listRuns({ repository: projectPath, top: 1 }))).toHaveLength(1);
  });

  it('re-reads a pipeline by id and names it for evidence and scan records', async () => {
    const { server, provider } = await setUp([{ projectId: 7, id: 31, iid: 3, ref: 'main', jobs: [] }]);
    const run = await provider.getRun({ id: '31', repository: projectPath });
    expect(run).toEqual({
      provider: 'gitlab-ci',
      id: '31',
      repository: projectPath,
      number: '31',
      label: 'pipeline #31',
      pipeline: { id: projectPath, name: 'Build pipeline' },
      asset: { id: `gitlab-ci:${projectPath}`, name: 'api / GitLab CI' },
      key: 'pipeline:31',
      webUrl: `${server.url}/${projectPath}/-/pipelines/31`,
      status: 'completed',
      result: 'success',
      branch: 'main',
      // The recorded pipeline's times, for the overview's pipeline durations.
      startedAt: '2022-09-21T01:05:14.197Z',
      finishedAt: '2022-09-21T01:05:50.175Z',
    });
  });

  it('streams the trace of every job that ran, across pages, and skips jobs that never started', async () => {
    const { routes, provider } = await setUp(
      [
        {
          projectId: 7,
          id: 40,
          jobs: [...jobs(5), { id: 200, name: 'deploy', status: 'manual' }, { id: 201, name: 'docs', status: 'skipped' }],
        },
      ],
      { perPage: 2 },
    );
    const run = await provider.getRun({ id: '40', repository: projectPath });
    const logs = await all(provider.streamLogs(run));
    expect(logs.map((log) => log.name)).toEqual([
      'job 104 (job-4)',
      'job 103 (job-3)',
      'job 102 (job-2)',
      'job 101 (job-1)',
      'job 100 (job-0)',
    ]);
    expect(routes.traceReads).toEqual([]);
    expect(await text(await logs[0].open())).toBe('log of 4\n');
    expect(routes.traceReads).toEqual([104]);
  });

  it('narrows a run to one job, and refuses a job of another pipeline', async () => {
    const { provider } = await setUp([
      { projectId: 7, id: 50, jobs: jobs(2, 500) },
      { projectId: 7, id: 51, jobs: jobs(1, 510) },
    ]);
    const run = await provider.getRun({ id: '50', repository: projectPath });
    expect((await all(provider.streamLogs(run, { logId: '501' }))).map((log) => log.id)).toEqual(['501']);
    await expect(all(provider.streamLogs(run, { logId: '510' }))).rejects.toThrow(
      new PermanentError(`job 510 is not part of pipeline 50 of ${projectPath}`),
    );
  });

  it('turns GitLab refusals into errors that say what to do, never naming the token', async () => {
    const { server, provider } = await setUp([{ projectId: 7, id: 60, jobs: [] }]);
    await expect(provider.getRun({ id: '61', repository: projectPath })).rejects.toThrow(
      /GitLab has no pipeline 61 of contoso\/platform\/api/,
    );
    server.injectFault({ path: '/pipelines/60', status: 429, retryAfterSeconds: 90, times: 1 });
    const throttled = await provider.getRun({ id: '60', repository: projectPath }).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect((throttled as ThrottledError).retryAfterMs).toBe(90_000);
    server.injectFault({ path: '/pipelines/60', status: 401, times: 1 });
    const refused = await provider.getRun({ id: '60', repository: projectPath }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GitLabAuthError);
    expect((refused as Error).message).toContain(`vigil secrets set ${tokenSecret}`);
    expect((refused as Error).message).not.toContain(token);
    await expect(provider.getRun({ id: '60', repository: 'not a project' })).rejects.toThrow(/names no GitLab project 'group\/name'/);
  });
});
