import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Octokit, RestEndpointMethodTypes } from '@octokit/rest';
import { PermanentError, TransientError } from '../../errors';
import type { CiLog, CiProvider, CiProviderConfig, CiRun, CiRunFilter, CiRunRef, CiRunStatus } from './ciProvider';
import { gitHubFailure } from './gitHubErrors';

export const githubActionsProviderName = 'github-actions';

import { connectOctokit, gitHubTokenSecret } from './gitHubClient';

export { defaultGitHubApiUrl } from './gitHubClient';

export interface GitHubActionsProviderOptions {
  /** The REST API root; default VIGIL_GITHUB_API_URL, else https://api.github.com. */
  baseUrl?: string;
  /** Items per page when listing runs and jobs (GitHub allows up to 100). */
  perPage?: number;
}

type WorkflowRun = RestEndpointMethodTypes['actions']['getWorkflowRun']['response']['data'];
type WorkflowJob = RestEndpointMethodTypes['actions']['getJobForWorkflowRun']['response']['data'];

interface Repository {
  owner: string;
  repo: string;
}

/**
 * GitHub Actions workflow runs through Octokit, with the organization's token (`github.tokenSecret`).
 * Octokit is loaded and the token read on first use. Job logs are downloaded the way GitHub serves
 * them: the API answers with a redirect to a short-lived storage URL, which is fetched without the
 * token (it is another origin and needs none) and streamed, never buffered whole.
 */
