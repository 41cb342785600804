import type * as http from 'node:http';
import { AdoRequestError } from './adoErrors';
import { type LoopbackExtension, type LoopbackRequest, projectIdFor, routeLocation, sendJson } from './azureDevOpsServer';
import { type LoopbackIdentity, vigilIdentity } from './identities';
import type { FixturePullRequest, FixtureRepository, RepositoryContentRoutes } from './repositoryContentRoutes';

/**
 * Pull request feedback for the loopback Azure DevOps, for azure-devops-node-api's GitApi and raw
 * REST, with or without a project in the URL: pull request statuses (`POST|GET
 * …/pullRequests/{id}/statuses`, and per iteration `…/iterations/{n}/statuses`), comment threads
 * (list, get, create with `properties`, `threadContext` and `pullRequestThreadContext`, update
 * status and properties), and thread comments (list with their author, add, edit, delete).
 * Requests that send numeric enums (thread status Active=1 … Closed=4, comment type Text=1,
 * status state Succeeded=2 …) or their names get names back, as Azure DevOps answers; thread
 * properties come back wrapped (`{"$type":"System.String","$value":…}`). A comment longer than
 * 150,000 characters is refused with Azure DevOps' message. Given the repository routes
 * (repositoryContentRoutes.ts), unknown pull requests answer 404 and `GET
 * …/repositories/{repo}/pullRequests/{id}` answers the same pull request they do. `as(person)`
 * lets a test reply, open threads and resolve them as someone else; `pullRequest(...)` shows
 * what was posted.
 */
export interface PullRequestFeedbackRoutesOptions {
  /** Who requests are made as: the identity behind the token (default vigilIdentity). */
  identity?: LoopbackIdentity;
  /** The repositories and pull requests the loopback serves; without them any pull request id is accepted. */
  repositories?: RepositoryContentRoutes;
  /** Longest comment accepted (default 150,000 characters, as Azure DevOps). */
  maxCommentLength?: number;
  now?: () => Date;
}

export type ThreadStatus = 'unknown' | 'active' | 'fixed' | 'wontFix' | 'closed' | 'byDesign' | 'pending';
export type StatusState = 'notSet' | 'pending' | 'succeeded' | 'failed' | 'error' | 'notApplicable' | 'partiallySucceeded';
const threadStatuses: ThreadStatus[] = ['unknown', 'active', 'fixed', 'wontFix', 'closed', 'byDesign', 'pending'];
const statusStates: StatusState[] = ['notSet', 'pending', 'succeeded', 'failed', 'error', 'notApplicable', 'partiallySucceeded'];
const commentTypes = ['unknown', 'text', 'codeChange', 'system'];

export interface FilePosition {
  line: number;
  offset: number;
}

export interface StoredThreadComment {
  id: number;
  parentCommentId: number;
  author: LoopbackIdentity;
  content: string;
  commentType: string;
  publishedDate: string;
  lastUpdatedDate: string;
  isDeleted: boolean;
}

export interface StoredThread {
  id: number;
  status?: ThreadStatus;
  threadContext?: {
    filePath: string;
    rightFileStart?: FilePosition;
    rightFileEnd?: FilePosition;
    leftFileStart?: FilePosition;
    leftFileEnd?: FilePosition;
  } | null;
  pullRequestThreadContext?: Record<string, unknown> | null;
  properties: Record<string, unknown>;
  comments: StoredThreadComment[];
  publishedDate: string;
  lastUpdatedDate: string;
  isDeleted: boolean;
}

export interface StoredPullRequestStatus {
  id: number;
  state: StatusState;
  description?: string;
  context: { name: string; genre?: string };
  targetUrl?: string;
  iterationId?: number;
  properties?: Record<string, unknown>;
  createdBy: LoopbackIdentity;
  creationDate: string;
  updatedDate: string;
}

interface PullRequestFeedback {
  repositoryId: string;
  pullRequestId: number;
  statuses: StoredPullRequestStatus[];
  threads: StoredThread[];
}

