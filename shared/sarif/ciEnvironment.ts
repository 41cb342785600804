import { readFileSync } from 'node:fs';
import type { ciContextFields } from './ciContext';

/**
 * The CI context as a runner's own environment gives it (docs/ci-results.md, "`vigil ci report`"):
 * Azure Pipelines, GitHub Actions, GitLab CI and Jenkins each name the commit, branch, pull request,
 * repository and run in their predefined variables. What the environment cannot say (which Vigil
 * organization, for GitHub and Jenkins) comes from `VIGIL_*` variables or flags, which win.
 */
export type ContextField = (typeof ciContextFields)[number];
export type PartialContext = Partial<Record<ContextField, string>>;

export interface DetectedContext {
  /** Which CI the environment is, if any. */
  ci?: 'azure-pipelines' | 'github-actions' | 'gitlab-ci' | 'jenkins';
  context: PartialContext;
}

type Environment = Record<string, string | undefined>;

/** Overrides that work on any runner. */
export const contextVariables: Record<ContextField, string> = {
  source: 'VIGIL_CI_SOURCE',
  organization: 'VIGIL_ORGANIZATION',
  project: 'VIGIL_PROJECT',
  repository: 'VIGIL_REPOSITORY',
  repositoryId: 'VIGIL_REPOSITORY_ID',
  pullRequest: 'VIGIL_PULL_REQUEST',
  commit: 'VIGIL_COMMIT',
  branch: 'VIGIL_BRANCH',
  runUrl: 'VIGIL_RUN_URL',
  tool: 'VIGIL_TOOL',
};

/** Where each field comes from on each CI: what `vigil ci report` says to set when a field is missing. */
export const contextHints: Record<ContextField, string> = {
  source: 'VIGIL_CI_SOURCE or --source (azure-devops, github, gitlab)',
  organization: 'VIGIL_ORGANIZATION or --organization (the name in vigil orgs list)',
  project: 'SYSTEM_TEAMPROJECT, VIGIL_PROJECT or --project',
  repository: 'BUILD_REPOSITORY_NAME, GITHUB_REPOSITORY, CI_PROJECT_PATH, VIGIL_REPOSITORY or --repository',
  repositoryId: 'BUILD_REPOSITORY_ID, CI_PROJECT_ID or --repository-id',
  pullRequest: 'SYSTEM_PULLREQUEST_PULLREQUESTID, CI_MERGE_REQUEST_IID, CHANGE_ID or --pull-request',
  commit: 'BUILD_SOURCEVERSION, GITHUB_SHA, CI_COMMIT_SHA, GIT_COMMIT, VIGIL_COMMIT or --commit',
  branch: 'BUILD_SOURCEBRANCH, GITHUB_REF, CI_COMMIT_BRANCH, BRANCH_NAME, VIGIL_BRANCH or --branch',
  runUrl: 'VIGIL_RUN_URL or --run-url',
  tool: 'VIGIL_TOOL or --tool',
};

export function detectCiContext(
  env: Environment,
  readEvent: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): DetectedContext {
  const detected = fromRunner(env, readEvent);
  for (const [field, variable] of Object.entries(contextVariables) as Array<[ContextField, string]>) {
    const value = env[variable]?.trim();
    if (value) detected.context[field] = value;
  }
  return detected;
}

function fromRunner(env: Environment, readEvent: (path: string) => string): DetectedContext {
  if (env.TF_BUILD?.toLowerCase() === 'true') return { ci: 'azure-pipelines', context: azurePipelines(env) };
  if (env.GITHUB_ACTIONS === 'true') return { ci: 'github-actions', context: gitHubActions(env, readEvent) };
  if (env.GITLAB_CI === 'true') return { ci: 'gitlab-ci', context: gitLabCi(env) };
  if (env.JENKINS_URL) return { ci: 'jenkins', context: jenkins(env) };
  return { context: {} };
}

