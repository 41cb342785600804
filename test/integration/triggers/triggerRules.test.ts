import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import type { CiRunScanRecord } from '../../../shared/ci/scanCiRun';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { gitlabSource } from '../../../shared/events/sources/gitlab';
import { createLogger } from '../../../shared/logging/logger';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { GitLabMergeRequestRoutes } from '../../support/gitlab/mergeRequestRoutes';
import { GitLabPipelineRoutes } from '../../support/gitlab/pipelineRoutes';
import { type GitLabApiServer, type LoopbackGitLabProject, startGitLabApiServer } from '../../support/gitlabApiServer';
import { LoopbackGitHistory } from '../../support/loopbackGitHistory';
import { runRoutedUseCase } from '../../support/routedUseCase';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * Trigger rules applied by the handlers, for a build, a push and a pull request, with the real
 * gitbeaker against the loopback GitLab. Two projects get the same change (a token pasted into the
 * docs) and the same nightly pipeline. The organization's rules, in order: `payments` runs every
 * work of contoso/payments; `docs-only` skips pushes and merge requests that touch only docs/;
 * `nightly` skips the logs of pipelines named nightly*. So the website's push, merge request and
 * pipeline are skipped, each with the reason logged (and, for the pipeline, recorded), with nothing
 * of theirs read; the payments project's are scanned and find the token.
 */
const f = new SecretFactory(2104);
const apiToken = f.gitLabToken();
const leaked = f.gitHubToken();
const dev = { name: 'Dev', email: 'dev@example.com', date: '2026-11-20T09:00:00+00:00' };
const sha = (project: number, n: number) => `${project}${n}`.repeat(20).slice(0, 40);

function project(id: number, path: string): LoopbackGitLabProject {
  const history = new LoopbackGitHistory(
    [
      { sha: sha(id, 1), author: dev, parent: null, changes: { 'src/app.ts': 'export const app = 1;\n', 'docs/guide.md': '# Guide\n' } },
      { sha: sha(id, 2), author: dev, changes: { 'docs/guide.md': `# Guide\n\nexport GITHUB_TOKEN=${leaked}\n` } },
    ],
    { main: sha(id, 1), 'docs-update': sha(id, 2) },
  );
  return { id, pathWithNamespace: path, defaultBranch: 'main', history };
}

const payments = project(1, 'contoso/payments');
const website = project(2, 'contoso/website');
const projects = [payments, website];

let gitlab: GitLabApiServer;
let services: AppServices;
let dataDir: string;
const logLines: string[] = [];

beforeAll(async () => {
  const mergeRequests = new GitLabMergeRequestRoutes({
    projects,
    mergeRequests: projects.map((p) => ({ projectId: p.id, iid: 4, source: 'docs-update', target: 'main' })),
  });
  const pipelines = new GitLabPipelineRoutes({
    projects,
    pipelines: projects.map((p) => ({
      projectId: p.id,
      id: p.id * 100,
      name: 'nightly build',
      ref: 'main',
      jobs: [{ id: p.id * 100 + 1, name: 'deploy', trace: `$ ./deploy.sh\nexport GITHUB_TOKEN=${leaked}\n` }],
    })),
  });
  gitlab = await startGitLabApiServer({ token: apiToken, projects, extensions: [pipelines, mergeRequests] });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-trigger-rules-'));
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_GITLAB_CONTOSO: apiToken };
  services = await createAppServices(loadConfig(env), {
    logger: createLogger({ level: 'debug', format: 'json', sink: { write: (line) => void logLines.push(line) } }),
    vault: createEnvironmentVault(env),
  });
  await services.stores.organizations.add('contoso', { gitlab: { url: gitlab.url, tokenSecret: 'gitlab-contoso' } });
  await services.stores.organizations.update('contoso', (current) => ({
    ...current,
    triggerRules: [
      { name: 'payments', action: 'run', repositories: ['contoso/payments'] },
      { name: 'docs-only', action: 'skip', events: ['push', 'pull-request'], paths: ['docs/**'] },
      { name: 'nightly', action: 'skip', events: ['build'], pipelines: ['nightly*'] },
    ],
  }));
});