/** A pull request's feedback as a test reads it back. */
export interface PullRequestFeedbackSnapshot {
  statuses: Array<{
    id: number;
    state: StatusState;
    genre?: string;
    name: string;
    description?: string;
    iterationId?: number;
    targetUrl?: string;
    by: string;
  }>;
  threads: Array<{
    id: number;
    status?: ThreadStatus;
    filePath?: string;
    line?: number;
    properties: Record<string, unknown>;
    comments: Array<{ id: number; author: string; content: string; deleted: boolean }>;
  }>;
}

export interface PullRequestPersonActions {
  /** Adds a reply to a thread; returns the comment id. */
  reply(repository: string, pullRequestId: number, threadId: number, content: string): number;
  /** Opens a thread (on a file line when given); returns its id. */
  openThread(repository: string, pullRequestId: number, content: string, at?: { filePath: string; line: number }): number;
  setThreadStatus(repository: string, pullRequestId: number, threadId: number, status: ThreadStatus): void;
  deleteComment(repository: string, pullRequestId: number, threadId: number, commentId: number): void;
}

const git = (id: string, resource: string, template: string) => routeLocation(id, 'git', resource, template);

export class PullRequestFeedbackRoutes implements LoopbackExtension {
  readonly identity: LoopbackIdentity;
  readonly locations = {
    git: [
      git(
        '9946fd70-0d40-406e-b686-b4744cbbcc37',
        'pullRequests',
        '{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}',
      ),
      git(
        'b5f6bb4f-8d1e-4d79-8d11-4c9172c99c35',
        'pullRequestStatuses',
        '{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/statuses/{statusId}',
      ),
      git(
        '75cf11c5-979f-4038-a76e-058a06adf2bf',
        'pullRequestIterationStatuses',
        '{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/iterations/{iterationId}/statuses/{statusId}',
      ),
      git(
        'ab6e2e5d-a0b7-4153-b64a-a4efe0d49449',
        'pullRequestThreads',
        '{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}',
      ),
      git(
        '965a3ec7-5ed8-455a-bdcb-835a5ea7fe7b',
        'pullRequestThreadComments',
        '{project}/_apis/git/repositories/{repositoryId}/pullRequests/{pullRequestId}/threads/{threadId}/comments/{commentId}',
      ),
    ],
  };
  private readonly feedback = new Map<string, PullRequestFeedback>();
  private readonly maxCommentLength: number;
  private lastTime = 0;

  constructor(private readonly options: PullRequestFeedbackRoutesOptions = {}) {
    this.identity = options.identity ?? vigilIdentity;
    this.maxCommentLength = options.maxCommentLength ?? 150_000;
  }

  // ── inspection and acting as a person ───────────────────────────────────────────────────────
  pullRequest(repository: string, pullRequestId: number): PullRequestFeedbackSnapshot {
    const pr = this.find(repository, pullRequestId);
    return {
      statuses: pr.statuses.map((s) => ({
        id: s.id,
        state: s.state,
        name: s.context.name,
        ...(s.context.genre ? { genre: s.context.genre } : {}),
        ...(s.description !== undefined ? { description: s.description } : {}),
        ...(s.iterationId !== undefined ? { iterationId: s.iterationId } : {}),
        ...(s.targetUrl !== undefined ? { targetUrl: s.targetUrl } : {}),
        by: s.createdBy.displayName,
      })),
      threads: pr.threads.map((t) => ({
        id: t.id,
        ...(t.status ? { status: t.status } : {}),
        ...(t.threadContext?.filePath ? { filePath: t.threadContext.filePath } : {}),
        ...(t.threadContext?.rightFileStart ? { line: t.threadContext.rightFileStart.line } : {}),
        properties: { ...t.properties },
        comments: t.comments.map((c) => ({ id: c.id, author: c.author.displayName, content: c.content, deleted: c.isDeleted })),
      })),
    };
  }

