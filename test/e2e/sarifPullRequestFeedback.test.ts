import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuesSettled } from '../support/alertReceiver';
import { connectionDataRoutes, type LoopbackIdentity } from '../support/azureDevOps/identities';
import { PullRequestFeedbackRoutes } from '../support/azureDevOps/pullRequestFeedbackRoutes';
import { type FixtureRepository, RepositoryContentRoutes } from '../support/azureDevOps/repositoryContentRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { GitHubPullRequestRoutes } from '../support/github/pullRequestRoutes';
import { type GitHubApiServer, startGitHubApiServer } from '../support/githubApiServer';
import { GitLabMergeRequestRoutes } from '../support/gitlab/mergeRequestRoutes';
import { type GitLabApiServer, type LoopbackGitLabProject, startGitLabApiServer } from '../support/gitlabApiServer';
import { LoopbackGitHistory } from '../support/loopbackGitHistory';
import { recordedBodies, recordedRequestText } from '../support/recordedRequests';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost } from '../support/testHost';
import { azureDevOpsHeaders, githubHeaders, post } from '../support/webhookClient';

/**
 * SARIF results on the pull request they name, end to end through the local host and the loopback
 * platforms (docs/ci-results.md, "On the pull request"): a CodeQL log on a GitHub pull request, a Trivy
 * log on an Azure DevOps pull request and a Semgrep log on a GitLab merge request each get the tool's
 * own status (`vigil/<tool>`, the check run `Vigil: CodeQL`), its own summary and a thread on each
 * result on a line the pull request adds, beside Vigil's own secret-scan feedback, which stays as it
 * was. The same upload again posts nothing; a later upload without a result resolves its thread.
 * A secret scanner's snippet never reaches a platform.
 */
const fixtures = join(__dirname, '..', 'fixtures', 'sarif');
/** CodeQL's log, with a token pasted into a result's message: a text no one expects a secret in. */
const leakedInMessage = new SecretFactory(919).gitHubToken();
const codeql = (() => {
  const document = JSON.parse(readFileSync(join(fixtures, 'codeql.sarif.json'), 'utf8'));
  document.runs[0].results[1].message.text = `Log entry depends on a user-provided value (seen with ${leakedInMessage}).`;
  return JSON.stringify(document);
})();
const trivy = readFileSync(join(fixtures, 'trivy.sarif.json'), 'utf8');
const semgrep = readFileSync(join(fixtures, 'semgrep.sarif.json'), 'utf8');
const plantedKey = 'AKIAZ7QW3ERTY5UIOP4X';
const ciToken = (organization: string) => `test-ci-${organization}-${randomBytes(8).toString('hex')}`;
const lines = (n: number, what: string) => `${Array.from({ length: n }, (_, i) => `// ${what} line ${i + 1}`).join('\n')}\n`;
const queues = ['build-scan', 'repo-scan', 'pr-publish', 'alerts', 'workitem-sync'] as const;

let host: TestHost;
const settled = () => queuesSettled(host, queues);

/** A results upload as `vigil ci report` posts it. */
async function upload(token: string, context: Record<string, string | number>, log: string) {
  const query = new URLSearchParams(Object.entries(context).map(([k, v]): [string, string] => [k, String(v)]));
  const answer = await post(host.url(`/hooks/ci?${query}`), log, {
    'content-type': 'application/sarif+json',
    authorization: `Bearer ${token}`,
  });
  await settled();
  return answer;
}

function withoutResult(log: string, ruleId: string): string {
  const document = JSON.parse(log);
  document.runs[0].results = document.runs[0].results.filter((r: { ruleId: string }) => r.ruleId !== ruleId);
  return JSON.stringify(document);
}

