import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AzureDevOpsServer } from '../support/azureDevOpsServer';
import type { GitHubApiServer } from '../support/githubApiServer';
import type { GitLabApiServer } from '../support/gitlabApiServer';
import { recordedBodies, recordedRequestText } from '../support/recordedRequests';
import { adoSha, ghSha, glSha, mona, sarifLog, sarifPullRequestWorld } from '../support/sarifPullRequestWorld';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import type { TestHost } from '../support/testHost';
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
/** CodeQL's log, with a token pasted into a result's message: a text no one expects a secret in. */
const leakedInMessage = new SecretFactory(919).gitHubToken();
const codeql = (() => {
  const document = JSON.parse(sarifLog('codeql'));
  document.runs[0].results[1].message.text = `Log entry depends on a user-provided value (seen with ${leakedInMessage}).`;
  return JSON.stringify(document);
})();
const trivy = sarifLog('trivy');
const semgrep = sarifLog('semgrep');
const plantedKey = 'AKIAZ7QW3ERTY5UIOP4X';
/** The secrets Vigil's own scan finds in the GitHub and Azure DevOps pull requests' `src/pay.ts`. */
const ghSecret = new SecretFactory(907).gitHubToken();
const adoSecret = new SecretFactory(911).gitHubToken();

const world = sarifPullRequestWorld({
  gitHubSecret: ghSecret,
  azureDevOpsSecret: adoSecret,
  ids: {
    azureDevOpsProject: '44ee44ee-ff55-4a66-8b77-88cc88cc88cc',
    azureDevOpsRepository: '9d2e2a7e-0000-4000-8000-00000000d2d2',
    vigilIdentity: 'dddddddd-0000-4000-8000-0000000a21a1',
    gitHubBot: 90_000_021,
    gitLabProject: 15,
    gitLabPipeline: 9003,
  },
});
const { gh, ado, gl, adoRepository, ghHistory, ghRoutes, adoFeedback, glHistory, glRoutes, settled, upload } = world;
let host: TestHost, github: GitHubApiServer, devops: AzureDevOpsServer, gitlab: GitLabApiServer;

beforeAll(async () => {
  ({ host, github, devops, gitlab } = await world.start());
});

afterAll(() => world.dispose());

function withoutResult(log: string, ruleId: string): string {
  const document = JSON.parse(log);
  document.runs[0].results = document.runs[0].results.filter((r: { ruleId: string }) => r.ruleId !== ruleId);
  return JSON.stringify(document);
}

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