  /** What the repository routes know of a pull request (for hook payloads); ids alone without them. */
  pullRequestInfo(
    repository: string,
    pullRequestId: number,
  ): {
    repositoryId: string;
    repositoryName: string;
    project: string;
    projectId: string;
    pullRequest?: FixturePullRequest;
    defaultBranch: string;
  } {
    if (!this.options.repositories)
      return {
        repositoryId: repository,
        repositoryName: repository,
        project: 'Fabrikam-Fiber-Git',
        projectId: projectIdFor('Fabrikam-Fiber-Git'),
        defaultBranch: 'refs/heads/main',
      };
    const { repo, pr } = this.fixture(repository, pullRequestId);
    return {
      repositoryId: repo.id,
      repositoryName: repo.name,
      project: repo.project,
      projectId: repo.projectId ?? projectIdFor(repo.project),
      pullRequest: pr,
      defaultBranch: repo.defaultBranch ?? 'refs/heads/main',
    };
  }

  /** The stored threads themselves (for a hook payload or a deep look). */
  threads(repository: string, pullRequestId: number): StoredThread[] {
    return this.find(repository, pullRequestId).threads;
  }

  as(identity: LoopbackIdentity): PullRequestPersonActions {
    return {
      reply: (repository, pullRequestId, threadId, content) =>
        this.addComment(this.find(repository, pullRequestId), threadId, { content, parentCommentId: 1, commentType: 1 }, identity).id,
      openThread: (repository, pullRequestId, content, at) =>
        this.createThread(
          this.find(repository, pullRequestId),
          {
            comments: [{ content, commentType: 1 }],
            status: 1,
            ...(at
              ? {
                  threadContext: {
                    filePath: at.filePath,
                    rightFileStart: { line: at.line, offset: 1 },
                    rightFileEnd: { line: at.line, offset: 1 },
                  },
                }
              : {}),
          },
          identity,
        ).id,
      setThreadStatus: (repository, pullRequestId, threadId, status) => {
        const thread = this.thread(this.find(repository, pullRequestId), threadId);
        thread.status = status;
        thread.lastUpdatedDate = this.now();
      },
      deleteComment: (repository, pullRequestId, threadId, commentId) => {
        const comment = this.thread(this.find(repository, pullRequestId), threadId).comments.find((c) => c.id === commentId);
        if (!comment) throw new Error(`no comment ${commentId} in thread ${threadId}`);
        comment.isDeleted = true;
        comment.content = '';
      },
    };
  }

  // ── HTTP ────────────────────────────────────────────────────────────────────────────────────
  async handle(request: LoopbackRequest, res: http.ServerResponse): Promise<boolean> {
    const match = request.route.match(/^(?:\/([^/]+))?\/_apis\/git\/repositories\/([^/]+)\/pullRequests\/(\d+)(\/.*)?$/i);
    if (!match) return false;
    const project = match[1] && match[1].toLowerCase() !== '_apis' ? decodeURIComponent(match[1]) : undefined;
    const repository = decodeURIComponent(match[2]);
    const pullRequestId = Number(match[3]);
    const rest = (match[4] ?? '').replace(/\/$/, '');
    try {
      if (rest === '' && request.method === 'GET') return await this.getPullRequest(request, res, project, repository, pullRequestId);
      if (/^\/iterations(\/\d+)?$/i.test(rest) || /^\/iterations\/\d+\/changes$/i.test(rest)) return false; // repository routes answer these
      const pr = this.open(repository, pullRequestId);
      return this.route(request, res, pr, rest);
    } catch (error) {
      if (error instanceof AdoRequestError) return error.send(res);
      throw error;
    }
  }