// ── GitHub ────────────────────────────────────────────────────────────────────────────────────
const gh = {
  organization: 'octo-org',
  repo: 'octo-org/payments',
  apiToken: `ghp_${randomBytes(18).toString('hex')}`,
  ciToken: ciToken('octo-org'),
};
const ghSecret = new SecretFactory(907).gitHubToken();
const ghSha = (n: number) => `${n.toString(16)}`.repeat(40).slice(0, 40);
const mona = { name: 'Mona', email: 'mona@example.com', date: '2026-11-20T09:00:00Z' };
const ghHistory = new LoopbackGitHistory(
  [
    { sha: ghSha(1), author: mona, parent: null, changes: { 'README.md': '# Payments\n', 'src/server.js': lines(20, 'server') } },
    {
      sha: ghSha(2),
      author: mona,
      changes: {
        'src/pay.ts': `import { client } from './client';\n\nconst token = "${ghSecret}";\nexport const pay = () => client(token);\n`,
        'src/db.js': lines(30, 'db'),
      },
    },
  ],
  { main: ghSha(1), feature: ghSha(2) },
);
let github: GitHubApiServer;
let ghRoutes: GitHubPullRequestRoutes;

// ── Azure DevOps ──────────────────────────────────────────────────────────────────────────────
const ado = {
  organization: 'fabrikam',
  project: 'FabrikamFiber',
  projectId: '44ee44ee-ff55-4a66-8b77-88cc88cc88cc',
  repositoryId: '9d2e2a7e-0000-4000-8000-00000000d2d2',
  pat: `test-pat-${randomBytes(12).toString('hex')}`,
  ciToken: ciToken('fabrikam'),
};
const adoSecret = new SecretFactory(911).gitHubToken();
const adoSha = (n: number) => `${n}`.repeat(40).slice(0, 40);
const vigil: LoopbackIdentity = { id: 'dddddddd-0000-4000-8000-0000000a21a1', displayName: 'Vigil', uniqueName: 'vigil@fabrikam.example' };
const adoRepository: FixtureRepository = {
  id: ado.repositoryId,
  name: 'fabrikam-web',
  project: ado.project,
  projectId: ado.projectId,
  commits: [
    { commitId: adoSha(1), changes: { '/README.md': '# Fabrikam\n', '/package.json': '{ "name": "fabrikam-web" }\n' } },
    {
      commitId: adoSha(2),
      changes: {
        '/src/pay.ts': `import { client } from './client';\n\nconst token = "${adoSecret}";\nexport const pay = () => client(token);\n`,
        '/package-lock.json': '{ "name": "fabrikam-web", "lockfileVersion": 3 }\n',
      },
    },
  ],
  pullRequests: [
    { pullRequestId: 7, sourceRefName: 'refs/heads/feature/deps', sourceCommit: adoSha(2), targetCommit: adoSha(1), iterations: 1 },
  ],
};
let devops: AzureDevOpsServer;
let adoFeedback: PullRequestFeedbackRoutes;

// ── GitLab ────────────────────────────────────────────────────────────────────────────────────
const gl = {
  organization: 'diaspora',
  projectId: 15,
  path: 'diaspora/diaspora-client',
  apiToken: `glpat-${randomBytes(10).toString('hex')}`,
  ciToken: ciToken('diaspora'),
};
const glSha = (n: number) => `${n.toString(16)}`.repeat(40).slice(0, 40);
const glHistory = new LoopbackGitHistory(
  [
    { sha: glSha(1), author: mona, parent: null, changes: { 'README.md': '# Diaspora client\n' } },
    {
      sha: glSha(2),
      author: mona,
      // The secret is in the SARIF log's snippet only: what the test looks for on the platform is the log's, not the file's.
      changes: { 'src/server.js': lines(20, 'server'), 'config/settings.js': lines(5, 'settings') },
    },
  ],
  { main: glSha(1), feature: glSha(2) },
);
const glProject: LoopbackGitLabProject = { id: gl.projectId, pathWithNamespace: gl.path, defaultBranch: 'main', history: glHistory };
let gitlab: GitLabApiServer;
let glRoutes: GitLabMergeRequestRoutes;

