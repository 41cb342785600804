import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { CiLog, CiProvider, CiRun } from '../../../shared/ci/providers/ciProvider';
import { GitHubAuthError } from '../../../shared/ci/providers/gitHubErrors';
import { createGitHubActionsProvider } from '../../../shared/ci/providers/githubActionsProvider';
import { loadConfig } from '../../../shared/config';
import { ConfigurationError, failureKindOf, PermanentError, ThrottledError } from '../../../shared/errors';
import { createLogger } from '../../../shared/logging/logger';
import type { OrganizationSettings } from '../../../shared/organizations/organizationSettings';
import { TokenNotFoundError } from '../../../shared/vault/errors';
import { type GitHubApiServer, type LoopbackWorkflowRun, startGitHubApiServer } from '../../support/githubApiServer';
import { ManualClock } from '../../support/manualClock';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * The github-actions provider with the real Octokit over HTTP against the loopback GitHub API:
 * runs re-read by id, jobs paged with Link headers, job logs followed through GitHub's redirect
 * and streamed, rate limits turned into ThrottledError with GitHub's delay, and a refused token
 * into an error that names the organization and the vault secret, never the token.
 */
const token = new SecretFactory(Number.parseInt(randomBytes(3).toString('hex'), 16)).gitHubToken();
const tokenSecret = 'github-token-octo-org';
const repository = 'octo-org/octo-repo';

const servers: GitHubApiServer[] = [];
const providers: CiProvider[] = [];
afterEach(async () => {
  for (const provider of providers.splice(0)) await provider.close?.();
  for (const server of servers.splice(0)) await server.close();
});

function organization(github: OrganizationSettings['github']): OrganizationSettings {
  return {
    id: 'octo-org',
    organization: 'octo-org',
    ...(github ? { github } : {}),
    alertChannels: [],
    workItems: { workItemType: 'Issue', stateMapping: {} },
    createdAt: '2026-01-01T00:00:00Z',
    updatedAt: '2026-01-01T00:00:00Z',
  };
}

function run(overrides: Partial<LoopbackWorkflowRun> = {}): LoopbackWorkflowRun {
  return {
    id: 1589141559,
    repository,
    workflowId: 16340987,
    workflowName: 'CI',
    runNumber: 36,
    jobs: [
      { id: 401, name: 'lint', content: 'lint ok\n' },
      { id: 402, name: 'build', sizeBytes: 2_000 },
    ],
    ...overrides,
  };
}

async function setUp(
  runs: LoopbackWorkflowRun[] = [run()],
  options: { perPage?: number; secrets?: Record<string, string>; github?: OrganizationSettings['github'] | null; clock?: ManualClock } = {},
): Promise<{ server: GitHubApiServer; provider: CiProvider }> {
  const server = await startGitHubApiServer({ token, runs });
  servers.push(server);
  const secrets = options.secrets ?? { [tokenSecret]: token };
  const provider = createGitHubActionsProvider(
    {
      organization: organization(options.github === null ? undefined : (options.github ?? { tokenSecret })),
      vault: { getSecret: async (name) => secrets[name] },
      clock: options.clock ?? new ManualClock(),
      logger: createLogger({ sink: { write: () => undefined } }),
      config: loadConfig({ VIGIL_DATA_DIR: '.vigil-unused' }),
    },
    { baseUrl: server.url, ...(options.perPage ? { perPage: options.perPage } : {}) },
  );
  providers.push(provider);
  return { server, provider };
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

async function readAll(log: CiLog): Promise<{ bytes: number; chunks: number; text: string }> {
  let bytes = 0;
  let chunks = 0;
  let text = '';
  for await (const chunk of await log.open()) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    chunks++;
    if (text.length < 200) text += buffer.toString('utf8', 0, Math.min(buffer.length, 200));
  }
  return { bytes, chunks, text };
}

