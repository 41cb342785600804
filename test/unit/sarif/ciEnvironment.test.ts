import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { detectCiContext, repositoryOfUrl } from '../../../shared/sarif/ciEnvironment';
import { postResults, retryAfterMs } from '../../../shared/sarif/postResults';

const sha = 'd'.repeat(40);
const head = 'e'.repeat(40);

describe('the CI context from the runner environment', () => {
  it("reads Azure Pipelines' predefined variables, and the pull request's own head for a pull request build", () => {
    const env = {
      TF_BUILD: 'True',
      SYSTEM_COLLECTIONURI: 'https://dev.azure.com/Fabrikam/',
      SYSTEM_TEAMPROJECT: 'Fiber Chat',
      BUILD_REPOSITORY_NAME: 'web',
      BUILD_REPOSITORY_ID: '7c1e1a7e-0000-4000-8000-00000000c1c1',
      BUILD_REPOSITORY_PROVIDER: 'TfsGit',
      BUILD_SOURCEVERSION: sha,
      BUILD_SOURCEBRANCH: 'refs/pull/17/merge',
      SYSTEM_PULLREQUEST_PULLREQUESTID: '17',
      SYSTEM_PULLREQUEST_SOURCECOMMITID: head,
      SYSTEM_PULLREQUEST_SOURCEBRANCH: 'refs/heads/feature/login',
      BUILD_BUILDID: '42',
    };
    expect(detectCiContext(env)).toEqual({
      ci: 'azure-pipelines',
      context: {
        source: 'azure-devops',
        organization: 'Fabrikam',
        project: 'Fiber Chat',
        repository: 'web',
        repositoryId: '7c1e1a7e-0000-4000-8000-00000000c1c1',
        pullRequest: '17',
        commit: head,
        branch: 'refs/heads/feature/login',
        runUrl: 'https://dev.azure.com/Fabrikam/Fiber%20Chat/_build/results?buildId=42',
      },
    });
  });

  it("reads GitHub Actions' variables and the pull request number and head from the event file", () => {
    const env = {
      GITHUB_ACTIONS: 'true',
      GITHUB_SHA: sha,
      GITHUB_REF: 'refs/pull/9/merge',
      GITHUB_HEAD_REF: 'fix/xss',
      GITHUB_REPOSITORY: 'Octo/App',
      GITHUB_REPOSITORY_OWNER: 'Octo',
      GITHUB_RUN_ID: '7',
      GITHUB_EVENT_PATH: '/github/event.json',
    };
    const event = JSON.stringify({ pull_request: { number: 9, head: { sha: head } } });
    expect(detectCiContext(env, () => event).context).toEqual({
      source: 'github',
      organization: 'octo',
      repository: 'Octo/App',
      pullRequest: '9',
      commit: head,
      branch: 'fix/xss',
      runUrl: 'https://github.com/Octo/App/actions/runs/7',
    });
  });

  it("reads GitLab CI's merge request variables", () => {
    const env = {
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'platform/api',
      CI_PROJECT_ID: '1234',
      CI_PROJECT_ROOT_NAMESPACE: 'Platform',
      CI_COMMIT_SHA: sha,
      CI_MERGE_REQUEST_IID: '5',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'bump-deps',
      CI_PIPELINE_URL: 'https://gitlab.example/platform/api/-/pipelines/77',
    };
    expect(detectCiContext(env).context).toEqual({
      source: 'gitlab',
      organization: 'platform',
      repository: 'platform/api',
      repositoryId: '1234',
      pullRequest: '5',
      commit: sha,
      branch: 'bump-deps',
      runUrl: 'https://gitlab.example/platform/api/-/pipelines/77',
    });
  });

  it("reads Jenkins' change variables and the platform from the clone URL", () => {
    const env = {
      JENKINS_URL: 'https://jenkins.example/',
      GIT_URL: 'https://github.com/octo/app.git',
      GIT_COMMIT: sha,
      CHANGE_ID: '12',
      CHANGE_BRANCH: 'feature/x',
      BUILD_URL: 'https://jenkins.example/job/app/12/',
    };
    expect(detectCiContext(env)).toEqual({
      ci: 'jenkins',
      context: {
        source: 'github',
        organization: 'octo',
        repository: 'octo/app',
        pullRequest: '12',
        commit: sha,
        branch: 'feature/x',
        runUrl: 'https://jenkins.example/job/app/12/',
      },
    });
    expect(repositoryOfUrl('https://build@dev.azure.com/fabrikam/Fiber%20Chat/_git/web')).toEqual({
      source: 'azure-devops',
      organization: 'fabrikam',
      project: 'Fiber Chat',
      repository: 'web',
    });
  });

  it('lets VIGIL_* variables override what the runner says', () => {
    const env = {
      GITLAB_CI: 'true',
      CI_PROJECT_PATH: 'platform/api',
      CI_COMMIT_SHA: sha,
      VIGIL_ORGANIZATION: 'contoso',
      VIGIL_TOOL: 'Trivy',
    };
    expect(detectCiContext(env).context).toMatchObject({ organization: 'contoso', tool: 'Trivy', repository: 'platform/api' });
  });

  it('finds nothing outside a CI', () => {
    expect(detectCiContext({ PATH: '/usr/bin' })).toEqual({ context: {} });
  });
});

describe('posting results', () => {
  it('tries again after the time Retry-After names, then takes the answer', async () => {
    const answers = [
      { status: 503, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': 'Mon, 07 Dec 2026 12:00:30 GMT' } },
      { status: 202, headers: {} },
    ];
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const answer = answers.shift() ?? { status: 500, headers: {} };
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(JSON.stringify({ id: 'ci:x' }));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const waits: number[] = [];
    try {
      const answer = await postResults({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/hooks/ci`,
        token: 't',
        body: Buffer.from('{}'),
        retries: 4,
        sleep: async (ms) => void waits.push(ms),
        now: () => Date.parse('Mon, 07 Dec 2026 12:00:00 GMT'),
      });
      expect(answer).toEqual({ status: 202, body: { id: 'ci:x' }, attempts: 3 });
      expect(waits).toEqual([7000, 30_000]);
    } finally {
      server.close();
    }
  });

  it('reads Retry-After as seconds or a date, and ignores what it cannot read', () => {
    expect(retryAfterMs('10', 0)).toBe(10_000);
    expect(retryAfterMs('Thu, 01 Jan 1970 00:00:05 GMT', 0)).toBe(5000);
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs(null, 0)).toBeUndefined();
  });
});
