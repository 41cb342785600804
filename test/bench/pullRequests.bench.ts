/**
 * Pull request feedback, end to end through the queue handlers of the local host (issue 18):
 *
 *   npm run bench:prs
 *
 * 300 pull request updates spread over Azure DevOps, GitHub and GitLab (50 pull requests each, each
 * opened and then pushed to once), five findings each: the open adds five secrets, the push removes
 * one and adds another, so each update publishes five introduced findings (five new threads on the
 * open; one new thread and one resolved on the push). Each update is posted to the webhook as the
 * platform would (eight at a time), scanned on repo-scan and published on pr-publish against the
 * loopback servers with the real clients. Prints one JSON line:
 *
 *   {"updates","apiCallsPerUpdate","p50Ms","p95Ms","duplicates"}
 *
 * `apiCallsPerUpdate`: the calls publishing made (statuses, threads, the summary, thread lists and
 * identity look-ups; not the scan's reads of the pull request and its files), per update. Target:
 * at most 4 + the new threads per update (printed on stderr with the scan's calls). Latency: from
 * the webhook's 202 to the publish of that head finishing (its final status is its last post).
 * `duplicates`: threads, summaries or final statuses posted twice for the same thing. Targets:
 * duplicates 0, p95 ≤ 2 s. BENCH_PULL_REQUESTS (per platform) and BENCH_CONCURRENCY change the size.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Services from '../../shared/app/services';
import type * as FunctionRegistry from '../../shared/azureFunctions/functionRegistry';
import type * as Config from '../../shared/config';
import type * as LocalHosts from '../../shared/localHost/localHost';
import type * as Logging from '../../shared/logging/logger';
import type * as Vaults from '../../shared/vault/environmentVault';
import { connectionDataRoutes } from '../support/azureDevOps/identities';
import { PullRequestFeedbackRoutes } from '../support/azureDevOps/pullRequestFeedbackRoutes';
import { type FixtureRepository, RepositoryContentRoutes } from '../support/azureDevOps/repositoryContentRoutes';
import { startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { GitHubPullRequestRoutes, type LoopbackGitHubPullRequest } from '../support/github/pullRequestRoutes';
import { startGitHubApiServer } from '../support/githubApiServer';
import { GitLabMergeRequestRoutes, type LoopbackMergeRequest } from '../support/gitlab/mergeRequestRoutes';
import { type LoopbackGitLabProject, startGitLabApiServer } from '../support/gitlabApiServer';
import { LoopbackGitHistory } from '../support/loopbackGitHistory';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, githubHeaders, gitlabHeaders, post } from '../support/webhookClient';
import { shippedModule } from './shippedApp';

// The app as it ships (dist/); the loopback servers are test support and run in this process.
const { loadConfig } = shippedModule<typeof Config>('config');
const { createLogger } = shippedModule<typeof Logging>('logging/logger');
const { startLocalHost } = shippedModule<typeof LocalHosts>('localHost/localHost');
const { registeredFunctions } = shippedModule<typeof FunctionRegistry>('azureFunctions/functionRegistry');
const { createAppServices } = shippedModule<typeof Services>('app/services');
const { createEnvironmentVault } = shippedModule<typeof Vaults>('vault/environmentVault');

/** The compiled function files register themselves with the compiled registry. */
function shippedFunctions() {
  const directory = resolve(__dirname, '..', '..', 'dist', 'functions');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  for (const file of readdirSync(directory)
    .filter((name) => name.endsWith('.js'))
    .sort())
    require(join(directory, file));
  return registeredFunctions();
}

const perPlatform = Number(process.env.BENCH_PULL_REQUESTS ?? 50);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);
const f = new SecretFactory(2026);
const author = { name: 'Dev', email: 'dev@example.com', date: '2026-11-20T09:00:00Z' };
const hex = (platform: number, pr: number, step: number) => `${platform}${String(pr).padStart(4, '0')}${step}`.padEnd(40, 'a').slice(0, 40);
const tokens = (n: number) => Array.from({ length: n }, () => f.gitHubToken());
const secretsFile = (values: string[]) => `${values.map((token, i) => `export const key${i} = "${token}";`).join('\n')}\n`;

interface Update {
  platform: 'azure-devops' | 'github' | 'gitlab';
  pr: number;
  head: string;
  /** Make the change on the loopback (a pull request opened, or a push), then post its webhook delivery. */
  apply(): void;
  deliver(): Promise<{ status: number }>;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-prs-'));
  const pat = 'bench-pat-000000000000000000000000';
  const ghToken = 'ghp_benchtoken00000000000000000000000000';
  const glToken = 'glpat-benchtoken000000';

