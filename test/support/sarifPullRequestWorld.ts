import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queuesSettled } from './alertReceiver';
import { connectionDataRoutes, type LoopbackIdentity } from './azureDevOps/identities';
import { PullRequestCommentHooks } from './azureDevOps/pullRequestCommentHooks';
import { PullRequestFeedbackRoutes } from './azureDevOps/pullRequestFeedbackRoutes';
import { type FixtureRepository, RepositoryContentRoutes } from './azureDevOps/repositoryContentRoutes';
import { WorkItemRoutes } from './azureDevOps/workItemRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from './azureDevOpsServer';
import { GitHubPullRequestRoutes } from './github/pullRequestRoutes';
import { type GitHubApiServer, startGitHubApiServer } from './githubApiServer';
import { GitLabMergeRequestRoutes } from './gitlab/mergeRequestRoutes';
import { type GitLabApiServer, type LoopbackGitLabProject, startGitLabApiServer } from './gitlabApiServer';
import { LoopbackGitHistory } from './loopbackGitHistory';
import { startTestHost, type TestHost, testHookSecrets } from './testHost';
import { post } from './webhookClient';

export interface SarifPullRequestWorldOptions {
  /** The secret planted in the GitHub pull request's `src/pay.ts`. */
  gitHubSecret: string;
  /** A secret to plant in the Azure DevOps pull request's `/src/pay.ts`; without it, the pull request only changes the lock file. */
  azureDevOpsSecret?: string;
  /** Every organization files its work items in the loopback Azure Boards of FabrikamFiber (GitHub and GitLab risks have no project of their own). */
  workItems?: boolean;
  /** The ids that tell one file's world from another's: each file keeps its own. */
  ids: {
    azureDevOpsProject: string;
    azureDevOpsRepository: string;
    /** Vigil's own identity in Azure DevOps. */
    vigilIdentity: string;
    /** Vigil's bot user on GitHub. */
    gitHubBot: number;
    gitLabProject: number;
    /** The merge request's head pipeline. */
    gitLabPipeline: number;
  };
}

export interface SarifPullRequestServers {
  host: TestHost;
  github: GitHubApiServer;
  devops: AzureDevOpsServer;
  gitlab: GitLabApiServer;
  /** Sends Azure DevOps' pull request comment events for replies made through `adoFeedback`. */
  adoComments: PullRequestCommentHooks;
}

const fixtures = join(__dirname, '..', 'fixtures', 'sarif');
/** A results log from `test/fixtures/sarif/` (`codeql`, `trivy`, `semgrep`), as the tool wrote it. */
export const sarifLog = (tool: 'codeql' | 'trivy' | 'semgrep') => readFileSync(join(fixtures, `${tool}.sarif.json`), 'utf8');
export const mona = { name: 'Mona', email: 'mona@example.com', date: '2026-11-20T09:00:00Z' };
/** `n` lines of a source file, each saying what it is. */
export const lines = (n: number, what: string) => `${Array.from({ length: n }, (_, i) => `// ${what} line ${i + 1}`).join('\n')}\n`;
export const ghSha = (n: number) => `${n.toString(16)}`.repeat(40).slice(0, 40);
export const adoSha = (n: number) => `${n}`.repeat(40).slice(0, 40);
export const glSha = (n: number) => `${n.toString(16)}`.repeat(40).slice(0, 40);
const queues = ['build-scan', 'repo-scan', 'pr-publish', 'alerts', 'workitem-sync'] as const;
const ciToken = (organization: string) => `test-ci-${organization}-${randomBytes(8).toString('hex')}`;
const payTs = (secret: string) =>
  `import { client } from './client';\n\nconst token = "${secret}";\nexport const pay = () => client(token);\n`;

/**
 * What the SARIF pull request tests share (`test/e2e/sarifPullRequest*.test.ts`): the three loopback
 * platforms, each with one open pull request that adds lines a tool's results can land on — GitHub's
 * `octo-org/payments` #12 (a planted secret in `src/pay.ts`, `src/db.js`), Azure DevOps'
 * `FabrikamFiber/fabrikam-web` pull request 7 (`/package-lock.json`, and a planted secret in `/src/pay.ts` when one is
 * given) and GitLab's `diaspora/diaspora-client` !3 (`src/server.js`, `config/settings.js`) — a local host
 * whose vault holds each organization's API token and CI token, the three organizations and the Azure DevOps
 * repository in its store, and `upload` that posts a results log as `vigil ci report` does.
 *
 * The names and the histories are made when the module is read (a test's `describe` uses them to build
 * contexts); the servers and the host exist once `start()` has resolved.
 */