beforeAll(async () => {
  ghRoutes = new GitHubPullRequestRoutes({
    repositories: [{ fullName: gh.repo, defaultBranch: 'main', history: ghHistory }],
    pullRequests: [{ repository: gh.repo, number: 12, base: 'main', head: 'feature', title: 'Payments' }],
    identity: { login: 'vigil-bot', id: 90_000_021, type: 'User' },
  });
  github = await startGitHubApiServer({ token: gh.apiToken, extensions: [ghRoutes] });

  const content = new RepositoryContentRoutes([adoRepository]);
  adoFeedback = new PullRequestFeedbackRoutes({ identity: vigil, repositories: content });
  devops = await startAzureDevOpsServer({
    organization: ado.organization,
    pat: ado.pat,
    projects: [{ id: ado.projectId, name: ado.project }],
    extensions: [connectionDataRoutes(vigil), adoFeedback, content],
  });

  glRoutes = new GitLabMergeRequestRoutes({
    projects: [glProject],
    mergeRequests: [{ projectId: gl.projectId, iid: 3, source: 'feature', target: 'main', title: 'Server', headPipelineId: 9003 }],
    identity: { id: 77, username: 'vigil-bot', name: 'Vigil', bot: true },
  });
  gitlab = await startGitLabApiServer({ token: gl.apiToken, projects: [glProject], extensions: [glRoutes] });

  host = await startTestHost({
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
  const stores = host.services.stores;
  await stores.organizations.add(gh.organization, { github: { tokenSecret: 'github-octo-org' } });
  await stores.organizations.add(ado.organization, {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikam' } },
  });
  await stores.organizations.add(gl.organization, { gitlab: { url: gitlab.url, tokenSecret: 'gitlab-diaspora' } });
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
});

afterAll(async () => {
  await host?.dispose();
  await Promise.all([github?.close(), devops?.close(), gitlab?.close()]);
});

describe('CodeQL results on a GitHub pull request', () => {
  const view = () => ghRoutes.pullRequest(gh.repo, 12);
  const writes = () => github.calls.filter((c) => c.method !== 'GET').length;
  const codeqlContext = (commit: string) => ({
    source: 'github',
    organization: gh.organization,
    repository: gh.repo,
    pullRequest: 12,
    commit,
    branch: 'refs/heads/feature',
  });
  const secretSummary = () => view().comments.find((c) => c.body.endsWith('<!-- vigil:summary -->'));
  const codeqlSummary = () => view().comments.find((c) => c.body.endsWith('<!-- vigil:summary codeql -->'));
  let secretSummaryBefore: string | undefined;

  it('gets its own check run, summary and a review comment on the line the pull request adds, beside the secret scan', async () => {
    const body = JSON.stringify({
      action: 'opened',
      number: 12,
      pull_request: { number: 12, head: { sha: ghSha(2), ref: 'feature' }, base: { ref: 'main' } },
      repository: { id: 1296270, name: 'payments', full_name: gh.repo, owner: { login: 'octo-org', id: 1, type: 'Organization' } },
      sender: { login: 'mona' },
    });
    expect((await post(host.url('/hooks/github'), body, githubHeaders('pull_request', body, { delivery: 'sarif-gh-opened' }))).status).toBe(
      202,
    );
    await settled();
    secretSummaryBefore = secretSummary()?.body;
    expect(secretSummaryBefore).toMatch(/1 secret to fix/);

    const answer = await upload(gh.ciToken, codeqlContext(ghSha(2)), codeql);
    expect(answer).toMatchObject({ status: 202, body: { results: 2, tool: 'CodeQL' } });

    const { checkRuns, comments, reviewComments } = view();
    expect(checkRuns.map((r) => [r.name, r.conclusion]).sort()).toEqual([
      ['Vigil secret scan', 'failure'],
      ['Vigil: CodeQL', 'failure'],
    ]);
    expect(comments).toHaveLength(2);
    expect(secretSummary()?.body).toBe(secretSummaryBefore);
    expect(codeqlSummary()?.body).toMatch(/Vigil: CodeQL: 1 finding to fix before merging/);
    expect(codeqlSummary()?.body).toMatch(/src\/server\.js:14 \| not on a changed line/);
    const codeqlThreads = reviewComments.filter((c) => /CodeQL reports/.test(c.body));
    expect(codeqlThreads.map((c) => [c.path, c.line, c.commitId])).toEqual([['src/db.js', 27, ghSha(2)]]);
    expect(codeqlThreads[0].body).toMatch(/js\/sql-injection[\s\S]*<!-- vigil:finding [0-9a-f]{48} -->$/);
    expect(reviewComments.filter((c) => /a secret is added/.test(c.body)).map((c) => c.path)).toEqual(['src/pay.ts']);
  });

  it('posts nothing new when the same upload comes again', async () => {
    const before = writes();
    expect((await upload(gh.ciToken, codeqlContext(ghSha(2)), codeql)).status).toBe(202);
    expect(writes()).toBe(before);
  });

  it('resolves the thread of a result a later upload no longer reports, and edits its summary in place', async () => {
    ghHistory.add({ sha: ghSha(3), author: mona, parent: ghSha(2), changes: { 'README.md': '# Payments\n\nPays things.\n' } });
    ghHistory.branches.feature = ghSha(3);
    const [thread] = view().reviewComments.filter((c) => /CodeQL reports/.test(c.body));
    await upload(gh.ciToken, codeqlContext(ghSha(3)), withoutResult(codeql, 'js/sql-injection'));
    const replies = view().reviewComments.filter((c) => c.inReplyToId === thread.id);
    expect(replies.map((c) => [c.user, c.body])).toEqual([
      ['vigil-bot', expect.stringMatching(/CodeQL no longer reports this at `3333333`[\s\S]*<!-- vigil:resolved -->/)],
    ]);
    expect(view().comments).toHaveLength(2);
    expect(codeqlSummary()?.body).toMatch(/No finding on the lines this pull request adds/);
    expect(view().checkRuns.map((r) => [r.name, r.conclusion])).toEqual([['Vigil: CodeQL', 'success']]);
    expect(secretSummary()?.body).toBe(secretSummaryBefore);
    expect(recordedRequestText(github.calls)).not.toContain(ghSecret);
    expect(recordedRequestText(github.calls)).not.toContain(leakedInMessage);
  });

  it('posts nothing for a commit the pull request has moved past', async () => {
    const before = writes();
    const answer = await upload(gh.ciToken, codeqlContext(ghSha(2)), withoutResult(codeql, 'js/log-injection'));
    expect(answer.status).toBe(202);
    expect(writes()).toBe(before);
    expect(host.logLines.some((line) => line.includes('tool results not posted') && line.includes('has moved on'))).toBe(true);
  });
});

describe('Trivy results on an Azure DevOps pull request', () => {
  const snapshot = () => adoFeedback.pullRequest(ado.repositoryId, 7);
  const summaries = () => snapshot().threads.filter((t) => t.properties['Vigil.Kind'] === 'summary');
  const channelOf = (thread: { properties: Record<string, unknown> }) => thread.properties['Vigil.Channel'] as string | undefined;
  const trivyContext = {
    source: 'azure-devops',
    organization: ado.organization,
    project: ado.project,
    repository: adoRepository.name,
    pullRequest: 7,
    commit: adoSha(2),
    branch: 'refs/heads/feature/deps',
  };

  it('gets a vigil/trivy status, its own summary thread and a thread per vulnerability on the lock file, beside the secret scan', async () => {
    const payload = JSON.parse(
      readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'git.pullrequest.created.json'), 'utf8'),
    );
    payload.id = 'sarif-ado-created';
    payload.resource.repository = {
      ...payload.resource.repository,
      id: ado.repositoryId,
      name: adoRepository.name,
      project: { id: ado.projectId, name: ado.project },
    };
    payload.resource.pullRequestId = 7;
    payload.resourceContainers.account.baseUrl = `${devops.url}/`;
    expect((await post(host.url('/hooks/azure-devops'), JSON.stringify(payload), azureDevOpsHeaders())).status).toBe(202);
    await settled();
    const [secretSummary] = summaries();
    expect(secretSummary.comments[0].content).toMatch(/Vigil secret scan: 1 secret to fix/);

    const answer = await upload(ado.ciToken, trivyContext, trivy);
    expect(answer).toMatchObject({ status: 202, body: { results: 2, tool: 'Trivy' } });

    const { statuses, threads } = snapshot();
    const final = (name: string) => statuses.filter((s) => s.genre === 'vigil' && s.name === name).at(-1)?.state;
    expect(final('secret-scan')).toBe('failed');
    expect(final('trivy')).toBe('failed');
    expect(
      summaries()
        .map((t) => channelOf(t) ?? 'secrets')
        .sort(),
    ).toEqual(['secrets', 'trivy']);
    expect(summaries().find((t) => !channelOf(t))?.comments).toEqual(secretSummary.comments);
    const trivySummary = summaries().find((t) => channelOf(t) === 'trivy');
    expect(trivySummary?.comments[0].content).toMatch(/Vigil: Trivy: 2 findings to fix before merging[\s\S]*CVE-2022-23529/);
    const vulnerabilityThreads = threads.filter((t) => t.properties['Vigil.Kind'] === 'finding' && t.filePath === '/package-lock.json');
    expect(vulnerabilityThreads.map((t) => [t.line, t.status])).toEqual([
      [1, 'active'],
      [1, 'active'],
    ]);
    expect(vulnerabilityThreads.map((t) => t.comments[0].content).join('\n')).toMatch(
      /Trivy reports a vulnerable dependency on this line[\s\S]*Advisories: `CVE-2022-23529`/,
    );
  });

  it('posts nothing new when the same upload comes again', async () => {
    const before = devops.calls.filter((c) => c.method !== 'GET').length;
    expect((await upload(ado.ciToken, trivyContext, trivy)).status).toBe(202);
    expect(devops.calls.filter((c) => c.method !== 'GET').length).toBe(before);
    expect(recordedRequestText(devops.calls)).not.toContain(adoSecret);
  });
});