  // ── Azure DevOps: one repository per pull request (its history is linear) ─────────────────
  const adoRepos: FixtureRepository[] = Array.from({ length: perPlatform }, (_, i) => ({
    id: `${`0000000${(i + 1).toString(16)}`.slice(-8)}-0000-4000-8000-000000000001`,
    name: `service-${i + 1}`,
    project: 'Payments',
    projectId: 'f5f5f5f5-aaaa-bbbb-cccc-d6d6d6d6d6d6',
    commits: [{ commitId: hex(1, i, 0), changes: { '/README.md': '# Service\n' } }],
    pullRequests: [],
  }));
  const content = new RepositoryContentRoutes(adoRepos);
  const feedback = new PullRequestFeedbackRoutes({ repositories: content });
  const devops = await startAzureDevOpsServer({
    organization: 'bench-ado',
    pat,
    projects: [{ id: 'f5f5f5f5-aaaa-bbbb-cccc-d6d6d6d6d6d6', name: 'Payments' }],
    extensions: [connectionDataRoutes(), feedback, content],
  });

  // ── GitHub and GitLab: one repository, a branch per pull request ──────────────────────────
  const ghHistory = new LoopbackGitHistory([{ sha: hex(2, 0, 0), author, parent: null, changes: { 'README.md': '# Service\n' } }], {
    main: hex(2, 0, 0),
  });
  const ghPulls: LoopbackGitHubPullRequest[] = [];
  const ghRoutes = new GitHubPullRequestRoutes({
    repositories: [{ fullName: 'bench-gh/service', defaultBranch: 'main', history: ghHistory }],
    pullRequests: ghPulls,
  });
  const github = await startGitHubApiServer({ token: ghToken, extensions: [ghRoutes] });
  const glHistory = new LoopbackGitHistory([{ sha: hex(3, 0, 0), author, parent: null, changes: { 'README.md': '# Service\n' } }], {
    main: hex(3, 0, 0),
  });
  const glProject: LoopbackGitLabProject = { id: 42, pathWithNamespace: 'bench-gl/service', defaultBranch: 'main', history: glHistory };
  const glMergeRequests: LoopbackMergeRequest[] = [];
  const glRoutes = new GitLabMergeRequestRoutes({ projects: [glProject], mergeRequests: glMergeRequests });
  const gitlab = await startGitLabApiServer({ token: glToken, projects: [glProject], extensions: [glRoutes] });