  private route(request: LoopbackRequest, res: http.ServerResponse, pr: PullRequestFeedback, rest: string): boolean {
    const { method, orgUrl } = request;
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^(?:\/iterations\/(\d+))?\/statuses(?:\/(\d+))?$/i))) {
      const iterationId = m[1] ? Number(m[1]) : undefined;
      if (m[2]) {
        const status = pr.statuses.find((s) => s.id === Number(m![2]));
        if (!status)
          throw new AdoRequestError(
            404,
            'GitPullRequestStatusNotFoundException',
            `TF401398: The pull request status with id ${m[2]} was not found.`,
            gitNamespace,
          );
        if (method === 'GET') return json(res, this.statusJson(pr, status, orgUrl));
        if (method === 'DELETE') {
          pr.statuses.splice(pr.statuses.indexOf(status), 1);
          return noContent(res);
        }
        return false;
      }
      if (method === 'POST') return json(res, this.statusJson(pr, this.createStatus(pr, parse(request.body), iterationId), orgUrl));
      if (method === 'GET') {
        const value = pr.statuses
          .filter((s) => iterationId === undefined || s.iterationId === iterationId)
          .map((s) => this.statusJson(pr, s, orgUrl));
        return json(res, { value, count: value.length });
      }
      return false;
    }
    if ((m = rest.match(/^\/threads(?:\/(\d+))?$/i))) {
      if (!m[1]) {
        if (method === 'POST') return json(res, this.threadJson(pr, this.createThread(pr, parse(request.body), this.identity), orgUrl));
        if (method === 'GET') {
          const value = pr.threads.map((t) => this.threadJson(pr, t, orgUrl));
          return json(res, { value, count: value.length });
        }
        return false;
      }
      const thread = this.thread(pr, Number(m[1]));
      if (method === 'GET') return json(res, this.threadJson(pr, thread, orgUrl));
      if (method === 'PATCH') return json(res, this.threadJson(pr, this.updateThread(thread, parse(request.body)), orgUrl));
      return false;
    }
    if ((m = rest.match(/^\/threads\/(\d+)\/comments(?:\/(\d+))?$/i))) {
      const thread = this.thread(pr, Number(m[1]));
      if (!m[2]) {
        if (method === 'POST')
          return json(res, this.commentJson(pr, thread, this.addComment(pr, thread.id, parse(request.body), this.identity), orgUrl));
        if (method === 'GET') {
          const value = thread.comments.map((c) => this.commentJson(pr, thread, c, orgUrl));
          return json(res, { value, count: value.length });
        }
        return false;
      }
      const comment = thread.comments.find((c) => c.id === Number(m![2]));
      if (!comment)
        throw new AdoRequestError(
          404,
          'CommentNotFoundException',
          `TF401181: The comment with id ${m[2]} was not found in thread ${thread.id}.`,
          gitNamespace,
        );
      if (method === 'GET') return json(res, this.commentJson(pr, thread, comment, orgUrl));
      if (method === 'PATCH') {
        const body = parse(request.body);
        if (body.content !== undefined) {
          comment.content = this.checkedContent(body.content);
          comment.lastUpdatedDate = this.now();
          thread.lastUpdatedDate = comment.lastUpdatedDate;
        }
        return json(res, this.commentJson(pr, thread, comment, orgUrl));
      }
      if (method === 'DELETE') {
        comment.isDeleted = true;
        comment.content = '';
        return noContent(res, 200);
      }
    }
    return false;
  }

  private async getPullRequest(
    request: LoopbackRequest,
    res: http.ServerResponse,
    project: string | undefined,
    repository: string,
    pullRequestId: number,
  ): Promise<boolean> {
    const routes = this.options.repositories;
    if (!routes) return false;
    const found = this.fixture(repository, pullRequestId);
    // The repository routes answer `{project}/_apis/git/pullRequests/{id}`; ask them the same question.
    const projectName = project ?? found.repo.project;
    return routes.handle(
      {
        ...request,
        project: projectName,
        projectRoute: `/_apis/git/pullRequests/${pullRequestId}`,
        route: `/${encodeURIComponent(projectName)}/_apis/git/pullRequests/${pullRequestId}`,
      },
      res,
    );
  }

  // ── state ───────────────────────────────────────────────────────────────────────────────────
  private fixture(repository: string, pullRequestId: number): { repo: FixtureRepository; pr: FixturePullRequest } {
    const wanted = repository.toLowerCase();
    const repo = this.options.repositories?.repositories.find((r) => r.id.toLowerCase() === wanted || r.name.toLowerCase() === wanted);
    const pr = repo?.pullRequests?.find((p) => p.pullRequestId === pullRequestId);
    if (!repo || !pr)
      throw new AdoRequestError(
        404,
        'GitPullRequestNotFoundException',
        'TF401180: The requested pull request was not found.',
        gitNamespace,
      );
    return { repo, pr };
  }

  /** The feedback of a pull request, created on first use (404 for a pull request the repository routes do not have). */
  private open(repository: string, pullRequestId: number): PullRequestFeedback {
    const repositoryId = this.options.repositories
      ? this.fixture(repository, pullRequestId).repo.id.toLowerCase()
      : repository.toLowerCase();
    const key = `${repositoryId}/${pullRequestId}`;
    let pr = this.feedback.get(key);
    if (!pr) {
      pr = { repositoryId, pullRequestId, statuses: [], threads: [] };
      this.feedback.set(key, pr);
    }
    return pr;
  }

  private find(repository: string, pullRequestId: number): PullRequestFeedback {
    try {
      return this.open(repository, pullRequestId);
    } catch {
      throw new Error(`no pull request ${pullRequestId} in repository ${repository} of the loopback Azure DevOps`);
    }
  }

  private thread(pr: PullRequestFeedback, threadId: number): StoredThread {
    const thread = pr.threads.find((t) => t.id === threadId);
    if (!thread)
      throw new AdoRequestError(
        404,
        'CommentThreadNotFoundException',
        `TF401179: The comment thread with id ${threadId} was not found.`,
        gitNamespace,
      );
    return thread;
  }

  private now(): string {
    this.lastTime = Math.max((this.options.now?.() ?? new Date()).getTime(), this.lastTime + 1);
    return new Date(this.lastTime).toISOString();
  }

  private createStatus(
    pr: PullRequestFeedback,
    body: Record<string, unknown>,
    iterationInPath: number | undefined,
  ): StoredPullRequestStatus {
    const context = body.context as { name?: unknown; genre?: unknown } | undefined;
    if (typeof context?.name !== 'string' || !context.name)
      throw new AdoRequestError(
        400,
        'InvalidArgumentValueException',
        'Invalid argument value.\r\nParameter name: status.Context.Name',
        gitNamespace,
      );
    const state = enumName(body.state ?? 'notSet', statusStates, 'status.State');
    const iterationId = iterationInPath ?? (typeof body.iterationId === 'number' ? body.iterationId : undefined);
    const date = this.now();
    const status: StoredPullRequestStatus = {
      id: pr.statuses.length + 1,
      state,
      ...(typeof body.description === 'string' ? { description: body.description } : {}),
      context: { name: context.name, ...(typeof context.genre === 'string' ? { genre: context.genre } : {}) },
      ...(typeof body.targetUrl === 'string' ? { targetUrl: body.targetUrl } : {}),
      ...(iterationId !== undefined ? { iterationId } : {}),
      ...(body.properties && typeof body.properties === 'object' ? { properties: body.properties as Record<string, unknown> } : {}),
      createdBy: this.identity,
      creationDate: date,
      updatedDate: date,
    };
    pr.statuses.push(status);
    return status;
  }

  private createThread(pr: PullRequestFeedback, body: Record<string, unknown>, author: LoopbackIdentity): StoredThread {
    const comments = Array.isArray(body.comments) ? (body.comments as Array<Record<string, unknown>>) : [];
    const context = body.threadContext as StoredThread['threadContext'];
    if (context) {
      if (typeof context.filePath !== 'string' || !context.filePath.startsWith('/'))
        throw new AdoRequestError(
          400,
          'InvalidArgumentValueException',
          'Invalid argument value.\r\nParameter name: threadContext.FilePath',
          gitNamespace,
        );
      for (const [name, position] of Object.entries(context)) {
        if (name === 'filePath' || position === null || position === undefined) continue;
        const p = position as FilePosition;
        if (!(p.line >= 1) || !(p.offset >= 1))
          throw new AdoRequestError(
            400,
            'InvalidArgumentValueException',
            `Invalid argument value.\r\nParameter name: threadContext.${name}`,
            gitNamespace,
          );
      }
    }
    const date = this.now();
    const thread: StoredThread = {
      id: pr.threads.length + 1,
      ...(body.status !== undefined ? { status: enumName(body.status, threadStatuses, 'thread.Status') } : {}),
      threadContext: context ?? null,
      pullRequestThreadContext: (body.pullRequestThreadContext as Record<string, unknown> | undefined) ?? null,
      properties: unwrapProperties(body.properties),
      comments: [],
      publishedDate: date,
      lastUpdatedDate: date,
      isDeleted: false,
    };
    // Validate every comment before keeping anything: a refused thread leaves no trace.
    for (const comment of comments) this.checkedContent(comment.content);
    pr.threads.push(thread);
    for (const comment of comments) this.addComment(pr, thread.id, comment, author);
    return thread;
  }

  private updateThread(thread: StoredThread, body: Record<string, unknown>): StoredThread {
    if (body.status !== undefined) thread.status = enumName(body.status, threadStatuses, 'thread.Status');
    if (body.properties && typeof body.properties === 'object') {
      for (const [key, value] of Object.entries(unwrapProperties(body.properties))) {
        if (value === null) delete thread.properties[key];
        else thread.properties[key] = value;
      }
    }
    thread.lastUpdatedDate = this.now();
    return thread;
  }

  private addComment(
    pr: PullRequestFeedback,
    threadId: number,
    body: Record<string, unknown>,
    author: LoopbackIdentity,
  ): StoredThreadComment {
    const thread = this.thread(pr, threadId);
    const content = this.checkedContent(body.content);
    const date = this.now();
    const comment: StoredThreadComment = {
      id: thread.comments.length + 1,
      parentCommentId: typeof body.parentCommentId === 'number' ? body.parentCommentId : 0,
      author,
      content,
      commentType: enumName(body.commentType ?? 'text', commentTypes, 'comment.CommentType'),
      publishedDate: date,
      lastUpdatedDate: date,
      isDeleted: false,
    };
    thread.comments.push(comment);
    thread.lastUpdatedDate = date;
    return comment;
  }

  private checkedContent(content: unknown): string {
    const text = typeof content === 'string' ? content : '';
    if (text.length > this.maxCommentLength) {
      throw new AdoRequestError(
        400,
        'ArgumentException',
        `A discussion comment cannot be longer than ${this.maxCommentLength} characters.\r\nParameter name: comment.Content`,
        { namespace: 'System' },
      );
    }
    return text;
  }

  // ── JSON ────────────────────────────────────────────────────────────────────────────────────
  private repoUrl(pr: PullRequestFeedback, orgUrl: string): string {
    return `${orgUrl}/_apis/git/repositories/${pr.repositoryId}`;
  }

  private statusJson(pr: PullRequestFeedback, status: StoredPullRequestStatus, orgUrl: string) {
    const self = `${this.repoUrl(pr, orgUrl)}/pullRequests/${pr.pullRequestId}/statuses/${status.id}`;
    return {
      ...(status.iterationId !== undefined ? { iterationId: status.iterationId } : {}),
      id: status.id,
      state: status.state,
      ...(status.description !== undefined ? { description: status.description } : {}),
      context: status.context,
      creationDate: status.creationDate,
      updatedDate: status.updatedDate,
      createdBy: shortIdentity(status.createdBy, orgUrl),
      ...(status.targetUrl !== undefined ? { targetUrl: status.targetUrl } : {}),
      ...(status.properties ? { properties: wrapProperties(status.properties) } : {}),
      _links: { self: { href: self }, repository: { href: this.repoUrl(pr, orgUrl) } },
    };
  }

  private threadJson(pr: PullRequestFeedback, thread: StoredThread, orgUrl: string) {
    const self = `${this.repoUrl(pr, orgUrl)}/pullRequests/${pr.pullRequestId}/threads/${thread.id}`;
    return {
      pullRequestThreadContext: thread.pullRequestThreadContext ?? null,
      id: thread.id,
      publishedDate: thread.publishedDate,
      lastUpdatedDate: thread.lastUpdatedDate,
      comments: thread.comments.map((c) => this.commentJson(pr, thread, c, orgUrl)),
      ...(thread.status ? { status: thread.status } : {}),
      threadContext: thread.threadContext ?? null,
      properties: wrapProperties(thread.properties),
      identities: null,
      isDeleted: thread.isDeleted,
      _links: { self: { href: self }, repository: { href: this.repoUrl(pr, orgUrl) } },
    };
  }

  private commentJson(pr: PullRequestFeedback, thread: StoredThread, comment: StoredThreadComment, orgUrl: string) {
    const threadUrl = `${this.repoUrl(pr, orgUrl)}/pullRequests/${pr.pullRequestId}/threads/${thread.id}`;
    return {
      id: comment.id,
      parentCommentId: comment.parentCommentId,
      author: shortIdentity(comment.author, orgUrl),
      content: comment.content,
      publishedDate: comment.publishedDate,
      lastUpdatedDate: comment.lastUpdatedDate,
      lastContentUpdatedDate: comment.lastUpdatedDate,
      ...(comment.isDeleted ? { isDeleted: true } : {}),
      commentType: comment.commentType,
      usersLiked: [],
      _links: {
        self: { href: `${threadUrl}/comments/${comment.id}` },
        repository: { href: this.repoUrl(pr, orgUrl) },
        threads: { href: threadUrl },
      },
    };
  }
}

