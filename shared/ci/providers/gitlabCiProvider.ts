import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { connectGitLab, type GitLabApi, type GitLabConnection } from '../../codeHosts';
import { PermanentError } from '../../errors';
import type { CiLog, CiProvider, CiProviderConfig, CiRun, CiRunFilter, CiRunRef, CiRunStatus } from './ciProvider';

export const gitlabCiProviderName = 'gitlab-ci';

export interface GitLabCiProviderOptions {
  /** Items per page when listing pipelines and jobs (GitLab allows up to 100). */
  perPage?: number;
}

/** The fields of GitLab's pipeline (`GET /projects/:id/pipelines/:pipeline_id`) Vigil reads. */
interface GitLabPipeline {
  id: number;
  iid?: number;
  project_id?: number;
  name?: string | null;
  ref?: string | null;
  tag?: boolean;
  status: string;
  web_url?: string | null;
  started_at?: string | null;
  finished_at?: string | null;
}

/** The fields of GitLab's job (`GET /projects/:id/pipelines/:pipeline_id/jobs`) Vigil reads. */
interface GitLabJob {
  id: number;
  name: string;
  status: string;
  web_url?: string | null;
  pipeline?: { id: number };
}

interface Page<T> {
  data: T[];
  paginationInfo: { next: number | null };
}

/**
 * Job statuses of jobs that never started, so have no trace: `created` and `manual` wait, `skipped`
 * never ran (a canceled job may have run for a while, so it is read).
 */
const neverRan = new Set(['created', 'manual', 'skipped', 'scheduled', 'waiting_for_resource', 'preparing', 'pending']);

/**
 * GitLab CI pipelines through gitbeaker (the same connection and error mapping as merge requests,
 * shared/codeHosts/gitLabConnection.ts), with the organization's GitLab URL and token
 * (`gitlab.url`, `gitlab.tokenSecret`). A run is a pipeline; its logs are the traces of its latest
 * jobs (a retried job's earlier attempts are left out, as GitLab lists them), each read from
 * `GET /projects/:id/jobs/:job_id/trace` as a stream, never buffered whole.
 */
