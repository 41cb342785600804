import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { GitLabLoopbackExtension, GitLabLoopbackRequest, LoopbackGitLabProject } from '../gitlabApiServer';
import { send, sendPage } from './gitlabAnswers';

/**
 * GitLab CI pipelines for the loopback GitLab (test/support/gitlabApiServer.ts), for
 * `@gitbeaker/rest`: `GET /projects/:id/pipelines` (newest first, `scope=finished`, `status`),
 * `GET /projects/:id/pipelines/:pipeline_id`, `GET /projects/:id/pipelines/:pipeline_id/jobs`
 * (newest first, without retried jobs unless `include_retried=true`, offset-paged), `GET
 * /projects/:id/jobs/:job_id`, and `GET /projects/:id/jobs/:job_id/trace` (the job's log as
 * `text/plain`, written in 64 KiB chunks so a reader streams it). Answers are GitLab's documented
 * examples (test/fixtures/gitlab/rest/pipelines.*.json, jobs.pipeline.list.json) with this
 * server's values. A job that never ran has no trace: GitLab answers its trace route with an empty
 * body, which this server does too; `traceReads` counts what was read.
 */
export interface LoopbackJob {
  id: number;
  name: string;
  stage?: string;
  /** GitLab's job status (default `success`). */
  status?: 'success' | 'failed' | 'canceled' | 'skipped' | 'manual' | 'created' | 'running';
  /** The log's text; or `sizeBytes` of plain build output. */
  trace?: string;
  sizeBytes?: number;
  /** An earlier attempt a retry replaced: listed only with `include_retried=true`. */
  retried?: boolean;
}

export interface LoopbackPipeline {
  /** The id of one of the server's projects. */
  projectId: number;
  id: number;
  iid?: number;
  ref?: string;
  sha?: string;
  /** GitLab's pipeline status (default `success`). */
  status?: 'success' | 'failed' | 'canceled' | 'skipped' | 'running' | 'pending' | 'created' | 'manual';
  name?: string;
  source?: string;
  jobs: LoopbackJob[];
}

export interface GitLabPipelineRoutesOptions {
  /** The same projects the server was given. */
  projects: LoopbackGitLabProject[];
  pipelines: LoopbackPipeline[];
}