  // ── the local host, its log read for the end of each publish ──────────────────────────────
  const finished = new Map<string, () => void>();
  const env = {
    ...testHookSecrets,
    VIGIL_DATA_DIR: dataDir,
    PORT: '0',
    VIGIL_GITHUB_API_URL: github.url,
    VIGIL_SECRET_ADO_PAT: pat,
    VIGIL_SECRET_GITHUB_TOKEN: ghToken,
    VIGIL_SECRET_GITLAB_TOKEN: glToken,
  };
  const config = loadConfig(env);
  const logger = createLogger({
    level: 'info',
    format: 'json',
    sink: {
      write: (line) => {
        if (process.env.BENCH_DEBUG && /"level":"(warn|error)"|nothing to publish|parked/.test(line)) process.stderr.write(line);
        if (!line.includes('published on the pull request')) return;
        const commitId = (JSON.parse(line) as { commitId?: string }).commitId;
        if (commitId) finished.get(commitId)?.();
      },
    },
  });
  const services = await createAppServices(config, { logger, vault: createEnvironmentVault(env) });
  const host = await startLocalHost({ config, services, functions: shippedFunctions(), idlePollMs: 20 });
  await services.stores.organizations.add('bench-ado', { azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat' } } });
  await services.stores.organizations.add('bench-gh', { github: { tokenSecret: 'github-token' } });
  await services.stores.organizations.add('bench-gl', { gitlab: { url: gitlab.url, tokenSecret: 'gitlab-token' } });
  const hook = (source: string) => `${host.baseUrl}/hooks/${source}`;

  // ── the updates ───────────────────────────────────────────────────────────────────────────
  const updates: Update[] = [];
  for (let i = 0; i < perPlatform; i++) {
    const repo = adoRepos[i];
    const [first, added] = [tokens(5), tokens(1)];
    const adoDelivery = (type: string, step: number) => async () =>
      post(
        hook('azure-devops'),
        JSON.stringify({
          id: `ado-${i}-${step}`,
          eventType: type,
          resource: {
            pullRequestId: i + 1,
            repository: { id: repo.id, name: repo.name, project: { id: repo.projectId, name: repo.project } },
            lastMergeSourceCommit: { commitId: hex(1, i, step) },
          },
          resourceContainers: { account: { baseUrl: `${devops.url}/` } },
        }),
        azureDevOpsHeaders(),
      );
    updates.push({
      platform: 'azure-devops',
      pr: i + 1,
      head: hex(1, i, 1),
      apply: () => {
        repo.commits.push({ commitId: hex(1, i, 1), changes: { '/src/keys.ts': secretsFile(first) } });
        repo.pullRequests!.push({
          pullRequestId: i + 1,
          sourceRefName: `refs/heads/pr-${i + 1}`,
          sourceCommit: hex(1, i, 1),
          targetCommit: hex(1, i, 0),
          iterations: 1,
        });
      },
      deliver: adoDelivery('git.pullrequest.created', 1),
    });
    updates.push({
      platform: 'azure-devops',
      pr: i + 1,
      head: hex(1, i, 2),
      apply: () => {
        repo.commits.push({ commitId: hex(1, i, 2), changes: { '/src/keys.ts': secretsFile([...first.slice(1), ...added]) } });
        Object.assign(repo.pullRequests![0], { sourceCommit: hex(1, i, 2), iterations: 2 });
      },
      deliver: adoDelivery('git.pullrequest.updated', 2),
    });

    const ghPayload = (action: string, head: string) =>
      JSON.stringify({
        action,
        number: i + 1,
        pull_request: { number: i + 1, head: { sha: head } },
        repository: { id: 9, full_name: 'bench-gh/service', owner: { login: 'bench-gh' } },
      });
    const [ghFirst, ghAdded] = [tokens(5), tokens(1)];
    updates.push({
      platform: 'github',
      pr: i + 1,
      head: hex(2, i, 1),
      apply: () => {
        ghHistory.add({ sha: hex(2, i, 1), author, parent: hex(2, 0, 0), changes: { 'src/keys.ts': secretsFile(ghFirst) } });
        ghHistory.branches[`pr-${i + 1}`] = hex(2, i, 1);
        ghPulls.push({ repository: 'bench-gh/service', number: i + 1, base: 'main', head: `pr-${i + 1}` });
      },
      deliver: async () => {
        const body = ghPayload('opened', hex(2, i, 1));
        return post(hook('github'), body, githubHeaders('pull_request', body, { delivery: `gh-${i}-1` }));
      },
    });
    updates.push({
      platform: 'github',
      pr: i + 1,
      head: hex(2, i, 2),
      apply: () => {
        ghHistory.add({
          sha: hex(2, i, 2),
          author,
          parent: hex(2, i, 1),
          changes: { 'src/keys.ts': secretsFile([...ghFirst.slice(1), ...ghAdded]) },
        });
        ghHistory.branches[`pr-${i + 1}`] = hex(2, i, 2);
      },
      deliver: async () => {
        const body = ghPayload('synchronize', hex(2, i, 2));
        return post(hook('github'), body, githubHeaders('pull_request', body, { delivery: `gh-${i}-2` }));
      },
    });

    const glPayload = (action: string, head: string) =>
      JSON.stringify({
        object_kind: 'merge_request',
        project: { id: 42, path_with_namespace: 'bench-gl/service' },
        object_attributes: { iid: i + 1, action, last_commit: { id: head } },
      });
    const [glFirst, glAdded] = [tokens(5), tokens(1)];
    updates.push({
      platform: 'gitlab',
      pr: i + 1,
      head: hex(3, i, 1),
      apply: () => {
        glHistory.add({ sha: hex(3, i, 1), author, parent: hex(3, 0, 0), changes: { 'src/keys.ts': secretsFile(glFirst) } });
        glHistory.branches[`mr-${i + 1}`] = hex(3, i, 1);
        glMergeRequests.push({ projectId: 42, iid: i + 1, source: `mr-${i + 1}`, target: 'main' });
      },
      deliver: async () => {
        const body = glPayload('open', hex(3, i, 1));
        return post(hook('gitlab'), body, gitlabHeaders(body, { uuid: `gl-${i}-1` }));
      },
    });
    updates.push({
      platform: 'gitlab',
      pr: i + 1,
      head: hex(3, i, 2),
      apply: () => {
        glHistory.add({
          sha: hex(3, i, 2),
          author,
          parent: hex(3, i, 1),
          changes: { 'src/keys.ts': secretsFile([...glFirst.slice(1), ...glAdded]) },
        });
        glHistory.branches[`mr-${i + 1}`] = hex(3, i, 2);
      },
      deliver: async () => {
        const body = glPayload('update', hex(3, i, 2));
        return post(hook('gitlab'), body, gitlabHeaders(body, { uuid: `gl-${i}-2` }));
      },
    });
  }

  // Opens first, then the pushes: each pull request's push comes after its open has been published.
  const opens = updates.filter((_, i) => i % 2 === 0);
  const pushes = updates.filter((_, i) => i % 2 === 1);
  const latencies: number[] = [];
  const run = async (batch: Update[]) => {
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const update = batch[next++];
        update.apply();
        const done = new Promise<void>((resolve) => finished.set(update.head, resolve));
        const response = await update.deliver();
        if (response.status !== 202) throw new Error(`the webhook answered ${response.status} for ${update.platform} #${update.pr}`);
        const accepted = performance.now();
        await done;
        latencies.push(performance.now() - accepted);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  const started = performance.now();
  await run(opens);
  await run(pushes);
  const seconds = (performance.now() - started) / 1000;

  // ── what was posted ───────────────────────────────────────────────────────────────────────
  const publishing = (path: string, method: string) =>
    method === 'OPTIONS'
      ? false
      : method !== 'GET'
        ? !/FileDiffs/i.test(path)
        : /\/threads$|connectionData|^\/user$|\/pulls\/\d+\/comments$|\/issues\/\d+\/comments$|\/discussions$|\/notes$|check-runs/.test(
            path,
          );
  const all = [
    ...devops.calls.map((c) => ({ ...c, platform: 'azure-devops' })),
    ...github.calls.map((c) => ({ ...c, platform: 'github' })),
    ...gitlab.calls.map((c) => ({ ...c, platform: 'gitlab' })),
  ];
  const publishCalls = all.filter((c) => publishing(c.path.replace(/^\/bench-ado/, ''), c.method));
  const newThreads =
    all.filter(
      (c) => c.method === 'POST' && (/\/threads$/.test(c.path) || /\/pulls\/\d+\/comments$/.test(c.path) || /\/discussions$/.test(c.path)),
    ).length - perPlatform; // Azure DevOps' summary is a thread too
  const scanCalls = all.length - publishCalls.length;
  if (process.env.BENCH_DEBUG) {
    const kinds = new Map<string, number>();
    for (const c of publishCalls) {
      const kind = `${c.platform} ${c.method} ${c.path
        .replace(/^\/bench-ado/, '')
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ':id')
        .replace(/\d+/g, ':n')}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    for (const [kind, count] of [...kinds].sort()) process.stderr.write(`${count}\t${kind}\n`);
  }

  let duplicates = 0;
  for (let i = 1; i <= perPlatform; i++) {
    const ado = feedback.pullRequest(adoRepos[i - 1].id, i);
    const fingerprints = ado.threads
      .filter((t) => t.properties['Vigil.Kind'] === 'finding')
      .map((t) => String(t.properties['Vigil.Fingerprint']));
    duplicates += fingerprints.length - new Set(fingerprints).size;
    duplicates += Math.max(0, ado.threads.filter((t) => t.properties['Vigil.Kind'] === 'summary').length - 1);
    duplicates += Math.max(0, ado.statuses.length - 4);
    const gh = ghRoutes.pullRequest('bench-gh/service', i);
    const markers = gh.reviewComments.filter((c) => !c.inReplyToId).map((c) => /vigil:finding (\w+)/.exec(c.body)?.[1]);
    duplicates += markers.length - new Set(markers).size;
    duplicates += Math.max(0, gh.comments.length - 1) + Math.max(0, gh.checkRuns.length - 1);
    const gl = glRoutes.mergeRequest(42, i);
    const glMarkers = gl.discussions.filter((d) => !d.individualNote).map((d) => /vigil:finding (\w+)/.exec(d.notes[0].body)?.[1]);
    duplicates += glMarkers.length - new Set(glMarkers).size;
    duplicates += Math.max(0, gl.discussions.filter((d) => d.individualNote).length - 1);
  }
  const parked = await services.stores.parked.count({});

  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
  const figures = {
    updates: latencies.length,
    apiCallsPerUpdate: Number((publishCalls.length / latencies.length).toFixed(2)),
    p50Ms: percentile(50),
    p95Ms: percentile(95),
    duplicates,
  };
  process.stderr.write(
    `publishing calls ${publishCalls.length}, new threads ${newThreads}, budget per update ${(4 + newThreads / latencies.length).toFixed(2)}; ` +
      `scan calls ${scanCalls} (${(scanCalls / latencies.length).toFixed(2)} per update); parked ${parked}; ${seconds.toFixed(1)} s in all\n`,
  );
  process.stdout.write(`${JSON.stringify(figures)}\n`);

  await host.stop();
  await services.close();
  await Promise.all([devops.close(), github.close(), gitlab.close()]);
  rmSync(dataDir, { recursive: true, force: true });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