export function sarifPullRequestWorld(options: SarifPullRequestWorldOptions) {
  const { ids } = options;
  const gh = {
    organization: 'octo-org',
    repo: 'octo-org/payments',
    apiToken: `ghp_${randomBytes(18).toString('hex')}`,
    ciToken: ciToken('octo-org'),
  };
  const ado = {
    organization: 'fabrikam',
    project: 'FabrikamFiber',
    projectId: ids.azureDevOpsProject,
    repositoryId: ids.azureDevOpsRepository,
    pat: `test-pat-${randomBytes(12).toString('hex')}`,
    ciToken: ciToken('fabrikam'),
  };
  const gl = {
    organization: 'diaspora',
    projectId: ids.gitLabProject,
    path: 'diaspora/diaspora-client',
    apiToken: `glpat-${randomBytes(10).toString('hex')}`,
    ciToken: ciToken('diaspora'),
  };
  const vigil: LoopbackIdentity = { id: ids.vigilIdentity, displayName: 'Vigil', uniqueName: 'vigil@fabrikam.example' };

  const ghHistory = new LoopbackGitHistory(
    [
      { sha: ghSha(1), author: mona, parent: null, changes: { 'README.md': '# Payments\n', 'src/server.js': lines(20, 'server') } },
      { sha: ghSha(2), author: mona, changes: { 'src/pay.ts': payTs(options.gitHubSecret), 'src/db.js': lines(30, 'db') } },
    ],
    { main: ghSha(1), feature: ghSha(2) },
  );
  const ghRoutes = new GitHubPullRequestRoutes({
    repositories: [{ fullName: gh.repo, defaultBranch: 'main', history: ghHistory }],
    pullRequests: [{ repository: gh.repo, number: 12, base: 'main', head: 'feature', title: 'Payments' }],
    identity: { login: 'vigil-bot', id: ids.gitHubBot, type: 'User' },
  });

  const lockFile = { '/package-lock.json': '{ "name": "fabrikam-web", "lockfileVersion": 3 }\n' };
  const adoRepository: FixtureRepository = {
    id: ado.repositoryId,
    name: 'fabrikam-web',
    project: ado.project,
    projectId: ado.projectId,
    commits: options.azureDevOpsSecret
      ? [
          { commitId: adoSha(1), changes: { '/README.md': '# Fabrikam\n', '/package.json': '{ "name": "fabrikam-web" }\n' } },
          { commitId: adoSha(2), changes: { '/src/pay.ts': payTs(options.azureDevOpsSecret), ...lockFile } },
        ]
      : [
          { commitId: adoSha(1), changes: { '/README.md': '# Fabrikam\n' } },
          { commitId: adoSha(2), changes: lockFile },
        ],
    pullRequests: [
      { pullRequestId: 7, sourceRefName: 'refs/heads/feature/deps', sourceCommit: adoSha(2), targetCommit: adoSha(1), iterations: 1 },
    ],
  };
  const adoContent = new RepositoryContentRoutes([adoRepository]);
  const adoFeedback = new PullRequestFeedbackRoutes({ identity: vigil, repositories: adoContent });
  const boards = new WorkItemRoutes({ projects: [{ name: ado.project, id: ado.projectId, process: 'Agile' }], identity: vigil });

  const glHistory = new LoopbackGitHistory(
    [
      { sha: glSha(1), author: mona, parent: null, changes: { 'README.md': '# Diaspora client\n' } },
      // A tool's secret is in its log's snippet only: what a test looks for on the platform is the log's, not the file's.
      { sha: glSha(2), author: mona, changes: { 'src/server.js': lines(20, 'server'), 'config/settings.js': lines(5, 'settings') } },
    ],
    { main: glSha(1), feature: glSha(2) },
  );
  const glProject: LoopbackGitLabProject = { id: gl.projectId, pathWithNamespace: gl.path, defaultBranch: 'main', history: glHistory };
  const glRoutes = new GitLabMergeRequestRoutes({
    projects: [glProject],
    mergeRequests: [
      { projectId: gl.projectId, iid: 3, source: 'feature', target: 'main', title: 'Server', headPipelineId: ids.gitLabPipeline },
    ],
    identity: { id: 77, username: 'vigil-bot', name: 'Vigil', bot: true },
  });

  let servers: SarifPullRequestServers | undefined;
  /** What has started so far, so a start that fails half way still closes what it opened. */
  const opened: Array<{ close(): Promise<void> }> = [];
  const running = (): SarifPullRequestServers => {
    if (!servers) throw new Error('the SARIF pull request world is not started (call start() in beforeAll)');
    return servers;
  };
  const settled = () => queuesSettled(running().host, queues);

  async function start(): Promise<SarifPullRequestServers> {
    const github = await startGitHubApiServer({ token: gh.apiToken, extensions: [ghRoutes] });
    opened.push(github);
    const devops = await startAzureDevOpsServer({
      organization: ado.organization,
      pat: ado.pat,
      projects: [{ id: ado.projectId, name: ado.project }],
      extensions: [connectionDataRoutes(vigil), adoFeedback, adoContent, ...(options.workItems ? [boards] : [])],
    });
    opened.push(devops);
    const gitlab = await startGitLabApiServer({ token: gl.apiToken, projects: [glProject], extensions: [glRoutes] });
    opened.push(gitlab);
    const host = await startTestHost({
      env: {
        VIGIL_GITHUB_API_URL: github.url,
        VIGIL_SECRET_GITHUB_OCTO_ORG: gh.apiToken,
        VIGIL_SECRET_CI_TOKEN_OCTO_ORG: gh.ciToken,
        VIGIL_SECRET_ADO_PAT_FABRIKAM: ado.pat,
        VIGIL_SECRET_CI_TOKEN_FABRIKAM: ado.ciToken,
        VIGIL_SECRET_GITLAB_DIASPORA: gl.apiToken,
        VIGIL_SECRET_CI_TOKEN_DIASPORA: gl.ciToken,
      },
    });
    opened.unshift({ close: () => host.dispose() });
    servers = {
      host,
      github,
      devops,
      gitlab,
      adoComments: new PullRequestCommentHooks(adoFeedback, {
        orgUrl: devops.url,
        target: { url: host.url('/hooks/azure-devops'), secret: testHookSecrets.VIGIL_HOOK_SECRET_AZURE_DEVOPS },
      }),
    };

    const azureDevOps = { url: devops.url, auth: { mode: 'pat' as const, tokenSecret: 'ado-pat-fabrikam' } };
    const workItems = options.workItems
      ? { azureDevOps, workItems: { enabled: true, workItemType: 'Issue', project: ado.project, stateMapping: {} } }
      : {};
    const stores = host.services.stores;
    await stores.organizations.add(gh.organization, { github: { tokenSecret: 'github-octo-org' }, ...workItems });
    await stores.organizations.add(ado.organization, { azureDevOps, ...workItems });
    await stores.organizations.add(gl.organization, { gitlab: { url: gitlab.url, tokenSecret: 'gitlab-diaspora' }, ...workItems });
    await stores.repositories.upsertIfChanged({
      organization: ado.organization,
      repositoryId: ado.repositoryId,
      name: adoRepository.name,
      project: ado.project,
      projectId: ado.projectId,
      projectVisibility: 'private',
      size: 1024,
      state: 'active',
      defaultBranch: 'refs/heads/main',
    });
    return servers;
  }

  async function dispose(): Promise<void> {
    const [first, ...rest] = opened.splice(0);
    // The host first: its queues stop before the platforms they call go away.
    await first?.close();
    await Promise.all(rest.map((server) => server.close()));
  }

  /** A results upload as `vigil ci report` posts it; resolves once the host's queues are idle. */
  async function upload(token: string, context: Record<string, string | number>, log: string) {
    const query = new URLSearchParams(Object.entries(context).map(([k, v]): [string, string] => [k, String(v)]));
    const answer = await post(running().host.url(`/hooks/ci?${query}`), log, {
      'content-type': 'application/sarif+json',
      authorization: `Bearer ${token}`,
    });
    await settled();
    return answer;
  }

  return {
    gh,
    ado,
    gl,
    vigil,
    adoRepository,
    ghHistory,
    ghRoutes,
    adoFeedback,
    boards,
    glHistory,
    glRoutes,
    start,
    dispose,
    settled,
    upload,
  };
}
