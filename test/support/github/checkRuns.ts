import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { GitHubLoopbackRequest } from '../githubApiServer';
import { type GitHubUser, githubPage, invalidRequest, send } from './githubAnswers';

/**
 * Check runs for the loopback GitHub: create (`POST /repos/{o}/{r}/check-runs`), update (`PATCH
 * …/check-runs/{id}`, annotations added to those already there, as GitHub does), get, list the
 * annotations, and list the runs of a commit. GitHub's limits answer 422 "Invalid request.":
 * more than 50 annotations in one request ("No more than 50 items are allowed; N were
 * supplied.") and an output `summary` or `text` longer than 65,535 characters ("Only 65535
 * characters are allowed; N were supplied."); a completed run needs a conclusion, an output needs
 * a title and a summary, an annotation its path, lines, level and message. The answers are the
 * documented example (test/fixtures/github/rest/checks.create.json) with this run's values.
 */
export type CheckRunStatus = 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
const statuses: CheckRunStatus[] = ['queued', 'in_progress', 'completed', 'waiting', 'requested', 'pending'];
const conclusions = ['action_required', 'cancelled', 'failure', 'neutral', 'success', 'skipped', 'stale', 'timed_out'];
const levels = ['notice', 'warning', 'failure'];

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  start_column?: number;
  end_column?: number;
  annotation_level: 'notice' | 'warning' | 'failure';
  message: string;
  title?: string;
  raw_details?: string;
}

export interface StoredCheckRun {
  id: number;
  repository: string;
  name: string;
  headSha: string;
  status: CheckRunStatus;
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  externalId: string | null;
  detailsUrl: string | null;
  output: { title?: string | null; summary?: string | null; text?: string | null };
  annotations: CheckRunAnnotation[];
  by: GitHubUser;
}

const template = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../../fixtures/github/rest/checks.create.json'), 'utf8')) as {
    responseExample: Record<string, unknown>;
  }
).responseExample;

export class CheckRunStore {
  readonly runs: StoredCheckRun[] = [];
  private nextId = 4_000_000;

  constructor(
    private readonly options: { now: () => string; commitExists: (repository: string, sha: string) => boolean; requireApp?: boolean },
  ) {}

  handle(
    request: GitHubLoopbackRequest,
    res: http.ServerResponse,
    repository: string,
    id: number | undefined,
    annotations: boolean,
    by: GitHubUser,
  ): boolean {
    const { method } = request;
    if (id === undefined) {
      if (method !== 'POST') return false;
      // Check runs can only be written with a GitHub App's token.
      if (this.options.requireApp)
        return send(res, 403, {
          message: 'You must authenticate via a GitHub App.',
          documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run',
          status: '403',
        });
      return this.create(request, res, repository, by);
    }
    const run = this.runs.find((r) => r.id === id && r.repository.toLowerCase() === repository.toLowerCase());
    if (!run) return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/checks/runs', status: '404' });
    if (annotations && method === 'GET') {
      const { slice, headers } = githubPage(request, run.annotations);
      return send(
        res,
        200,
        slice.map((a) => ({
          path: a.path,
          blob_href: `https://github.com/${run.repository}/blob/${run.headSha}/${a.path}`,
          start_line: a.start_line,
          start_column: a.start_column ?? null,
          end_line: a.end_line,
          end_column: a.end_column ?? null,
          annotation_level: a.annotation_level,
          title: a.title ?? null,
          message: a.message,
          raw_details: a.raw_details ?? null,
        })),
        headers,
      );
    }
    if (annotations) return false;
    if (method === 'GET') return send(res, 200, this.json(request, run));
    if (method === 'PATCH') return this.update(request, res, run);
    return false;
  }

  list(request: GitHubLoopbackRequest, res: http.ServerResponse, repository: string, sha: string, query: URLSearchParams): boolean {
    const name = query.get('check_name');
    const status = query.get('status');
    const all = this.runs
      .filter(
        (r) =>
          r.repository.toLowerCase() === repository.toLowerCase() &&
          r.headSha === sha &&
          (!name || r.name === name) &&
          (!status || r.status === status),
      )
      .reverse();
    const { slice, headers } = githubPage(request, all);
    return send(res, 200, { total_count: all.length, check_runs: slice.map((r) => this.json(request, r)) }, headers);
  }

  private create(request: GitHubLoopbackRequest, res: http.ServerResponse, repository: string, by: GitHubUser): boolean {
    const body = parse(request.body);
    if (typeof body.name !== 'string' || !body.name) return invalidRequest(res, '"name" wasn\'t supplied.', 'create-a-check-run');
    if (typeof body.head_sha !== 'string' || !body.head_sha)
      return invalidRequest(res, '"head_sha" wasn\'t supplied.', 'create-a-check-run');
    if (!this.options.commitExists(repository, body.head_sha))
      return send(res, 422, {
        message: `No commit found for SHA: ${body.head_sha}`,
        documentation_url: 'https://docs.github.com/rest/checks/runs#create-a-check-run',
        status: '422',
      });
    const problem = validate(body, true);
    if (problem) return invalidRequest(res, problem, 'create-a-check-run');
    const output = (body.output ?? {}) as Record<string, unknown>;
    const run: StoredCheckRun = {
      id: this.nextId++,
      repository,
      name: body.name,
      headSha: body.head_sha,
      status: 'queued',
      conclusion: null,
      startedAt: typeof body.started_at === 'string' ? body.started_at : this.options.now(),
      completedAt: null,
      externalId: typeof body.external_id === 'string' ? body.external_id : null,
      detailsUrl: typeof body.details_url === 'string' ? body.details_url : null,
      output: {},
      annotations: [],
      by,
    };
    apply(run, body, output, this.options.now);
    this.runs.push(run);
    return send(res, 201, this.json(request, run));
  }