describe('the github-actions provider against a loopback GitHub', () => {
  it('reads a workflow run by id: number, workflow, pipeline asset, web address and outcome', async () => {
    const { server, provider } = await setUp();
    const found = await provider.getRun({ id: '1589141559', repository });
    expect(found).toMatchObject<Partial<CiRun>>({
      provider: 'github-actions',
      id: '1589141559',
      repository,
      number: '36',
      label: 'run #36',
      pipeline: { id: '16340987', name: 'CI' },
      asset: { id: 'workflow:octo-org/octo-repo:16340987', name: 'octo-repo / CI' },
      key: 'run:1589141559',
      webUrl: 'https://github.com/octo-org/octo-repo/actions/runs/1589141559',
      status: 'completed',
      result: 'success',
    });
    expect(server.calls.map((c) => c.path)).toEqual(['/repos/octo-org/octo-repo/actions/runs/1589141559']);
    expect(server.calls[0].authorization).toMatch(new RegExp(`^(token|bearer) ${token}$`, 'i'));
  });

  it('lists the jobs of a run page by page, skips jobs that never ran, and downloads nothing until a log is opened', async () => {
    const jobs = [
      { id: 501, name: 'lint' },
      { id: 502, name: 'test (node 20)' },
      { id: 503, name: 'deploy', conclusion: 'skipped' as const },
      { id: 504, name: 'package' },
      { id: 505, name: 'publish' },
    ].map((job) => ({ ...job, sizeBytes: 100 }));
    const { server, provider } = await setUp([run({ jobs })], { perPage: 2 });
    const found = await provider.getRun({ id: '1589141559', repository });
    const logs = await all(provider.streamLogs(found));

    expect(logs.map((log) => log.id)).toEqual(['501', '502', '504', '505']);
    expect(logs[1]).toMatchObject({
      name: 'job 502 (test (node 20))',
      url: 'https://github.com/octo-org/octo-repo/actions/runs/1589141559/job/502',
    });
    const pages = server.callsTo('/actions/runs/1589141559/jobs');
    expect(pages.map((c) => c.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(pages.every((c) => c.query.per_page === '2' && c.query.filter === 'latest')).toBe(true);
    expect(server.callsTo('/logs')).toHaveLength(0);
  });

  it('streams a 20 MB job log in chunks from the storage address GitHub redirects to, without sending the token there', async () => {
    const size = 20 * 1024 * 1024;
    const { server, provider } = await setUp([run({ jobs: [{ id: 601, name: 'build', sizeBytes: size }] })]);
    const [log] = await all(provider.streamLogs(await provider.getRun({ id: '1589141559', repository })));

    const read = await readAll(log);
    expect(read.bytes).toBe(size);
    expect(read.chunks).toBeGreaterThan(20);
    expect(read.text).toMatch(/^2025-01-01T00:00:00\.0000000Z ##\[section\] step output line 0/);

    const [redirect] = server.callsTo('/actions/jobs/601/logs');
    expect(redirect).toMatchObject({ status: 302 });
    expect(redirect.authorization).toBeDefined();
    const [download] = server.callsTo('/_blob/job-logs/601');
    expect(download).toMatchObject({ status: 200 });
    expect(download.authorization).toBeUndefined();
  });

  it('narrows a run to one job for workflow_job events', async () => {
    const { server, provider } = await setUp();
    const found = await provider.getRun({ id: '1589141559', repository });
    const logs = await all(provider.streamLogs(found, { logId: '402' }));
    expect(logs.map((log) => log.name)).toEqual(['job 402 (build)']);
    expect((await readAll(logs[0])).bytes).toBe(2_000);
    expect(server.callsTo('/actions/runs/1589141559/jobs')).toHaveLength(0);
    expect(server.callsTo('/actions/jobs/402')).toHaveLength(2); // the job, then its log
  });

  it('refuses a job id that belongs to another run', async () => {
    const other = run({ id: 77, runNumber: 7, jobs: [{ id: 701, name: 'other', content: 'x\n' }] });
    const { provider } = await setUp([run(), other]);
    const found = await provider.getRun({ id: '1589141559', repository });
    const error = await rejection(all(provider.streamLogs(found, { logId: '701' })));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toMatch(/job 701 is not part of workflow run 1589141559/);
  });

  it('lists finished runs newest first across pages and stops at top', async () => {
    const runs = [10, 11, 12, 13, 14].map((id) => run({ id, runNumber: id, jobs: [] }));
    runs.push(run({ id: 15, runNumber: 15, status: 'in_progress', jobs: [] }));
    const { server, provider } = await setUp(runs, { perPage: 2 });

    const listed = await all(provider.listRuns({ repository, status: 'completed' }));
    expect(listed.map((r) => r.id)).toEqual(['14', '13', '12', '11', '10']);
    expect(listed.every((r) => r.status === 'completed')).toBe(true);
    expect(server.callsTo('/repos/octo-org/octo-repo/actions/runs').map((c) => c.query.page ?? '1')).toEqual(['1', '2', '3']);
    expect(server.calls.every((c) => c.query.status === 'completed')).toBe(true);

    server.calls.length = 0;
    const firstThree = await all(provider.listRuns({ repository, status: 'completed', top: 3 }));
    expect(firstThree.map((r) => r.id)).toEqual(['14', '13', '12']);
    expect(server.calls).toHaveLength(2);
  });

  it("turns a secondary rate limit (429 with retry-after) into a ThrottledError with GitHub's delay", async () => {
    const { server, provider } = await setUp();
    server.injectFault({ path: '/actions/runs/1589141559', status: 429, retryAfterSeconds: 90, times: 1 });
    const error = await rejection(provider.getRun({ id: '1589141559', repository }));
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(90_000);
    expect(failureKindOf(error)).toBe('throttled');
    expect(error.message).toMatch(/rate-limited .* retry after 90s/);
  });

  it('turns a spent hourly quota (403, remaining 0) into a ThrottledError lasting until the reset', async () => {
    const clock = new ManualClock();
    const { server, provider } = await setUp([run()], { clock });
    const reset = Math.floor(clock.now() / 1000) + 600;
    server.injectFault({ path: '/jobs', status: 403, rateLimitResetEpochSeconds: reset });
    const found = await provider.getRun({ id: '1589141559', repository });
    const error = await rejection(all(provider.streamLogs(found)));
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(reset * 1000 - clock.now() + 1000);
  });

  it('tells a 403 that is not a rate limit apart: a permanent refusal naming the secret and the permission', async () => {
    const { server, provider } = await setUp();
    server.injectFault({ path: '/actions/runs/', status: 403 });
    const error = await rejection(provider.getRun({ id: '1589141559', repository }));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain(`secret '${tokenSecret}'`);
    expect(error.message).toContain('Actions: read');
  });

  it('reports a refused token (401) as an auth error naming the organization and the token secret, never the token', async () => {
    const { server, provider } = await setUp();
    server.injectFault({ path: '/actions/runs/', status: 401 });
    const error = await rejection(provider.getRun({ id: '1589141559', repository }));
    expect(error).toBeInstanceOf(GitHubAuthError);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toMatch(/organization 'octo-org'/);
    expect(error.message).toContain(`secret '${tokenSecret}'`);
    expect(error.message).toContain(`vigil secrets set ${tokenSecret}`);
    expect(`${error.message}\n${error.stack}\n${JSON.stringify(error)}\n${String((error as { cause?: unknown }).cause)}`).not.toContain(
      token,
    );
  });

  it('never puts the token in any error it raises', async () => {
    const { server, provider } = await setUp();
    const errors: Error[] = [];
    for (const status of [401, 403, 429, 500] as const) {
      server.clearFaults();
      server.injectFault({ path: '/actions/', status, ...(status === 429 ? { retryAfterSeconds: 5 } : {}) });
      errors.push(await rejection(provider.getRun({ id: '1589141559', repository })));
    }
    server.clearFaults();
    errors.push(await rejection(provider.getRun({ id: '999', repository })));
    expect(errors.map((e) => e.constructor.name)).toEqual([
      'GitHubAuthError',
      'PermanentError',
      'ThrottledError',
      'TransientError',
      'PermanentError',
    ]);
    for (const error of errors) expect(`${error.message}\n${error.stack}\n${JSON.stringify(error)}`).not.toContain(token);
  });

  it('says how to add a token when the organization has none, and names a secret that is missing', async () => {
    const noGitHub = await setUp([run()], { github: null });
    const missing = await rejection(noGitHub.provider.getRun({ id: '1589141559', repository }));
    expect(missing).toBeInstanceOf(ConfigurationError);
    expect(missing.message).toContain('vigil orgs add octo-org --github-token-secret');

    const noSecret = await setUp([run()], { secrets: {} });
    const unset = await rejection(noSecret.provider.getRun({ id: '1589141559', repository }));
    expect(unset).toBeInstanceOf(TokenNotFoundError);
    expect(unset.message).toContain(`vigil secrets set ${tokenSecret}`);
    expect(noGitHub.server.calls.length + noSecret.server.calls.length).toBe(0);
  });
});