const fixturesDir = path.resolve(__dirname, '../../fixtures/gitlab/rest');
const example = <T>(name: string): T =>
  (JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8')) as { responseExample: T }).responseExample;
const pipelineExample = example<Record<string, unknown>>('pipelines.get.json');
const jobExample = example<Array<Record<string, unknown>>>('jobs.pipeline.list.json')[1];
const finished = new Set(['success', 'failed', 'canceled', 'skipped']);
const chunkBytes = 64 * 1024;

export class GitLabPipelineRoutes implements GitLabLoopbackExtension {
  readonly pipelines: LoopbackPipeline[];
  /** Job ids whose trace was asked for, in order. */
  readonly traceReads: number[] = [];

  constructor(private readonly options: GitLabPipelineRoutesOptions) {
    this.pipelines = options.pipelines;
  }

  handle(request: GitLabLoopbackRequest, res: http.ServerResponse): boolean {
    if (request.method !== 'GET') return false;
    const match = request.path.match(/^\/projects\/([^/]+)\/(pipelines|jobs)(?:\/(\d+))?(?:\/(jobs|trace))?$/);
    if (!match) return false;
    const [, rawProject, collection, idText, tail] = match;
    const key = decodeURIComponent(rawProject);
    const project = this.options.projects.find((p) => String(p.id) === key || p.pathWithNamespace === key);
    if (!project) return send(res, 404, { message: '404 Project Not Found' });
    const web = `${request.origin}/${project.pathWithNamespace}`;
    const ofProject = this.pipelines.filter((p) => p.projectId === project.id).sort((a, b) => b.id - a.id);
    const id = idText === undefined ? undefined : Number(idText);

    if (collection === 'pipelines') {
      if (id === undefined) {
        if (tail) return false;
        const scope = request.url.searchParams.get('scope');
        const status = request.url.searchParams.get('status');
        const listed = ofProject.filter(
          (p) => (scope !== 'finished' || finished.has(p.status ?? 'success')) && (!status || (p.status ?? 'success') === status),
        );
        return sendPage(res, request.origin, request.url, listed, (p) => this.pipelineJson(p, web));
      }
      const pipeline = ofProject.find((p) => p.id === id);
      if (!pipeline) return send(res, 404, { message: '404 Not found' });
      if (!tail) return send(res, 200, this.pipelineJson(pipeline, web));
      if (tail !== 'jobs') return false;
      const includeRetried = request.url.searchParams.get('include_retried') === 'true';
      const jobs = pipeline.jobs.filter((job) => includeRetried || !job.retried).sort((a, b) => b.id - a.id);
      return sendPage(res, request.origin, request.url, jobs, (job) => this.jobJson(job, pipeline, web));
    }

    if (id === undefined || tail === 'jobs') return false;
    const owner = ofProject.find((p) => p.jobs.some((job) => job.id === id));
    const job = owner?.jobs.find((j) => j.id === id);
    if (!owner || !job) return send(res, 404, { message: '404 Not found' });
    if (!tail) return send(res, 200, this.jobJson(job, owner, web));
    this.traceReads.push(job.id);
    this.writeTrace(res, job);
    return true;
  }

  private writeTrace(res: http.ServerResponse, job: LoopbackJob): void {
    const ran = !['skipped', 'manual', 'created'].includes(job.status ?? 'success');
    const text = !ran ? '' : (job.trace ?? '');
    const filler = ran && job.trace === undefined ? (job.sizeBytes ?? 0) : 0;
    // No content-length: Node sends it chunked, as GitLab streams a live trace.
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    const line = `\u001b[0KRunning with gitlab-runner 17.5.0 on docker-runner; building and testing, nothing secret here\n`;
    let left = filler;
    const block = Buffer.from(line.repeat(Math.ceil(chunkBytes / line.length))).subarray(0, chunkBytes);
    const writeFiller = (): void => {
      while (left > 0) {
        const piece = block.subarray(0, Math.min(left, block.length));
        left -= piece.length;
        if (!res.write(piece)) {
          res.once('drain', writeFiller);
          return;
        }
      }
      res.end(text);
    };
    writeFiller();
  }

  private pipelineJson(pipeline: LoopbackPipeline, web: string) {
    const history = this.options.projects.find((p) => p.id === pipeline.projectId)?.history;
    const ref = pipeline.ref ?? 'main';
    return {
      ...pipelineExample,
      id: pipeline.id,
      iid: pipeline.iid ?? pipeline.id,
      project_id: pipeline.projectId,
      name: pipeline.name ?? 'Build pipeline',
      sha: pipeline.sha ?? history?.resolve(ref) ?? pipelineExample.sha,
      ref,
      status: pipeline.status ?? 'success',
      source: pipeline.source ?? 'push',
      web_url: `${web}/-/pipelines/${pipeline.id}`,
      detailed_status: {
        ...(pipelineExample.detailed_status as Record<string, unknown>),
        details_path: `${new URL(web).pathname}/-/pipelines/${pipeline.id}`,
      },
    };
  }

  private jobJson(job: LoopbackJob, pipeline: LoopbackPipeline, web: string) {
    const status = job.status ?? 'success';
    return {
      ...jobExample,
      id: job.id,
      name: job.name,
      stage: job.stage ?? 'test',
      status,
      ...(status === 'failed' ? { failure_reason: 'script_failure' } : { failure_reason: undefined }),
      ref: pipeline.ref ?? 'main',
      pipeline: {
        id: pipeline.id,
        project_id: pipeline.projectId,
        ref: pipeline.ref ?? 'main',
        sha: pipeline.sha ?? (jobExample.pipeline as { sha: string }).sha,
        status: pipeline.status ?? 'success',
      },
      web_url: `${web}/-/jobs/${job.id}`,
    };
  }
}