export function createGitHubActionsProvider(config: CiProviderConfig, options: GitHubActionsProviderOptions = {}): CiProvider {
  const organization = config.organization.organization;
  const perPage = Math.min(Math.max(options.perPage ?? 100, 1), 100);
  const logger = config.logger.child({ component: 'github', organization });
  let connecting: Promise<Octokit> | undefined;

  const tokenSecret = () => gitHubTokenSecret(config.organization);
  const connect = () =>
    connectOctokit(config.organization, {
      vault: config.vault,
      config: config.config,
      logger,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
    });

  const client = () =>
    (connecting ??= connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    }));

  /** One API call, its failure translated (rate limits to ThrottledError, 401 to GitHubAuthError). */
  async function call<T>(resource: string, operation: (octokit: Octokit) => Promise<T>): Promise<T> {
    const octokit = await client();
    try {
      return await operation(octokit);
    } catch (error) {
      throw gitHubFailure(error, { organization, tokenSecret: tokenSecret(), resource, now: config.clock.now() });
    }
  }

  /** Every item of a paged listing, each page's failure translated like a single call. */
  async function* paged<T>(resource: string, pages: (octokit: Octokit) => AsyncIterator<{ data: T[] }>): AsyncGenerator<T> {
    const iterator = await call(resource, async (octokit) => pages(octokit));
    for (;;) {
      const page = await call(resource, () => iterator.next());
      if (page.done) return;
      yield* page.value.data;
    }
  }

  function toRun(run: WorkflowRun, fallback: Repository): CiRun {
    const fullName = run.repository?.full_name ?? `${fallback.owner}/${fallback.repo}`;
    const repoName = fullName.slice(fullName.indexOf('/') + 1);
    const workflowName = run.name ?? `workflow ${run.workflow_id}`;
    return {
      provider: githubActionsProviderName,
      id: String(run.id),
      repository: fullName,
      number: String(run.run_number),
      label: `run #${run.run_number}`,
      pipeline: { id: String(run.workflow_id), name: workflowName },
      asset: { id: `workflow:${fullName}:${run.workflow_id}`, name: `${repoName} / ${workflowName}` },
      // Run ids are unique on a GitHub instance; a re-run keeps the id, and its jobs get new ones.
      key: `run:${run.id}`,
      ...(run.html_url ? { webUrl: run.html_url } : {}),
      status: statusOf(run.status),
      ...(run.conclusion ? { result: run.conclusion } : {}),
      ...(run.head_branch ? { branch: run.head_branch } : {}),
      ...(run.run_started_at ? { startedAt: run.run_started_at } : {}),
      // A completed run's last update is when it finished.
      ...(run.status === 'completed' && run.updated_at ? { finishedAt: run.updated_at } : {}),
    };
  }

  function toLog(job: WorkflowJob, run: CiRun, repository: Repository): CiLog {
    const url = job.html_url ?? run.webUrl;
    return {
      id: String(job.id),
      // The id first, the name in brackets: a job named `key.pem` must not look like a file to the engine.
      name: `job ${job.id} (${job.name})`,
      ...(url ? { url } : {}),
      open: () => downloadLog(repository, job.id),
    };
  }

  async function downloadLog({ owner, repo }: Repository, jobId: number): Promise<Readable> {
    const resource = `the log of job ${jobId} in ${owner}/${repo}`;
    const answer = (await call(resource, (octokit) =>
      octokit.rest.actions.downloadJobLogsForWorkflowRun({
        owner,
        repo,
        job_id: jobId,
        // Follow the redirect ourselves, without the token, and keep the body a stream.
        request: { redirect: 'manual', parseSuccessResponseBody: false },
      }),
    )) as unknown as { status: number; url: string; headers: Record<string, unknown>; data: unknown };
    if (answer.status === 200 && answer.data) return fromWeb(answer.data);
    await discard(answer.data);
    const location = answer.headers.location;
    if (answer.status < 300 || answer.status >= 400 || typeof location !== 'string' || !location) {
      throw new TransientError(
        `GitHub answered HTTP ${answer.status} without a log location for ${resource} in organization '${organization}'`,
      );
    }
    let response: Response;
    try {
      response = await fetch(new URL(location, answer.url), { redirect: 'follow' });
    } catch (error) {
      throw new TransientError(
        `could not download ${resource} in organization '${organization}': ${error instanceof Error ? error.message : 'no answer'}`,
      );
    }
    if (response.status === 200 && response.body) return fromWeb(response.body);
    await discard(response.body);
    // The storage URL is signed for about a minute: a refusal there is cured by asking GitHub again.
    if (response.status === 404 || response.status === 410) {
      throw new PermanentError(
        `GitHub no longer has ${resource} in organization '${organization}' (HTTP ${response.status}): logs are deleted after the retention period`,
      );
    }
    throw new TransientError(`GitHub's log storage answered HTTP ${response.status} for ${resource} in organization '${organization}'`);
  }

  return {
    name: githubActionsProviderName,

    async *listRuns(filter: CiRunFilter) {
      const repository = repositoryOf(filter.repository, 'a workflow run listing', organization);
      let remaining = filter.top ?? Number.POSITIVE_INFINITY;
      if (remaining <= 0) return;
      const runs = paged(`workflow runs of ${repository.owner}/${repository.repo}`, (octokit) =>
        octokit.paginate
          .iterator(octokit.rest.actions.listWorkflowRunsForRepo, {
            ...repository,
            per_page: Math.min(perPage, remaining),
            ...(filter.status ? { status: filter.status } : {}),
          })
          [Symbol.asyncIterator](),
      );
      for await (const run of runs) {
        yield toRun(run as WorkflowRun, repository);
        if (--remaining <= 0) return;
      }
    },

    async getRun(ref: CiRunRef) {
      const repository = repositoryOf(ref.repository, `workflow run ${ref.id}`, organization);
      const runId = idOf(ref.id, 'workflow run');
      const run = await call(
        `workflow run ${runId} of ${repository.owner}/${repository.repo}`,
        async (octokit) => (await octokit.rest.actions.getWorkflowRun({ ...repository, run_id: runId })).data,
      );
      return toRun(run, repository);
    },

    async *streamLogs(run: CiRun, options: { logId?: string } = {}) {
      const repository = repositoryOf(run.repository, `workflow run ${run.id}`, organization);
      const runId = idOf(run.id, 'workflow run');
      if (options.logId !== undefined) {
        const jobId = idOf(options.logId, 'job');
        const job = await call(
          `job ${jobId} of ${repository.owner}/${repository.repo}`,
          async (octokit) => (await octokit.rest.actions.getJobForWorkflowRun({ ...repository, job_id: jobId })).data,
        );
        if (job.run_id !== runId)
          throw new PermanentError(`job ${jobId} is not part of workflow run ${runId} of ${repository.owner}/${repository.repo}`);
        yield toLog(job, run, repository);
        return;
      }
      const jobs = paged(`jobs of workflow run ${runId} of ${repository.owner}/${repository.repo}`, (octokit) =>
        octokit.paginate
          .iterator(octokit.rest.actions.listJobsForWorkflowRun, { ...repository, run_id: runId, filter: 'latest', per_page: perPage })
          [Symbol.asyncIterator](),
      );
      for await (const job of jobs) {
        // A skipped job never ran, so it has no log to download.
        if (job.conclusion === 'skipped') continue;
        yield toLog(job, run, repository);
      }
    },
  };
}

function repositoryOf(fullName: string | undefined, what: string, organization: string): Repository {
  const match = fullName?.match(/^([A-Za-z0-9][A-Za-z0-9-]*)\/([A-Za-z0-9._-]+)$/);
  if (!match) throw new PermanentError(`${what} in organization '${organization}' names no GitHub repository 'owner/name'`);
  return { owner: match[1], repo: match[2] };
}

function idOf(text: string, what: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new PermanentError(`'${text}' is not a GitHub ${what} id`);
  return id;
}

function statusOf(status: string | null | undefined): CiRunStatus {
  if (status === 'completed') return 'completed';
  if (status === 'in_progress') return 'running';
  return 'queued';
}

function fromWeb(body: unknown): Readable {
  return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
}

/** Release a body we will not read, so its connection goes back to the pool. */
async function discard(body: unknown): Promise<void> {
  const stream = body as { cancel?: () => Promise<void> } | null | undefined;
  if (stream && typeof stream.cancel === 'function') await stream.cancel().catch(() => undefined);
}
