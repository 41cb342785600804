import { createHmac, randomBytes } from 'node:crypto';
import type * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loopbackServer, type RecordedCall, recordCall, takeFault } from '../../shared/simulator/loopbackRequests';
import { generatedLog } from './azureDevOpsServer';
import { githubPage } from './github/githubAnswers';

/**
 * A loopback GitHub REST API for the real Octokit: the Actions calls Vigil makes (workflow runs,
 * their jobs, one job, a job's log), with the shapes GitHub documents and the webhook examples
 * show, paged with `Link` headers. A job's log is answered the way GitHub does it: a 302 to a
 * signed URL on another path, which streams generated text of any size and wants no token.
 * Every call is recorded (with its body); faults (429 with retry-after, 403 with an exhausted quota
 * or without write access, 401, 5xx) are injected per path and method; extensions add routes.
 */

export interface LoopbackJob {
  id: number;
  name: string;
  conclusion?: 'success' | 'failure' | 'cancelled' | 'skipped';
  /** Exact size of generated log text. Ignored when `content` is given. */
  sizeBytes?: number;
  /** Fixed log text (for logs that must contain something, e.g. a secret). */
  content?: string;
}

export interface LoopbackWorkflowRun {
  id: number;
  /** `owner/name`. */
  repository: string;
  workflowId: number;
  workflowName: string;
  runNumber?: number;
  status?: 'queued' | 'in_progress' | 'completed';
  conclusion?: 'success' | 'failure' | 'cancelled' | null;
  jobs: LoopbackJob[];
}

export interface GitHubApiServerOptions {
  /** The token Octokit must send (`token X` or `Bearer X`). */
  token: string;
  runs?: LoopbackWorkflowRun[];
  /** Largest page the server hands out (GitHub's is 100). */
  maxPerPage?: number;
  /** More routes (repository content, ...), asked in order after the token is checked. */
  extensions?: GitHubLoopbackExtension[];
}

/** Routes kept in their own file: answer (and return true) or leave the request to the next. */
export interface GitHubLoopbackExtension {
  handle(request: GitHubLoopbackRequest, res: http.ServerResponse): boolean | Promise<boolean>;
}

/** One authenticated request, as an extension sees it. */
export interface GitHubLoopbackRequest {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  origin: string;
  /** The request body as text ('' when none). */
  body: string;
}

export interface GitHubFault {
  /** Substring of the request path or a pattern over it. */
  path: string | RegExp;
  /** Only calls with this method (default: any). */
  method?: string;
  status: 401 | 403 | 429 | 500 | 502 | 503;
  /** `retry-after` in seconds (GitHub's secondary rate limits). */
  retryAfterSeconds?: number;
  /** `x-ratelimit-remaining: 0` with this `x-ratelimit-reset` (epoch seconds): the hourly quota is spent. */
  rateLimitResetEpochSeconds?: number;
  /** How many matching calls get the fault (default: all). */
  times?: number;
}

export type GitHubRecordedCall = RecordedCall;

export interface GitHubApiServer {
  /** The API root to give Octokit (`baseUrl`), like https://api.github.com. */
  readonly url: string;
  readonly calls: GitHubRecordedCall[];
  addRun(run: LoopbackWorkflowRun): void;
  injectFault(fault: GitHubFault): void;
  clearFaults(): void;
  /** Calls whose path contains `fragment`. */
  callsTo(fragment: string): GitHubRecordedCall[];
  close(): Promise<void>;
}

const logPathPrefix = '/_blob/job-logs/';