describe('Semgrep results on a GitLab merge request', () => {
  const view = () => glRoutes.mergeRequest(gl.projectId, 3);
  const semgrepContext = (commit: string) => ({
    source: 'gitlab',
    organization: gl.organization,
    repository: gl.path,
    repositoryId: gl.projectId,
    pullRequest: 3,
    commit,
    branch: 'feature',
  });
  const statusPosts = () =>
    recordedBodies(gitlab.calls, { method: 'POST', path: `/projects/${gl.projectId}/statuses/` }) as Array<{ state: string; name: string }>;
  const findingDiscussions = () => view().discussions.filter((d) => !d.individualNote && /vigil:finding/.test(d.notes[0].body));

  it('gets a vigil/semgrep-oss commit status, a summary note and a discussion per result, with only a preview of a secret', async () => {
    const answer = await upload(gl.ciToken, semgrepContext(glSha(2)), semgrep);
    expect(answer).toMatchObject({ status: 202, body: { results: 2, tool: 'Semgrep OSS' } });
    expect(statusPosts().map((s) => [s.name, s.state])).toEqual([
      ['vigil/semgrep-oss', 'pending'],
      ['vigil/semgrep-oss', 'failed'],
    ]);
    const summaries = view().discussions.filter((d) => d.individualNote && /vigil:summary/.test(d.notes[0].body));
    expect(summaries.map((d) => d.notes[0].body)).toEqual([
      expect.stringMatching(/Vigil: Semgrep OSS[\s\S]*<!-- vigil:summary semgrep-oss -->$/),
    ]);
    expect(findingDiscussions().map((d) => d.notes[0].body.match(/Semgrep OSS reports a finding on this line/) !== null)).toEqual([
      true,
      true,
    ]);
    const secretThread = findingDiscussions().find((d) => /aws-access-key/.test(d.notes[0].body));
    expect(secretThread?.notes[0].body).toMatch(/\*+OP4X/);
    expect(recordedRequestText(gitlab.calls)).not.toContain(plantedKey);
    expect(host.logLines.join('\n')).not.toContain(plantedKey);
  });

  it('resolves the discussion of a result a later upload no longer reports', async () => {
    glHistory.add({ sha: glSha(3), author: mona, parent: glSha(2), changes: { 'README.md': '# Diaspora client\n\nA client.\n' } });
    glHistory.branches.feature = glSha(3);
    const secretRule = 'generic.secrets.security.detected-aws-access-key-id-value.detected-aws-access-key-id-value';
    await upload(gl.ciToken, semgrepContext(glSha(3)), withoutResult(semgrep, secretRule));
    const byRule = (rule: string) => findingDiscussions().find((d) => d.notes[0].body.includes(rule));
    expect(byRule('aws-access-key')?.resolved).toBe(true);
    expect(byRule('direct-response-write')?.resolved).toBe(false);
    expect(statusPosts().at(-1)).toEqual(expect.objectContaining({ name: 'vigil/semgrep-oss', state: 'failed' }));
  });
});