function azurePipelines(env: Environment): PartialContext {
  const collection = env.SYSTEM_COLLECTIONURI ?? '';
  const organization =
    /^https:\/\/dev\.azure\.com\/([^/]+)/i.exec(collection)?.[1] ?? /^https:\/\/([^.]+)\.visualstudio\.com/i.exec(collection)?.[1];
  const pullRequest = env.SYSTEM_PULLREQUEST_PULLREQUESTNUMBER ?? env.SYSTEM_PULLREQUEST_PULLREQUESTID;
  const provider = env.BUILD_REPOSITORY_PROVIDER?.toLowerCase();
  const onGitHub = provider === 'github' || provider === 'githubenterprise';
  return clean({
    source: onGitHub ? 'github' : 'azure-devops',
    organization,
    project: env.SYSTEM_TEAMPROJECT,
    repository: env.BUILD_REPOSITORY_NAME,
    repositoryId: onGitHub ? undefined : env.BUILD_REPOSITORY_ID,
    pullRequest,
    // A pull request build checks out a merge commit; the results are about the pull request's own head.
    commit: (pullRequest ? env.SYSTEM_PULLREQUEST_SOURCECOMMITID : undefined) ?? env.BUILD_SOURCEVERSION,
    branch: (pullRequest ? env.SYSTEM_PULLREQUEST_SOURCEBRANCH : undefined) ?? env.BUILD_SOURCEBRANCH,
    runUrl:
      collection && env.SYSTEM_TEAMPROJECT && env.BUILD_BUILDID
        ? `${collection.replace(/\/?$/, '/')}${encodeURIComponent(env.SYSTEM_TEAMPROJECT)}/_build/results?buildId=${env.BUILD_BUILDID}`
        : undefined,
  });
}

function gitHubActions(env: Environment, readEvent: (path: string) => string): PartialContext {
  let pullRequest = /^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? '')?.[1];
  let head: string | undefined;
  if (env.GITHUB_EVENT_PATH) {
    try {
      const event = JSON.parse(readEvent(env.GITHUB_EVENT_PATH)) as { pull_request?: { number?: number; head?: { sha?: string } } };
      if (event.pull_request?.number) pullRequest = String(event.pull_request.number);
      head = event.pull_request?.head?.sha;
    } catch {
      // No event file (a local run of the action): the variables are enough.
    }
  }
  const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return clean({
    source: 'github',
    organization: env.GITHUB_REPOSITORY_OWNER?.toLowerCase(),
    repository: env.GITHUB_REPOSITORY,
    pullRequest,
    // On pull_request events GITHUB_SHA is the merge commit; the head is what the pull request shows.
    commit: head ?? env.GITHUB_SHA,
    branch: env.GITHUB_HEAD_REF || (env.GITHUB_REF?.startsWith('refs/heads/') ? env.GITHUB_REF : undefined),
    runUrl: env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined,
  });
}

function gitLabCi(env: Environment): PartialContext {
  return clean({
    source: 'gitlab',
    organization: (env.CI_PROJECT_ROOT_NAMESPACE ?? env.CI_PROJECT_NAMESPACE?.split('/')[0])?.toLowerCase(),
    repository: env.CI_PROJECT_PATH,
    repositoryId: env.CI_PROJECT_ID,
    pullRequest: env.CI_MERGE_REQUEST_IID,
    commit: env.CI_COMMIT_SHA,
    branch: env.CI_MERGE_REQUEST_SOURCE_BRANCH_NAME ?? env.CI_COMMIT_BRANCH,
    runUrl: env.CI_PIPELINE_URL ?? env.CI_JOB_URL,
  });
}

/** Jenkins names the commit and the change; the platform and repository come from the clone URL. */
function jenkins(env: Environment): PartialContext {
  const remote = repositoryOfUrl(env.GIT_URL ?? env.CHANGE_URL);
  return clean({
    ...remote,
    pullRequest: env.CHANGE_ID,
    commit: env.GIT_COMMIT,
    branch: env.CHANGE_BRANCH ?? env.BRANCH_NAME ?? env.GIT_BRANCH?.replace(/^origin\//, ''),
    runUrl: env.BUILD_URL,
  });
}

/** The platform, organization, project and repository a clone or change URL names. */
export function repositoryOfUrl(url: string | undefined): PartialContext {
  if (!url) return {};
  const azure = /^https:\/\/(?:[^@/]+@)?dev\.azure\.com\/([^/]+)\/([^/]+)\/_git\/([^/?#]+)/i.exec(url);
  if (azure) {
    return {
      source: 'azure-devops',
      organization: azure[1].toLowerCase(),
      project: decodeURIComponent(azure[2]),
      repository: decodeURIComponent(azure[3]),
    };
  }
  const hosted = /^(?:https:\/\/|git@)(github\.com|gitlab\.com)[/:](.+?)(?:\.git)?(?:\/pull\/\d+|\/-\/merge_requests\/\d+)?\/?$/i.exec(url);
  if (hosted) {
    const path = hosted[2];
    return {
      source: hosted[1].toLowerCase() === 'github.com' ? 'github' : 'gitlab',
      organization: path.split('/')[0].toLowerCase(),
      repository: path,
    };
  }
  return {};
}

function clean(context: Record<string, string | undefined>): PartialContext {
  const result: PartialContext = {};
  for (const [field, value] of Object.entries(context)) if (value?.trim()) result[field as ContextField] = value.trim();
  return result;
}