  private update(request: GitHubLoopbackRequest, res: http.ServerResponse, run: StoredCheckRun): boolean {
    const body = parse(request.body);
    const problem = validate(body, false, run);
    if (problem) return invalidRequest(res, problem, 'update-a-check-run');
    if (typeof body.name === 'string' && body.name) run.name = body.name;
    if (typeof body.details_url === 'string') run.detailsUrl = body.details_url;
    if (typeof body.external_id === 'string') run.externalId = body.external_id;
    apply(run, body, (body.output ?? {}) as Record<string, unknown>, this.options.now);
    return send(res, 200, this.json(request, run));
  }

  private json(request: GitHubLoopbackRequest, run: StoredCheckRun) {
    const api = `${request.origin}/repos/${run.repository}`;
    return {
      ...template,
      id: run.id,
      head_sha: run.headSha,
      node_id: `CR_${run.id}`,
      external_id: run.externalId ?? '',
      url: `${api}/check-runs/${run.id}`,
      html_url: `https://github.com/${run.repository}/runs/${run.id}`,
      details_url: run.detailsUrl ?? `https://github.com/${run.repository}/runs/${run.id}`,
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.startedAt,
      completed_at: run.completedAt,
      output: {
        title: run.output.title ?? null,
        summary: run.output.summary ?? null,
        text: run.output.text ?? null,
        annotations_count: run.annotations.length,
        annotations_url: `${api}/check-runs/${run.id}/annotations`,
      },
      name: run.name,
      check_suite: { id: 5_000_000 + run.id },
      pull_requests: [],
    };
  }
}

/** What GitHub refuses in a create or update, as the text after "Invalid request.\n\n"; undefined when it is fine. */
function validate(body: Record<string, unknown>, creating: boolean, run?: StoredCheckRun): string | undefined {
  if (body.status !== undefined && !statuses.includes(body.status as CheckRunStatus))
    return `${JSON.stringify(body.status)} is not a member of ${JSON.stringify(statuses)}.`;
  if (body.conclusion !== undefined && body.conclusion !== null && !conclusions.includes(String(body.conclusion)))
    return `${JSON.stringify(body.conclusion)} is not a member of ${JSON.stringify(conclusions)}.`;
  if (body.status === 'completed' && (body.conclusion === undefined || body.conclusion === null) && !run?.conclusion)
    return '"conclusion" wasn\'t supplied.';
  if (body.output === undefined) return undefined;
  const output = body.output as Record<string, unknown>;
  if (creating || !run?.output.title) {
    if (typeof output.title !== 'string') return '"title" wasn\'t supplied.';
    if (typeof output.summary !== 'string') return '"summary" wasn\'t supplied.';
  }
  for (const field of ['summary', 'text'] as const) {
    const value = output[field];
    if (typeof value === 'string' && value.length > 65_535) return `Only 65535 characters are allowed; ${value.length} were supplied.`;
  }
  const annotations = output.annotations;
  if (annotations !== undefined) {
    if (!Array.isArray(annotations)) return "For 'properties/annotations', is not an array.";
    if (annotations.length > 50) return `No more than 50 items are allowed; ${annotations.length} were supplied.`;
    for (const a of annotations as Array<Record<string, unknown>>) {
      for (const required of ['path', 'start_line', 'end_line', 'annotation_level', 'message'])
        if (a[required] === undefined) return `"${required}" wasn't supplied.`;
      if (!levels.includes(String(a.annotation_level)))
        return `${JSON.stringify(a.annotation_level)} is not a member of ${JSON.stringify(levels)}.`;
    }
  }
  return undefined;
}

function apply(run: StoredCheckRun, body: Record<string, unknown>, output: Record<string, unknown>, now: () => string): void {
  if (typeof body.status === 'string') run.status = body.status as CheckRunStatus;
  if (typeof body.conclusion === 'string') {
    // A conclusion completes the run.
    run.conclusion = body.conclusion;
    run.status = 'completed';
  }
  if (run.status === 'completed' && !run.completedAt) run.completedAt = typeof body.completed_at === 'string' ? body.completed_at : now();
  if (typeof output.title === 'string') run.output.title = output.title;
  if (typeof output.summary === 'string') run.output.summary = output.summary;
  if (typeof output.text === 'string') run.output.text = output.text;
  if (Array.isArray(output.annotations)) run.annotations.push(...(output.annotations as CheckRunAnnotation[]));
}

function parse(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text || '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