export function createGitLabCiProvider(config: CiProviderConfig, options: GitLabCiProviderOptions = {}): CiProvider {
  const organization = config.organization.organization;
  const perPage = Math.min(Math.max(options.perPage ?? 100, 1), 100);
  let connecting: Promise<GitLabConnection> | undefined;

  const connection = () =>
    (connecting ??= connectGitLab(config.organization, { vault: config.vault, clock: config.clock }).catch((error: unknown) => {
      connecting = undefined;
      throw error;
    }));

  async function call<T>(resource: string, operation: (api: GitLabApi) => Promise<T>): Promise<T> {
    return (await connection()).call(resource, operation);
  }

  /** Every item of an offset-paged listing, one page at a time. */
  async function* paged<T>(resource: string, page: (api: GitLabApi, number: number) => Promise<unknown>): AsyncGenerator<T> {
    for (let number: number | null = 1; number !== null; ) {
      const answer = (await call(resource, (api) => page(api, number as number))) as Page<T>;
      yield* answer.data;
      number = answer.paginationInfo.next;
    }
  }

  function toRun(pipeline: GitLabPipeline, project: string): CiRun {
    const projectName = project.slice(project.lastIndexOf('/') + 1);
    return {
      provider: gitlabCiProviderName,
      id: String(pipeline.id),
      repository: project,
      number: String(pipeline.id),
      label: `pipeline #${pipeline.id}`,
      // One project has one pipeline configuration (.gitlab-ci.yml): the project is the pipeline.
      pipeline: { id: project, name: pipeline.name || 'GitLab CI' },
      asset: { id: `gitlab-ci:${project}`, name: `${projectName} / GitLab CI` },
      // Pipeline ids are unique on a GitLab instance; a retried job keeps its pipeline.
      key: `pipeline:${pipeline.id}`,
      ...(pipeline.web_url ? { webUrl: pipeline.web_url } : {}),
      status: statusOf(pipeline.status),
      result: pipeline.status,
      // A tag pipeline's ref is the tag's name: not a branch.
      ...(pipeline.ref && !pipeline.tag ? { branch: pipeline.ref } : {}),
      // The overview's pipelines view reads durations from these (GitLab's pipeline fields, as recorded).
      ...(pipeline.started_at ? { startedAt: pipeline.started_at } : {}),
      ...(pipeline.finished_at ? { finishedAt: pipeline.finished_at } : {}),
    };
  }

  function toLog(job: GitLabJob, run: CiRun, project: string): CiLog {
    const url = job.web_url ?? run.webUrl;
    return {
      id: String(job.id),
      // The id first, the name in brackets: a job named `key.pem` must not look like a file to the engine.
      name: `job ${job.id} (${job.name})`,
      ...(url ? { url } : {}),
      open: () => openTrace(project, job.id),
    };
  }

  async function openTrace(project: string, jobId: number): Promise<Readable> {
    const body = await call(`the log of job ${jobId} in ${project}`, (api) =>
      // gitbeaker's showLog reads the trace as one string; `asStream` hands over the response body instead.
      api.Jobs.showLog(project, jobId, { asStream: true } as Parameters<GitLabApi['Jobs']['showLog']>[2]),
    );
    if (typeof body === 'string') return Readable.from([body]);
    return Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>);
  }

  return {
    name: gitlabCiProviderName,

    async *listRuns(filter: CiRunFilter) {
      const project = projectOf(filter.repository, 'a pipeline listing', organization);
      let remaining = filter.top ?? Number.POSITIVE_INFINITY;
      if (remaining <= 0) return;
      const pipelines = paged<GitLabPipeline>(`pipelines of ${project}`, (api, page) =>
        api.Pipelines.all(project, {
          page,
          perPage: Math.min(perPage, remaining),
          showExpanded: true,
          ...(filter.status === 'completed' ? { scope: 'finished' as const } : {}),
        } as Parameters<GitLabApi['Pipelines']['all']>[1]),
      );
      for await (const pipeline of pipelines) {
        yield toRun(pipeline, project);
        if (--remaining <= 0) return;
      }
    },

    async getRun(ref: CiRunRef) {
      const project = projectOf(ref.repository, `pipeline ${ref.id}`, organization);
      const pipelineId = idOf(ref.id, 'pipeline');
      const pipeline = (await call(`pipeline ${pipelineId} of ${project}`, (api) =>
        api.Pipelines.show(project, pipelineId),
      )) as unknown as GitLabPipeline;
      return toRun(pipeline, project);
    },

    async *streamLogs(run: CiRun, options: { logId?: string } = {}) {
      const project = projectOf(run.repository, `pipeline ${run.id}`, organization);
      const pipelineId = idOf(run.id, 'pipeline');
      if (options.logId !== undefined) {
        const jobId = idOf(options.logId, 'job');
        const job = (await call(`job ${jobId} of ${project}`, (api) => api.Jobs.show(project, jobId))) as unknown as GitLabJob;
        if (job.pipeline?.id !== pipelineId) throw new PermanentError(`job ${jobId} is not part of pipeline ${pipelineId} of ${project}`);
        yield toLog(job, run, project);
        return;
      }
      const jobs = paged<GitLabJob>(`jobs of pipeline ${pipelineId} of ${project}`, (api, page) =>
        api.Jobs.all(project, { pipelineId, page, perPage, showExpanded: true } as Parameters<GitLabApi['Jobs']['all']>[1]),
      );
      for await (const job of jobs) {
        if (neverRan.has(job.status)) continue;
        yield toLog(job, run, project);
      }
    },
  };
}

/** A GitLab project path `group/[subgroup/]name`, as the webhook's `path_with_namespace` gives it. */
function projectOf(path: string | undefined, what: string, organization: string): string {
  if (!path || !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)+$/.test(path)) {
    throw new PermanentError(`${what} in organization '${organization}' names no GitLab project 'group/name'`);
  }
  return path;
}

function idOf(text: string, what: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id <= 0) throw new PermanentError(`'${text}' is not a GitLab ${what} id`);
  return id;
}

/** GitLab's pipeline statuses: finished ones have every job's trace complete. */
function statusOf(status: string): CiRunStatus {
  if (status === 'success' || status === 'failed' || status === 'canceled' || status === 'skipped') return 'completed';
  if (status === 'running') return 'running';
  return 'queued';
}