export async function startGitHubApiServer(options: GitHubApiServerOptions): Promise<GitHubApiServer> {
  const calls: GitHubRecordedCall[] = [];
  const faults: Array<GitHubFault & { remaining: number }> = [];
  const runs = new Map<number, LoopbackWorkflowRun>();
  for (const run of options.runs ?? []) runs.set(run.id, run);
  // Signs log URLs as GitHub's storage does, so the test proves the log is fetched by the URL it was given.
  const signingKey = randomBytes(16);
  let origin = '';

  const server = loopbackServer(handle, (res, message) => sendJson(res, 500, { message }));

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const { method, body = '' } = await recordCall(calls, req, res, url);

    const fault = takeFault(faults, method, url.pathname);
    if (fault) return answerFault(res, fault);
    if (url.pathname.startsWith(logPathPrefix)) return streamLog(res, url);
    if (!authorized(req.headers.authorization)) {
      return sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    }
    for (const extension of options.extensions ?? [])
      if (await extension.handle({ method, url, headers: req.headers, origin, body }, res)) return;
    if (method !== 'GET') return sendJson(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

    let match: RegExpMatchArray | null;
    if ((match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/?$/))) return listRuns(res, url, `${match[1]}/${match[2]}`);
    if ((match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/?$/)))
      return getRun(res, `${match[1]}/${match[2]}`, Number(match[3]));
    if ((match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/jobs\/?$/))) {
      return listJobs(res, url, `${match[1]}/${match[2]}`, Number(match[3]));
    }
    if ((match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/actions\/jobs\/(\d+)\/?$/)))
      return getJob(res, `${match[1]}/${match[2]}`, Number(match[3]));
    if ((match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)\/actions\/jobs\/(\d+)\/logs\/?$/))) {
      return redirectToLog(res, `${match[1]}/${match[2]}`, Number(match[3]));
    }
    return notFound(res);
  }

  function authorized(header: string | undefined): boolean {
    const match = header?.match(/^(?:token|bearer) (.+)$/i);
    return match !== null && match !== undefined && match[1] === options.token;
  }

  function rateHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': '1999999999',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'x-github-request-id': `A1B2:${calls.length.toString(16).toUpperCase()}`,
    };
  }

  function answerFault(res: http.ServerResponse, fault: GitHubFault): void {
    const headers: Record<string, string> = { ...rateHeaders() };
    if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
    if (fault.rateLimitResetEpochSeconds !== undefined) {
      headers['x-ratelimit-remaining'] = '0';
      headers['x-ratelimit-used'] = '5000';
      headers['x-ratelimit-reset'] = String(fault.rateLimitResetEpochSeconds);
    }
    switch (fault.status) {
      case 401:
        return sendJson(res, 401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      case 403:
        return sendJson(
          res,
          403,
          fault.rateLimitResetEpochSeconds !== undefined || fault.retryAfterSeconds !== undefined
            ? {
                message: 'API rate limit exceeded for installation.',
                documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
              }
            : {
                message: 'Resource not accessible by personal access token',
                documentation_url: 'https://docs.github.com/rest/actions/workflow-runs',
                status: '403',
              },
          headers,
        );
      case 429:
        return sendJson(
          res,
          429,
          { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.' },
          headers,
        );
      default:
        return sendJson(res, fault.status, { message: 'Server Error' }, headers);
    }
  }

  function notFound(res: http.ServerResponse): void {
    sendJson(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' }, rateHeaders());
  }

  function findRun(repository: string, id: number): LoopbackWorkflowRun | undefined {
    const run = runs.get(id);
    return run && run.repository.toLowerCase() === repository.toLowerCase() ? run : undefined;
  }

  function repositoryJson(fullName: string) {
    const [owner, name] = fullName.split('/');
    return {
      id: 396980812,
      node_id: 'MDEwOlJlcG9zaXRvcnkzOTY5ODA4MTI=',
      name,
      full_name: fullName,
      private: true,
      owner: { login: owner, id: 79927191, type: 'Organization', url: `${origin}/users/${owner}`, html_url: `https://github.com/${owner}` },
      html_url: `https://github.com/${fullName}`,
      url: `${origin}/repos/${fullName}`,
    };
  }

  function runJson(run: LoopbackWorkflowRun) {
    const api = `${origin}/repos/${run.repository}/actions/runs/${run.id}`;
    const status = run.status ?? 'completed';
    return {
      id: run.id,
      name: run.workflowName,
      node_id: `WFR_${run.id}`,
      head_branch: 'main',
      head_sha: '5779607b49aab1200488439f02372c57b4f75444',
      path: '.github/workflows/ci.yml',
      display_title: 'Update ci.yml',
      run_number: run.runNumber ?? 36,
      event: 'push',
      status,
      conclusion: status === 'completed' ? (run.conclusion === undefined ? 'success' : run.conclusion) : null,
      workflow_id: run.workflowId,
      check_suite_id: 4683454167,
      url: api,
      html_url: `https://github.com/${run.repository}/actions/runs/${run.id}`,
      pull_requests: [],
      created_at: '2026-11-20T09:58:00Z',
      updated_at: '2026-11-20T10:00:00Z',
      run_attempt: 1,
      run_started_at: '2026-11-20T09:58:00Z',
      jobs_url: `${api}/jobs`,
      logs_url: `${api}/logs`,
      check_suite_url: `${origin}/repos/${run.repository}/check-suites/4683454167`,
      artifacts_url: `${api}/artifacts`,
      cancel_url: `${api}/cancel`,
      rerun_url: `${api}/rerun`,
      workflow_url: `${origin}/repos/${run.repository}/actions/workflows/${run.workflowId}`,
      head_commit: {
        id: '5779607b49aab1200488439f02372c57b4f75444',
        tree_id: '8181cee091cf9627ac07c3cc4b94c015a1d56706',
        message: 'Update ci.yml',
        timestamp: '2026-11-20T09:57:50Z',
        author: { name: 'Mona Lisa', email: 'octocat@github.com' },
        committer: { name: 'GitHub', email: 'noreply@github.com' },
      },
      repository: repositoryJson(run.repository),
      head_repository: repositoryJson(run.repository),
    };
  }

  function jobJson(run: LoopbackWorkflowRun, job: LoopbackJob) {
    const conclusion = job.conclusion ?? 'success';
    return {
      id: job.id,
      run_id: run.id,
      run_url: `${origin}/repos/${run.repository}/actions/runs/${run.id}`,
      run_attempt: 1,
      node_id: `CR_${job.id}`,
      head_sha: '5779607b49aab1200488439f02372c57b4f75444',
      head_branch: 'main',
      url: `${origin}/repos/${run.repository}/actions/jobs/${job.id}`,
      html_url: `https://github.com/${run.repository}/actions/runs/${run.id}/job/${job.id}`,
      status: 'completed',
      conclusion,
      created_at: '2026-11-20T09:58:00Z',
      started_at: '2026-11-20T09:58:05Z',
      completed_at: '2026-11-20T09:59:30Z',
      name: job.name,
      steps:
        conclusion === 'skipped'
          ? []
          : [
              {
                name: 'Set up job',
                status: 'completed',
                conclusion: 'success',
                number: 1,
                started_at: '2026-11-20T09:58:05Z',
                completed_at: '2026-11-20T09:58:06Z',
              },
              {
                name: 'Run build',
                status: 'completed',
                conclusion,
                number: 2,
                started_at: '2026-11-20T09:58:06Z',
                completed_at: '2026-11-20T09:59:29Z',
              },
            ],
      check_run_url: `${origin}/repos/${run.repository}/check-runs/${job.id}`,
      labels: ['ubuntu-latest'],
      runner_id: 5,
      runner_name: 'GitHub Actions 5',
      runner_group_id: 2,
      runner_group_name: 'GitHub Actions',
      workflow_name: run.workflowName,
    };
  }

  /** One page of `items` as GitHub pages: `per_page` (capped) and `page`, with a `Link` header to the others. */
  function page<T>(url: URL, items: T[]): { slice: T[]; headers: Record<string, string> } {
    return githubPage({ url, origin }, items, options.maxPerPage ?? 100);
  }

  function listRuns(res: http.ServerResponse, url: URL, repository: string): void {
    const status = url.searchParams.get('status');
    const all = [...runs.values()]
      .filter((run) => run.repository.toLowerCase() === repository.toLowerCase() && (!status || (run.status ?? 'completed') === status))
      .sort((a, b) => b.id - a.id);
    const { slice, headers } = page(url, all);
    sendJson(res, 200, { total_count: all.length, workflow_runs: slice.map(runJson) }, { ...rateHeaders(), ...headers });
  }

  function getRun(res: http.ServerResponse, repository: string, id: number): void {
    const run = findRun(repository, id);
    if (!run) return notFound(res);
    sendJson(res, 200, runJson(run), rateHeaders());
  }

  function listJobs(res: http.ServerResponse, url: URL, repository: string, runId: number): void {
    const run = findRun(repository, runId);
    if (!run) return notFound(res);
    const { slice, headers } = page(url, run.jobs);
    sendJson(res, 200, { total_count: run.jobs.length, jobs: slice.map((job) => jobJson(run, job)) }, { ...rateHeaders(), ...headers });
  }

  function findJob(repository: string, jobId: number): { run: LoopbackWorkflowRun; job: LoopbackJob } | undefined {
    for (const run of runs.values()) {
      if (run.repository.toLowerCase() !== repository.toLowerCase()) continue;
      const job = run.jobs.find((j) => j.id === jobId);
      if (job) return { run, job };
    }
    return undefined;
  }

  function getJob(res: http.ServerResponse, repository: string, jobId: number): void {
    const found = findJob(repository, jobId);
    if (!found) return notFound(res);
    sendJson(res, 200, jobJson(found.run, found.job), rateHeaders());
  }

  function signature(jobId: number): string {
    return createHmac('sha256', signingKey).update(String(jobId)).digest('hex');
  }

  function redirectToLog(res: http.ServerResponse, repository: string, jobId: number): void {
    const found = findJob(repository, jobId);
    if (!found || found.job.conclusion === 'skipped') return notFound(res);
    res.writeHead(302, { location: `${origin}${logPathPrefix}${jobId}?sig=${signature(jobId)}`, ...rateHeaders() });
    res.end();
  }

  async function streamLog(res: http.ServerResponse, url: URL): Promise<void> {
    const jobId = Number(url.pathname.slice(logPathPrefix.length));
    if (url.searchParams.get('sig') !== signature(jobId)) {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code></Error>');
      return;
    }
    const job = [...runs.values()].flatMap((run) => run.jobs).find((j) => j.id === jobId);
    if (!job) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="utf-8"?><Error><Code>BlobNotFound</Code></Error>');
      return;
    }
    const size = job.content !== undefined ? Buffer.byteLength(job.content) : (job.sizeBytes ?? 0);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(size) });
    const source = job.content !== undefined ? Readable.from([Buffer.from(job.content)]) : generatedLog(size);
    await pipeline(source, res).catch(() => undefined); // the client may stop reading
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    calls,
    addRun: (run) => {
      runs.set(run.id, run);
    },
    injectFault: (fault) => faults.push({ ...fault, remaining: fault.times ?? Number.POSITIVE_INFINITY }),
    clearFaults: () => {
      faults.length = 0;
    },
    callsTo: (fragment) => calls.filter((c) => c.path.includes(fragment)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}
