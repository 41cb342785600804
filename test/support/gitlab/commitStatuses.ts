import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { LoopbackGitLabProject } from '../gitlabApiServer';
import { type GitLabUser, gitlabUser, send, sendPage } from './gitlabAnswers';

/**
 * Commit statuses for the loopback GitLab: `POST /projects/:id/statuses/:sha` (`state`, `name` or
 * `context`, `ref`, `target_url`, `description`, `coverage`, `pipeline_id`) and `GET
 * /projects/:id/repository/commits/:sha/statuses` (`ref`, `name`, `all`). As GitLab does, a post
 * moves the pending or running status of that name, ref and pipeline through its state machine —
 * posting `pending` twice, or `running` twice, is refused with GitLab's "Cannot transition status
 * via :enqueue from :pending" — and starts a new status once the last one finished. Without
 * `pipeline_id` each commit gets one pipeline id of its own. Answers are the documented examples
 * (test/fixtures/gitlab/rest/commits.statuses.*.json) with this status's values.
 */
export type CommitStatusState = 'pending' | 'running' | 'success' | 'failed' | 'canceled' | 'skipped';
const states: CommitStatusState[] = ['pending', 'running', 'success', 'failed', 'canceled', 'skipped'];
const events: Record<CommitStatusState, string> = {
  pending: 'enqueue',
  running: 'run',
  success: 'success',
  failed: 'drop',
  canceled: 'cancel',
  skipped: 'skip',
};
/** Where GitLab's commit status state machine lets each event go from. */
const allowedFrom: Record<CommitStatusState, Array<CommitStatusState | 'created'>> = {
  pending: ['created'],
  running: ['created', 'pending'],
  success: ['created', 'pending', 'running'],
  failed: ['created', 'pending', 'running'],
  canceled: ['created', 'pending', 'running'],
  skipped: ['created', 'pending'],
};

export interface StoredCommitStatus {
  id: number;
  projectId: number;
  sha: string;
  ref: string | null;
  name: string;
  status: CommitStatusState;
  description: string | null;
  targetUrl: string | null;
  coverage: number | null;
  pipelineId: number;
  author: GitLabUser;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

const template = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/gitlab/rest/commits.statuses.create.json'), 'utf8')) as {
    responseExample: Record<string, unknown>;
  }
).responseExample;

export class CommitStatusStore {
  readonly statuses: StoredCommitStatus[] = [];
  private nextId = 9000;
  private readonly pipelines = new Map<string, number>();

  constructor(private readonly now: () => string) {}

  create(
    res: http.ServerResponse,
    origin: string,
    project: LoopbackGitLabProject,
    sha: string,
    params: Record<string, unknown>,
    author: GitLabUser,
  ): boolean {
    const commit = project.history.commit(sha);
    if (!commit) return send(res, 404, { message: '404 Commit Not Found' });
    const state = String(params.state ?? '');
    if (!states.includes(state as CommitStatusState)) return send(res, 400, { error: 'state does not have a valid value' });
    const name = String(params.name ?? params.context ?? 'default');
    const ref =
      typeof params.ref === 'string' ? params.ref : (Object.entries(project.history.branches).find(([, tip]) => tip === sha)?.[0] ?? null);
    const pipelineId = params.pipeline_id !== undefined ? Number(params.pipeline_id) : this.pipelineOf(project.id, sha);
    const target = state as CommitStatusState;
    const open = [...this.statuses]
      .reverse()
      .find(
        (s) =>
          s.projectId === project.id &&
          s.sha === sha &&
          s.name === name &&
          s.ref === ref &&
          s.pipelineId === pipelineId &&
          (s.status === 'pending' || s.status === 'running'),
      );
    const from = open?.status ?? 'created';
    if (!allowedFrom[target].includes(from)) {
      return send(res, 400, {
        message: `Cannot transition status via :${events[target]} from :${from} (Reason(s): Status cannot transition via "${events[target]}")`,
      });
    }
    const date = this.now();
    const status: StoredCommitStatus = open ?? {
      id: this.nextId++,
      projectId: project.id,
      sha,
      ref,
      name,
      status: target,
      description: null,
      targetUrl: null,
      coverage: null,
      pipelineId,
      author,
      createdAt: date,
      startedAt: null,
      finishedAt: null,
    };
    status.status = target;
    if (typeof params.description === 'string') status.description = params.description;
    if (typeof params.target_url === 'string') status.targetUrl = params.target_url;
    if (params.coverage !== undefined) status.coverage = Number(params.coverage);
    if (target === 'running' && !status.startedAt) status.startedAt = date;
    if (target !== 'pending' && target !== 'running') status.finishedAt = date;
    if (!open) this.statuses.push(status);
    return send(res, 201, this.json(status, origin));
  }

  list(res: http.ServerResponse, origin: string, url: URL, project: LoopbackGitLabProject, sha: string): boolean {
    if (!project.history.commit(sha)) return send(res, 404, { message: '404 Commit Not Found' });
    const ref = url.searchParams.get('ref');
    const name = url.searchParams.get('name');
    const all = url.searchParams.get('all') === 'true';
    let found = this.statuses.filter(
      (s) => s.projectId === project.id && s.sha === sha && (!ref || s.ref === ref) && (!name || s.name === name),
    );
    // Without `all`, only the latest status of each name and ref.
    if (!all) found = found.filter((s) => !found.some((t) => t.id > s.id && t.name === s.name && t.ref === s.ref));
    return sendPage(res, origin, url, [...found].reverse(), (s) => this.json(s, origin));
  }

  private pipelineOf(projectId: number, sha: string): number {
    const key = `${projectId}/${sha}`;
    if (!this.pipelines.has(key)) this.pipelines.set(key, 700 + this.pipelines.size);
    return this.pipelines.get(key)!;
  }

  json(status: StoredCommitStatus, origin: string) {
    return {
      ...template,
      id: status.id,
      sha: status.sha,
      ref: status.ref,
      status: status.status,
      name: status.name,
      target_url: status.targetUrl,
      description: status.description,
      created_at: status.createdAt,
      started_at: status.startedAt,
      finished_at: status.finishedAt,
      allow_failure: false,
      coverage: status.coverage,
      pipeline_id: status.pipelineId,
      author: gitlabUser(status.author, origin),
    };
  }
}