afterAll(async () => {
  await services?.close();
  await gitlab?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const projectJson = (p: LoopbackGitLabProject) => ({ id: p.id, path_with_namespace: p.pathWithNamespace });

function envelope(type: string, p: LoopbackGitLabProject, payload: Record<string, unknown>): EventEnvelope {
  return {
    id: `${type}:${p.id}`,
    source: 'gitlab',
    type,
    ...gitlabSource.extractors[type]({ ...payload, project: projectJson(p) }),
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
}

const pushOf = (p: LoopbackGitLabProject) =>
  envelope('push', p, { ref: 'refs/heads/docs-update', before: sha(p.id, 1), after: sha(p.id, 2) });
const mergeRequestOf = (p: LoopbackGitLabProject) =>
  envelope('merge_request.open', p, { object_attributes: { iid: 4, action: 'open', last_commit: { id: sha(p.id, 2) } } });
const pipelineOf = (p: LoopbackGitLabProject) =>
  envelope('pipeline', p, { object_attributes: { id: p.id * 100, status: 'success', ref: 'main' } });

/** The GitLab calls a handler made that read files or logs of the project. */
async function contentReads(p: LoopbackGitLabProject, work: () => Promise<unknown>): Promise<{ result: unknown; reads: string[] }> {
  const before = gitlab.calls.length;
  const result = await work();
  const reads = gitlab.calls
    .slice(before)
    .filter((c) => c.path.startsWith(`/projects/${p.id}/`) || c.path.startsWith(`/projects/${p.pathWithNamespace}/`))
    .filter((c) => c.path.endsWith('/raw') || c.path.endsWith('/trace'))
    .map((c) => c.path);
  return { result, reads };
}

const skipLogged = (rule: string) =>
  logLines.filter(
    (line) =>
      (JSON.parse(line) as { msg?: string; message?: string; rule?: string }).rule === rule &&
      line.includes(`skipped by trigger rule '${rule}'`),
  );

describe('trigger rules', () => {
  it('skip a push that only touches docs, and run the one a rule allows', async () => {
    const skipped = await contentReads(website, () => runRoutedUseCase('repo-scan', pushOf(website), services));
    expect(skipped).toEqual({ result: { scanned: false, why: "skipped by trigger rule 'docs-only'" }, reads: [] });
    expect(skipLogged('docs-only')).toHaveLength(1);

    const allowed = await contentReads(payments, () => runRoutedUseCase('repo-scan', pushOf(payments), services));
    expect(allowed.result).toMatchObject({ commitsScanned: 1, findings: 1, risksOpened: 1 });
    expect(allowed.reads).toEqual([`/projects/1/repository/files/docs/guide.md/raw`]);
  });

  it('skip a merge request that only touches docs, and run the one a rule allows', async () => {
    const skipped = await contentReads(website, () => runRoutedUseCase('repo-scan', mergeRequestOf(website), services));
    expect(skipped).toEqual({ result: { scanned: false, why: "skipped by trigger rule 'docs-only'" }, reads: [] });
    expect(skipLogged('docs-only')).toHaveLength(2);

    const allowed = await contentReads(payments, () => runRoutedUseCase('repo-scan', mergeRequestOf(payments), services));
    expect(allowed.result).toMatchObject({ findings: 1, introduced: 1 });
    expect(allowed.reads).toHaveLength(1);
  });

  it("record a nightly pipeline's logs as skipped, and scan the one a rule allows", async () => {
    const skipped = await contentReads(website, () => runRoutedUseCase('build-scan', pipelineOf(website), services));
    expect(skipped.reads).toEqual([]);
    expect(skipped.result).toMatchObject({
      id: 'gitlab-ci:pipeline:200',
      provider: 'gitlab-ci',
      repository: 'contoso/website',
      logsScanned: 0,
      findings: 0,
      skipped: "skipped by trigger rule 'nightly'",
    } satisfies Partial<CiRunScanRecord>);
    expect(await services.stores.scans.read('gitlab-ci:pipeline:200', 'contoso')).toMatchObject({
      skipped: "skipped by trigger rule 'nightly'",
    });
    expect(skipLogged('nightly')).toHaveLength(1);

    const allowed = await contentReads(payments, () => runRoutedUseCase('build-scan', pipelineOf(payments), services));
    expect(allowed.result).toMatchObject({ logsScanned: 1, findings: 1 });
    expect(allowed.result).not.toHaveProperty('skipped');
    expect(allowed.reads).toEqual(['/projects/contoso/payments/jobs/101/trace']);
  });

  it('filed risks only for the work that ran', async () => {
    const risks = await services.stores.risks.list({ organization: 'contoso' });
    expect(new Set(risks.map((risk) => risk.asset.name))).toEqual(new Set(['contoso/payments', 'payments / GitLab CI']));
  });
});