const gitNamespace = { namespace: 'Microsoft.TeamFoundation.SourceControl.WebServer' };

/** The identity as pull request answers write it (no avatar links or descriptor). */
function shortIdentity(identity: LoopbackIdentity, orgUrl: string) {
  return {
    id: identity.id,
    displayName: identity.displayName,
    uniqueName: identity.uniqueName,
    url: `${orgUrl}/_apis/Identities/${identity.id}`,
    imageUrl: `${orgUrl}/_api/_common/identityImage?id=${identity.id}`,
  };
}

/** An enum sent as its number or its name (any case), as its camel-case name. */
function enumName<T extends string>(value: unknown, names: readonly T[], parameter: string): T {
  if (typeof value === 'number' && names[value]) return names[value];
  if (typeof value === 'string') {
    const found = names.find((n) => n.toLowerCase() === value.toLowerCase());
    if (found) return found;
  }
  throw new AdoRequestError(400, 'InvalidArgumentValueException', `Invalid argument value.\r\nParameter name: ${parameter}`, gitNamespace);
}

/** Properties as sent: plain values, or already wrapped as `{$type, $value}`. */
function unwrapProperties(value: unknown): Record<string, unknown> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [
      k,
      v && typeof v === 'object' && '$value' in v ? (v as { $value: unknown }).$value : v,
    ]),
  );
}

/** Properties as Azure DevOps answers them: each value wrapped with its .NET type. */
function wrapProperties(properties: Record<string, unknown>): Record<string, { $type: string; $value: unknown }> {
  return Object.fromEntries(
    Object.entries(properties).map(([k, v]) => [
      k,
      {
        $type:
          typeof v === 'number'
            ? Number.isInteger(v)
              ? 'System.Int32'
              : 'System.Double'
            : typeof v === 'boolean'
              ? 'System.Boolean'
              : 'System.String',
        $value: v,
      },
    ]),
  );
}

function parse(text: string): Record<string, unknown> {
  try {
    const value = text ? (JSON.parse(text) as unknown) : {};
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new AdoRequestError(400, 'VssRequestContentException', 'The request body is not a JSON object.', {
    namespace: 'Microsoft.VisualStudio.Services.WebApi',
  });
}

function json(res: http.ServerResponse, body: unknown): boolean {
  sendJson(res, 200, body);
  return true;
}

function noContent(res: http.ServerResponse, status = 204): boolean {
  res.writeHead(status, { 'content-length': '0' });
  res.end();
  return true;
}
