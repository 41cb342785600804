import { readFileSync } from 'node:fs';
import type * as http from 'node:http';
import * as path from 'node:path';
import type { GitHubLoopbackExtension, GitHubLoopbackRequest } from '../githubApiServer';
import type { LoopbackGitHubRepository } from '../githubRepositoryRoutes';
import { blobSha, type LoopbackCommit } from '../loopbackGitHistory';
import { type ChangedFile, requestChanges } from '../pullRequestChanges';
import { type DiffHunk, hunkHeader, hunkText, lineCounts, newSideLines, oldSideLines } from '../unifiedDiff';
import { CheckRunStore } from './checkRuns';
import { type GitHubUser, githubPage, githubUser, send, validationFailed } from './githubAnswers';

/**
 * Pull requests for the loopback GitHub (test/support/githubApiServer.ts), for `@octokit/rest`:
 * `pulls.get`, `pulls.listFiles` (with `patch` hunks worked out from the history), `pulls.listCommits`,
 * `repos.getContent` at a ref (base64 wrapped at 60 characters with newlines, as GitHub sends it;
 * raw with the raw media type), check runs (checkRuns.ts), issue comments on the pull request
 * (list, create, get, update, delete), review comments on diff lines (create with `line`/`side`/
 * `start_line`, list, get, update, delete, reply), commit statuses (create, list, combined) and
 * `GET /user` for the token's own account. Lists page with `Link` headers. Bodies longer than
 * 65,536 characters, review comments off the diff and unknown commits get GitHub's 422s. The
 * responses are GitHub's documented examples (test/fixtures/github/rest/) with this server's
 * values. `as(user)` lets a test comment, reply and delete as a person; `pullRequest(...)` shows
 * what was posted.
 */
export interface LoopbackGitHubPullRequest {
  /** `owner/name`; must be one of `repositories`. */
  repository: string;
  number: number;
  /** Branch names (or shas) resolved in the repository's history when asked, so moving a branch moves the pull request. */
  base: string;
  head: string;
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  draft?: boolean;
  author?: GitHubUser;
}

export interface GitHubPullRequestRoutesOptions {
  repositories: LoopbackGitHubRepository[];
  pullRequests: LoopbackGitHubPullRequest[];
  /** The account the token belongs to (`GET /user`, and the author of what is posted). Default `vigil-bot`. */
  identity?: GitHubUser;
  /** Longest comment body (default 65,536, as GitHub). */
  maxBodyLength?: number;
  /** Largest page (default 100, as GitHub). */
  maxPerPage?: number;
  /** Answer check run writes 403 "You must authenticate via a GitHub App." as GitHub does for a personal access token (default false). */
  checkRunsRequireApp?: boolean;
  now?: () => Date;
}

export interface StoredIssueComment {
  id: number;
  repository: string;
  number: number;
  body: string;
  user: GitHubUser;
  createdAt: string;
  updatedAt: string;
}

export interface StoredReviewComment {
  id: number;
  repository: string;
  number: number;
  body: string;
  user: GitHubUser;
  commitId: string;
  path: string;
  line: number | null;
  side: 'LEFT' | 'RIGHT';
  startLine: number | null;
  startSide: 'LEFT' | 'RIGHT' | null;
  position: number | null;
  diffHunk: string;
  inReplyToId?: number;
  subjectType: 'line' | 'file';
  createdAt: string;
  updatedAt: string;
}

export interface StoredCommitStatus {
  id: number;
  repository: string;
  sha: string;
  state: 'error' | 'failure' | 'pending' | 'success';
  context: string;
  description: string | null;
  targetUrl: string | null;
  creator: GitHubUser;
  createdAt: string;
}

export interface GitHubPersonActions {
  /** A comment on the pull request's conversation; returns its id. */
  comment(repository: string, number: number, body: string): number;
  editComment(commentId: number, body: string): void;
  deleteComment(commentId: number): void;
  /** A reply in a review comment's thread; returns its id. */
  reply(repository: string, number: number, reviewCommentId: number, body: string): number;
  deleteReviewComment(commentId: number): void;
}

const fixturesDir = path.resolve(__dirname, '../../fixtures/github/rest');
const example = (name: string) =>
  (JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8')) as { responseExample: unknown }).responseExample;
const defaultIdentity: GitHubUser = { login: 'vigil-bot', id: 90_000_001, type: 'User' };

export class GitHubPullRequestRoutes implements GitHubLoopbackExtension {
  readonly identity: GitHubUser;
  /** What kind of token Vigil calls with: a person's (`GET /user` answers) or a GitHub App installation's (it is refused). */
  token: 'personal' | 'installation' = 'personal';
  readonly checkRuns: CheckRunStore;
  readonly issueComments: StoredIssueComment[] = [];
  readonly reviewComments: StoredReviewComment[] = [];
  readonly statuses: StoredCommitStatus[] = [];
  private nextId = 1000;
  private lastTime = 0;
  private readonly maxBodyLength: number;

  constructor(private readonly options: GitHubPullRequestRoutesOptions) {
    this.identity = options.identity ?? defaultIdentity;
    this.maxBodyLength = options.maxBodyLength ?? 65_536;
    this.checkRuns = new CheckRunStore({
      now: () => this.now(),
      commitExists: (repository, sha) => this.repository(repository)?.history.commit(sha) !== undefined,
      ...(options.checkRunsRequireApp ? { requireApp: true } : {}),
    });
  }

  // ── inspection and acting as a person ───────────────────────────────────────────────────────
  /** What was posted on a pull request: conversation comments, review comments, and statuses and check runs on its head. */
  pullRequest(repository: string, number: number) {
    const pr = this.find(repository, number);
    const head = pr ? this.changes(pr).head : undefined;
    const same = (r: string) => r.toLowerCase() === repository.toLowerCase();
    return {
      comments: this.issueComments
        .filter((c) => same(c.repository) && c.number === number)
        .map((c) => ({ id: c.id, user: c.user.login, body: c.body })),
      reviewComments: this.reviewComments
        .filter((c) => same(c.repository) && c.number === number)
        .map((c) => ({
          id: c.id,
          user: c.user.login,
          body: c.body,
          path: c.path,
          line: c.line,
          side: c.side,
          startLine: c.startLine,
          commitId: c.commitId,
          ...(c.inReplyToId ? { inReplyToId: c.inReplyToId } : {}),
        })),
      statuses: this.statuses
        .filter((s) => same(s.repository) && s.sha === head)
        .map((s) => ({ context: s.context, state: s.state, description: s.description, targetUrl: s.targetUrl })),
      checkRuns: this.checkRuns.runs
        .filter((r) => same(r.repository) && r.headSha === head)
        .map((r) => ({
          id: r.id,
          name: r.name,
          status: r.status,
          conclusion: r.conclusion,
          title: r.output.title ?? null,
          summary: r.output.summary ?? null,
          annotations: r.annotations.length,
        })),
    };
  }

  as(user: GitHubUser): GitHubPersonActions {
    return {
      comment: (repository, number, body) => this.addIssueComment(repository, number, body, user).id,
      editComment: (commentId, body) => {
        const comment = this.issueComments.find((c) => c.id === commentId);
        if (!comment) throw new Error(`no issue comment ${commentId}`);
        comment.body = body;
        comment.updatedAt = this.now();
      },
      deleteComment: (commentId) => {
        const index = this.issueComments.findIndex((c) => c.id === commentId);
        if (index < 0) throw new Error(`no issue comment ${commentId}`);
        this.issueComments.splice(index, 1);
      },
      reply: (repository, number, reviewCommentId, body) => this.reply(repository, number, reviewCommentId, body, user).id,
      deleteReviewComment: (commentId) => {
        const index = this.reviewComments.findIndex((c) => c.id === commentId);
        if (index < 0) throw new Error(`no review comment ${commentId}`);
        this.reviewComments.splice(index, 1);
      },
    };
  }

  // ── HTTP ────────────────────────────────────────────────────────────────────────────────────
  handle(request: GitHubLoopbackRequest, res: http.ServerResponse): boolean {
    const { method, url } = request;
    if (method === 'GET' && url.pathname === '/user') {
      // An installation token authenticates as an installation, not a user: GitHub refuses `GET /user`
      // (the answer recorded in actions/create-github-app-token#258), and GraphQL's `viewer` is the app's bot.
      if (this.token === 'installation') {
        return send(res, 403, {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
          status: '403',
        });
      }
      return send(res, 200, githubUser(this.identity, request.origin, true));
    }
    if (method === 'POST' && url.pathname === '/graphql' && /\bviewer\b/.test(request.body)) {
      return send(res, 200, { data: { viewer: { login: this.identity.login, databaseId: this.identity.id } } });
    }
    const match = url.pathname.match(/^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/);
    if (!match) return false;
    const repository = this.repository(`${match[1]}/${match[2]}`);
    if (!repository) return false;
    const rest = (match[3] ?? '').replace(/\/$/, '');
    const name = repository.fullName;
    let m: RegExpMatchArray | null;
    if ((m = rest.match(/^\/pulls\/(\d+)(?:\/(files|commits|comments))?$/))) {
      const pr = this.find(name, Number(m[1]));
      if (!pr) return notFound(res);
      if (!m[2] && method === 'GET') return send(res, 200, this.pullJson(request, pr));
      if (m[2] === 'files' && method === 'GET') return this.files(request, res, pr);
      if (m[2] === 'commits' && method === 'GET') return this.commits(request, res, pr);
      if (m[2] === 'comments' && method === 'GET') {
        const all = this.reviewComments.filter((c) => c.repository === name && c.number === pr.number);
        return this.paged(request, res, all, (c) => this.reviewCommentJson(request, c));
      }
      if (m[2] === 'comments' && method === 'POST') return this.createReviewComment(request, res, pr);
      return false;
    }
    if ((m = rest.match(/^\/pulls\/(\d+)\/comments\/(\d+)\/replies$/)) && method === 'POST') {
      const pr = this.find(name, Number(m[1]));
      if (!pr || !this.reviewComments.some((c) => c.id === Number(m![2]) && c.repository === name && c.number === pr.number))
        return notFound(res);
      const body = this.body(request, res, 'PullRequestReviewComment');
      if (body === undefined) return true;
      return send(res, 201, this.reviewCommentJson(request, this.reply(name, pr.number, Number(m[2]), String(body.body), this.identity)));
    }
    if ((m = rest.match(/^\/pulls\/comments\/(\d+)$/))) {
      const comment = this.reviewComments.find((c) => c.id === Number(m![1]) && c.repository === name);
      if (!comment) return notFound(res);
      if (method === 'GET') return send(res, 200, this.reviewCommentJson(request, comment));
      if (method === 'PATCH') {
        const body = this.body(request, res, 'PullRequestReviewComment');
        if (body === undefined) return true;
        comment.body = String(body.body);
        comment.updatedAt = this.now();
        return send(res, 200, this.reviewCommentJson(request, comment));
      }
      if (method === 'DELETE') {
        this.reviewComments.splice(this.reviewComments.indexOf(comment), 1);
        return noContent(res);
      }
      return false;
    }
    if ((m = rest.match(/^\/issues\/(\d+)\/comments$/))) {
      const pr = this.find(name, Number(m[1]));
      if (!pr) return notFound(res);
      if (method === 'GET') {
        const since = url.searchParams.get('since');
        const all = this.issueComments.filter((c) => c.repository === name && c.number === pr.number && (!since || c.updatedAt >= since));
        return this.paged(request, res, all, (c) => this.issueCommentJson(request, c));
      }
      if (method === 'POST') {
        const body = this.body(request, res, 'IssueComment');
        if (body === undefined) return true;
        return send(res, 201, this.issueCommentJson(request, this.addIssueComment(name, pr.number, String(body.body), this.identity)));
      }
      return false;
    }
    if ((m = rest.match(/^\/issues\/comments\/(\d+)$/))) {
      const comment = this.issueComments.find((c) => c.id === Number(m![1]) && c.repository === name);
      if (!comment) return notFound(res);
      if (method === 'GET') return send(res, 200, this.issueCommentJson(request, comment));
      if (method === 'PATCH') {
        const body = this.body(request, res, 'IssueComment');
        if (body === undefined) return true;
        comment.body = String(body.body);
        comment.updatedAt = this.now();
        return send(res, 200, this.issueCommentJson(request, comment));
      }
      if (method === 'DELETE') {
        this.issueComments.splice(this.issueComments.indexOf(comment), 1);
        return noContent(res);
      }
      return false;
    }
    if ((m = rest.match(/^\/statuses\/([^/]+)$/)) && method === 'POST')
      return this.createStatus(request, res, repository, decodeURIComponent(m[1]));
    if ((m = rest.match(/^\/commits\/([^/]+)\/(statuses|status|check-runs)$/)) && method === 'GET') {
      const sha = repository.history.resolve(decodeURIComponent(m[1]));
      if (!sha)
        return send(res, 422, {
          message: `No commit found for SHA: ${decodeURIComponent(m[1])}`,
          documentation_url: 'https://docs.github.com/rest/commits/statuses',
          status: '422',
        });
      if (m[2] === 'statuses') {
        const all = this.statuses.filter((s) => s.repository === name && s.sha === sha).reverse();
        return this.paged(request, res, all, (s) => this.statusJson(request, s));
      }
      if (m[2] === 'status') return send(res, 200, this.combinedStatus(request, repository, sha));
      return this.checkRuns.list(request, res, name, sha, url.searchParams);
    }
    if ((m = rest.match(/^\/check-runs(?:\/(\d+)(\/annotations)?)?$/)))
      return this.checkRuns.handle(request, res, name, m[1] ? Number(m[1]) : undefined, m[2] !== undefined, this.identity);
    if ((m = rest.match(/^\/contents\/(.+)$/)) && method === 'GET')
      return this.contents(request, res, repository, decodeURIComponent(m[1]));
    return false;
  }

  // ── answers ─────────────────────────────────────────────────────────────────────────────────
  private pullJson(request: GitHubLoopbackRequest, pr: LoopbackGitHubPullRequest) {
    const template = example('pulls.get.json') as Record<string, unknown>;
    const changes = this.changes(pr);
    const api = `${request.origin}/repos/${pr.repository}`;
    const web = `https://github.com/${pr.repository}`;
    const repo = this.repositoryJson(request, pr.repository);
    const owner = githubUser({ login: pr.repository.split('/')[0], id: 1, type: 'Organization' }, request.origin);
    const author = githubUser(pr.author ?? { login: 'octocat', id: 1, type: 'User' }, request.origin);
    const counts = changes.files.map((f) => lineCounts(f.hunks));
    const side = (ref: string, sha: string) => ({ label: `${pr.repository.split('/')[0]}:${ref}`, ref, sha, user: owner, repo });
    return {
      ...template,
      url: `${api}/pulls/${pr.number}`,
      id: 10_000 + pr.number,
      node_id: `PR_${pr.number}`,
      html_url: `${web}/pull/${pr.number}`,
      diff_url: `${web}/pull/${pr.number}.diff`,
      patch_url: `${web}/pull/${pr.number}.patch`,
      issue_url: `${api}/issues/${pr.number}`,
      commits_url: `${api}/pulls/${pr.number}/commits`,
      review_comments_url: `${api}/pulls/${pr.number}/comments`,
      review_comment_url: `${api}/pulls/comments{/number}`,
      comments_url: `${api}/issues/${pr.number}/comments`,
      statuses_url: `${api}/statuses/${changes.head}`,
      number: pr.number,
      state: pr.state ?? 'open',
      title: pr.title ?? `Pull request ${pr.number}`,
      user: author,
      body: pr.body ?? null,
      labels: [],
      milestone: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: side(pr.head, changes.head),
      base: side(pr.base, changes.baseTip),
      _links: {
        self: { href: `${api}/pulls/${pr.number}` },
        html: { href: `${web}/pull/${pr.number}` },
        issue: { href: `${api}/issues/${pr.number}` },
        comments: { href: `${api}/issues/${pr.number}/comments` },
        review_comments: { href: `${api}/pulls/${pr.number}/comments` },
        review_comment: { href: `${api}/pulls/comments{/number}` },
        commits: { href: `${api}/pulls/${pr.number}/commits` },
        statuses: { href: `${api}/statuses/${changes.head}` },
      },
      draft: pr.draft ?? false,
      merged: false,
      mergeable: true,
      rebaseable: true,
      mergeable_state: 'clean',
      merged_by: null,
      comments: this.issueComments.filter((c) => c.repository === pr.repository && c.number === pr.number).length,
      review_comments: this.reviewComments.filter((c) => c.repository === pr.repository && c.number === pr.number).length,
      commits: changes.commits.length,
      additions: counts.reduce((n, c) => n + c.additions, 0),
      deletions: counts.reduce((n, c) => n + c.deletions, 0),
      changed_files: changes.files.length,
    };
  }

  private files(request: GitHubLoopbackRequest, res: http.ServerResponse, pr: LoopbackGitHubPullRequest): boolean {
    const changes = this.changes(pr);
    const api = `${request.origin}/repos/${pr.repository}`;
    const web = `https://github.com/${pr.repository}`;
    // GitHub lists at most 3,000 files of a pull request.
    return this.paged(request, res, changes.files.slice(0, 3000), (file: ChangedFile) => {
      const counts = lineCounts(file.hunks);
      const sha = blobSha(file.after ?? file.before ?? '');
      return {
        sha,
        filename: file.path,
        status: file.status,
        additions: counts.additions,
        deletions: counts.deletions,
        changes: counts.additions + counts.deletions,
        blob_url: `${web}/blob/${changes.head}/${file.path}`,
        raw_url: `${web}/raw/${changes.head}/${file.path}`,
        contents_url: `${api}/contents/${file.path}?ref=${changes.head}`,
        // Binary files come without a patch.
        ...(file.binary ? {} : { patch: hunkText(file.hunks) }),
      };
    });
  }

  private commits(request: GitHubLoopbackRequest, res: http.ServerResponse, pr: LoopbackGitHubPullRequest): boolean {
    const changes = this.changes(pr);
    // GitHub lists at most 250 commits of a pull request.
    return this.paged(request, res, changes.commits.slice(0, 250), (commit: LoopbackCommit) =>
      this.commitJson(request, pr.repository, commit),
    );
  }

  private contents(
    request: GitHubLoopbackRequest,
    res: http.ServerResponse,
    repository: LoopbackGitHubRepository,
    filePath: string,
  ): boolean {
    const ref = request.url.searchParams.get('ref') ?? repository.defaultBranch;
    const sha = repository.history.resolve(ref);
    const content = sha ? repository.history.contentAt(sha, filePath) : undefined;
    if (content === undefined) return notFound(res);
    if (/application\/vnd\.github(\.v3)?\.raw/.test(String(request.headers.accept ?? ''))) {
      res.writeHead(200, { 'content-type': 'application/vnd.github.raw; charset=utf-8', 'content-length': String(content.length) });
      res.end(content);
      return true;
    }
    const template = example('repos.get-content.json') as Record<string, unknown>;
    const api = `${request.origin}/repos/${repository.fullName}`;
    const blob = blobSha(content);
    return send(res, 200, {
      ...template,
      type: 'file',
      encoding: 'base64',
      size: content.length,
      name: filePath.split('/').at(-1),
      path: filePath,
      // GitHub wraps the base64 at 60 characters with real newlines (the documented example shows them as a literal "\n").
      content: `${content.toString('base64').replace(/.{60}/g, '$&\n')}\n`,
      sha: blob,
      url: `${api}/contents/${filePath}?ref=${ref}`,
      git_url: `${api}/git/blobs/${blob}`,
      html_url: `https://github.com/${repository.fullName}/blob/${ref}/${filePath}`,
      download_url: `https://raw.githubusercontent.com/${repository.fullName}/${ref}/${filePath}`,
      _links: {
        git: `${api}/git/blobs/${blob}`,
        self: `${api}/contents/${filePath}?ref=${ref}`,
        html: `https://github.com/${repository.fullName}/blob/${ref}/${filePath}`,
      },
    });
  }

  private createReviewComment(request: GitHubLoopbackRequest, res: http.ServerResponse, pr: LoopbackGitHubPullRequest): boolean {
    const body = this.body(request, res, 'PullRequestReviewComment');
    if (body === undefined) return true;
    if (typeof body.in_reply_to === 'number') {
      if (!this.reviewComments.some((c) => c.id === body.in_reply_to && c.repository === pr.repository && c.number === pr.number))
        return notFound(res);
      return send(
        res,
        201,
        this.reviewCommentJson(request, this.reply(pr.repository, pr.number, body.in_reply_to, String(body.body), this.identity)),
      );
    }
    const repository = this.repository(pr.repository)!;
    const commitId = String(body.commit_id ?? '');
    const changes = this.changes(pr);
    const inPullRequest = changes.commits.some((c) => c.sha === commitId);
    if (!repository.history.commit(commitId) || !inPullRequest)
      return validationFailed(
        res,
        'PullRequestReviewComment',
        'commit_id',
        'invalid',
        'commit_id is not part of the pull request',
        'create-a-review-comment-for-a-pull-request',
      );
    // Lines are those of the diff from the merge base to the commented commit.
    const files = requestChanges(repository.history, changes.mergeBase, commitId).files;
    const file = files.find((f) => f.path === body.path);
    if (!file)
      return validationFailed(
        res,
        'PullRequestReviewComment',
        'path',
        'invalid',
        'pull_request_review_thread.path is invalid',
        'create-a-review-comment-for-a-pull-request',
      );
    if (body.subject_type === 'file') {
      return send(
        res,
        201,
        this.reviewCommentJson(
          request,
          this.storeReviewComment(
            pr,
            String(body.body),
            commitId,
            file.path,
            { line: null, side: 'RIGHT', startLine: null, startSide: null, position: null, diffHunk: '', subjectType: 'file' },
            this.identity,
          ),
        ),
      );
    }
    const side = body.side === 'LEFT' ? 'LEFT' : 'RIGHT';
    const line = Number(body.line);
    const startLine = body.start_line === undefined || body.start_line === null ? null : Number(body.start_line);
    const startSide = startLine === null ? null : body.start_side === 'LEFT' ? 'LEFT' : side;
    const hunk = hunkWith(file.hunks, side, line);
    if (!Number.isInteger(line) || !hunk)
      return validationFailed(
        res,
        'PullRequestReviewComment',
        'pull_request_review_thread.line',
        'custom',
        'pull_request_review_thread.line must be part of the diff',
        'create-a-review-comment-for-a-pull-request',
      );
    if (startLine !== null && startSide === side && startLine >= line) {
      return validationFailed(
        res,
        'PullRequestReviewComment',
        'pull_request_review_thread.start_line',
        'custom',
        'pull_request_review_thread.start_line must precede the end line.',
        'create-a-review-comment-for-a-pull-request',
      );
    }
    if (startLine !== null && hunkWith(file.hunks, startSide ?? side, startLine) !== hunk) {
      return validationFailed(
        res,
        'PullRequestReviewComment',
        'pull_request_review_thread.start_line',
        'custom',
        'pull_request_review_thread.start_line must be part of the same hunk as the line.',
        'create-a-review-comment-for-a-pull-request',
      );
    }
    const { position, diffHunk } = positionOf(file.hunks, hunk, side, line);
    return send(
      res,
      201,
      this.reviewCommentJson(
        request,
        this.storeReviewComment(
          pr,
          String(body.body),
          commitId,
          file.path,
          { line, side, startLine, startSide, position, diffHunk, subjectType: 'line' },
          this.identity,
        ),
      ),
    );
  }

  private createStatus(
    request: GitHubLoopbackRequest,
    res: http.ServerResponse,
    repository: LoopbackGitHubRepository,
    ref: string,
  ): boolean {
    const sha = repository.history.commit(ref)?.sha;
    if (!sha)
      return send(res, 422, {
        message: `No commit found for SHA: ${ref}`,
        documentation_url: 'https://docs.github.com/rest/commits/statuses#create-a-commit-status',
        status: '422',
      });
    const body = parseBody(request.body);
    const state = body?.state;
    if (state !== 'error' && state !== 'failure' && state !== 'pending' && state !== 'success') {
      return validationFailed(res, 'Status', 'state', 'custom', 'state is not included in the list', 'create-a-commit-status');
    }
    const context = typeof body?.context === 'string' && body.context ? body.context : 'default';
    // At most 1,000 statuses per sha and context (compared without case).
    if (
      this.statuses.filter(
        (s) => s.repository === repository.fullName && s.sha === sha && s.context.toLowerCase() === context.toLowerCase(),
      ).length >= 1000
    ) {
      return validationFailed(
        res,
        'Status',
        'context',
        'custom',
        'This SHA and context has reached the maximum number of statuses.',
        'create-a-commit-status',
      );
    }
    const status: StoredCommitStatus = {
      id: this.nextId++,
      repository: repository.fullName,
      sha,
      state,
      context,
      description: typeof body?.description === 'string' ? body.description : null,
      targetUrl: typeof body?.target_url === 'string' ? body.target_url : null,
      creator: this.identity,
      createdAt: this.now(),
    };
    this.statuses.push(status);
    return send(res, 201, this.statusJson(request, status));
  }

  private combinedStatus(request: GitHubLoopbackRequest, repository: LoopbackGitHubRepository, sha: string) {
    const latest = new Map<string, StoredCommitStatus>();
    for (const s of this.statuses.filter((x) => x.repository === repository.fullName && x.sha === sha))
      latest.set(s.context.toLowerCase(), s);
    const statuses = [...latest.values()];
    const state = statuses.some((s) => s.state === 'failure' || s.state === 'error')
      ? 'failure'
      : statuses.length === 0 || statuses.some((s) => s.state === 'pending')
        ? 'pending'
        : 'success';
    return {
      state,
      statuses: statuses.map((s) => this.statusJson(request, s)),
      sha,
      total_count: statuses.length,
      repository: this.repositoryJson(request, repository.fullName),
      commit_url: `${request.origin}/repos/${repository.fullName}/commits/${sha}`,
      url: `${request.origin}/repos/${repository.fullName}/commits/${sha}/status`,
    };
  }

  // ── state ───────────────────────────────────────────────────────────────────────────────────
  private repository(fullName: string): LoopbackGitHubRepository | undefined {
    return this.options.repositories.find((r) => r.fullName.toLowerCase() === fullName.toLowerCase());
  }

  private find(repository: string, number: number): LoopbackGitHubPullRequest | undefined {
    return this.options.pullRequests.find((p) => p.repository.toLowerCase() === repository.toLowerCase() && p.number === number);
  }

  private changes(pr: LoopbackGitHubPullRequest) {
    return requestChanges(this.repository(pr.repository)!.history, pr.base, pr.head);
  }

  private now(): string {
    this.lastTime = Math.max((this.options.now?.() ?? new Date()).getTime(), this.lastTime + 1000);
    return new Date(this.lastTime).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private addIssueComment(repository: string, number: number, body: string, user: GitHubUser): StoredIssueComment {
    const pr = this.find(repository, number);
    if (!pr) throw new Error(`no pull request ${repository}#${number}`);
    const date = this.now();
    const comment = { id: this.nextId++, repository: pr.repository, number, body, user, createdAt: date, updatedAt: date };
    this.issueComments.push(comment);
    return comment;
  }

  private storeReviewComment(
    pr: LoopbackGitHubPullRequest,
    body: string,
    commitId: string,
    filePath: string,
    where: Pick<StoredReviewComment, 'line' | 'side' | 'startLine' | 'startSide' | 'position' | 'diffHunk' | 'subjectType'>,
    user: GitHubUser,
    inReplyToId?: number,
  ): StoredReviewComment {
    const date = this.now();
    const comment: StoredReviewComment = {
      id: this.nextId++,
      repository: pr.repository,
      number: pr.number,
      body,
      user,
      commitId,
      path: filePath,
      ...where,
      ...(inReplyToId ? { inReplyToId } : {}),
      createdAt: date,
      updatedAt: date,
    };
    this.reviewComments.push(comment);
    return comment;
  }

  private reply(repository: string, number: number, reviewCommentId: number, body: string, user: GitHubUser): StoredReviewComment {
    const pr = this.find(repository, number);
    const parent = this.reviewComments.find((c) => c.id === reviewCommentId);
    if (!pr || !parent) throw new Error(`no review comment ${reviewCommentId} on ${repository}#${number}`);
    // Replies point at the thread's first comment, whichever comment they answer.
    const root = parent.inReplyToId ?? parent.id;
    return this.storeReviewComment(
      pr,
      body,
      parent.commitId,
      parent.path,
      {
        line: parent.line,
        side: parent.side,
        startLine: parent.startLine,
        startSide: parent.startSide,
        position: parent.position,
        diffHunk: parent.diffHunk,
        subjectType: parent.subjectType,
      },
      user,
      root,
    );
  }

  /** The JSON body, checked for a `body` of the right length; answers the 422 itself and returns undefined when not. */
  private body(request: GitHubLoopbackRequest, res: http.ServerResponse, resource: string): Record<string, unknown> | undefined {
    const body = parseBody(request.body);
    if (!body || (typeof body.body !== 'string' && body.subject_type !== 'file')) {
      validationFailed(
        res,
        resource,
        'body',
        'missing_field',
        "body wasn't supplied",
        resource === 'IssueComment' ? 'create-an-issue-comment' : 'create-a-review-comment-for-a-pull-request',
      );
      return undefined;
    }
    if (typeof body.body === 'string' && body.body.length > this.maxBodyLength) {
      validationFailed(
        res,
        resource,
        'data',
        'unprocessable',
        `Body is too long (maximum is ${this.maxBodyLength} characters)`,
        resource === 'IssueComment' ? 'create-an-issue-comment' : 'create-a-review-comment-for-a-pull-request',
      );
      return undefined;
    }
    return body;
  }

  // ── JSON ────────────────────────────────────────────────────────────────────────────────────
  private paged<T>(request: GitHubLoopbackRequest, res: http.ServerResponse, items: T[], render: (item: T) => unknown): boolean {
    const { slice, headers } = githubPage(request, items, this.options.maxPerPage ?? 100);
    return send(res, 200, slice.map(render), headers);
  }

  private repositoryJson(request: GitHubLoopbackRequest, fullName: string) {
    const [owner, name] = fullName.split('/');
    return {
      id: 1296269,
      node_id: 'MDEwOlJlcG9zaXRvcnkxMjk2MjY5',
      name,
      full_name: fullName,
      owner: githubUser({ login: owner, id: 1, type: 'Organization' }, request.origin),
      private: true,
      html_url: `https://github.com/${fullName}`,
      url: `${request.origin}/repos/${fullName}`,
      default_branch: this.repository(fullName)?.defaultBranch ?? 'main',
    };
  }

  private commitJson(request: GitHubLoopbackRequest, repository: string, commit: LoopbackCommit) {
    const api = `${request.origin}/repos/${repository}`;
    const web = `https://github.com/${repository}`;
    const parent = this.repository(repository)!.history.parentOf(commit.sha);
    const person = { name: commit.author.name, email: commit.author.email, date: commit.author.date };
    return {
      url: `${api}/commits/${commit.sha}`,
      sha: commit.sha,
      node_id: `C_${commit.sha.slice(0, 12)}`,
      html_url: `${web}/commit/${commit.sha}`,
      comments_url: `${api}/commits/${commit.sha}/comments`,
      commit: {
        url: `${api}/git/commits/${commit.sha}`,
        author: person,
        committer: person,
        message: commit.message ?? 'Update files',
        tree: { url: `${api}/git/trees/${blobSha(commit.sha)}`, sha: blobSha(commit.sha) },
        comment_count: 0,
        verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
      },
      author: null,
      committer: null,
      parents: parent ? [{ url: `${api}/commits/${parent}`, sha: parent }] : [],
    };
  }

  private issueCommentJson(request: GitHubLoopbackRequest, comment: StoredIssueComment) {
    const template = example('issues.create-comment.json') as Record<string, unknown>;
    const api = `${request.origin}/repos/${comment.repository}`;
    return {
      ...template,
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${api}/issues/comments/${comment.id}`,
      html_url: `https://github.com/${comment.repository}/pull/${comment.number}#issuecomment-${comment.id}`,
      body: comment.body,
      user: githubUser(comment.user, request.origin),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      issue_url: `${api}/issues/${comment.number}`,
      author_association: comment.user.login === this.identity.login ? 'NONE' : 'MEMBER',
    };
  }

  private reviewCommentJson(request: GitHubLoopbackRequest, comment: StoredReviewComment) {
    const template = example('pulls.create-review-comment.json') as Record<string, unknown>;
    const api = `${request.origin}/repos/${comment.repository}`;
    const html = `https://github.com/${comment.repository}/pull/${comment.number}#discussion_r${comment.id}`;
    const { in_reply_to_id: _reply, ...rest } = template;
    return {
      ...rest,
      url: `${api}/pulls/comments/${comment.id}`,
      pull_request_review_id: comment.id + 500_000,
      id: comment.id,
      node_id: `PRRC_${comment.id}`,
      diff_hunk: comment.diffHunk,
      path: comment.path,
      position: comment.position,
      original_position: comment.position,
      commit_id: comment.commitId,
      original_commit_id: comment.commitId,
      ...(comment.inReplyToId ? { in_reply_to_id: comment.inReplyToId } : {}),
      user: githubUser(comment.user, request.origin),
      body: comment.body,
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      html_url: html,
      pull_request_url: `${api}/pulls/${comment.number}`,
      author_association: comment.user.login === this.identity.login ? 'NONE' : 'MEMBER',
      _links: {
        self: { href: `${api}/pulls/comments/${comment.id}` },
        html: { href: html },
        pull_request: { href: `${api}/pulls/${comment.number}` },
      },
      start_line: comment.startLine,
      original_start_line: comment.startLine,
      start_side: comment.startSide,
      line: comment.line,
      original_line: comment.line,
      side: comment.side,
      subject_type: comment.subjectType,
    };
  }

  private statusJson(request: GitHubLoopbackRequest, status: StoredCommitStatus) {
    const template = example('repos.create-commit-status.json') as Record<string, unknown>;
    return {
      ...template,
      url: `${request.origin}/repos/${status.repository}/statuses/${status.sha}`,
      id: status.id,
      node_id: `SC_${status.id}`,
      state: status.state,
      description: status.description,
      target_url: status.targetUrl,
      context: status.context,
      created_at: status.createdAt,
      updated_at: status.createdAt,
      creator: githubUser(status.creator, request.origin),
    };
  }
}

/** The hunk that shows a line on a side. */
function hunkWith(hunks: DiffHunk[], side: 'LEFT' | 'RIGHT', line: number): DiffHunk | undefined {
  return hunks.find((h) => (side === 'RIGHT' ? newSideLines([h]) : oldSideLines([h])).has(line));
}

/** GitHub's `position` (lines below the file's first `@@`) and `diff_hunk` (the hunk up to the line). */
function positionOf(hunks: DiffHunk[], hunk: DiffHunk, side: 'LEFT' | 'RIGHT', line: number): { position: number; diffHunk: string } {
  let position = 0;
  for (const h of hunks) {
    if (h !== hunk) {
      position += h.lines.length + 1;
      continue;
    }
    const index = h.lines.findIndex((l) =>
      side === 'RIGHT' ? l.newLine === line && l.kind !== '-' : l.oldLine === line && l.kind !== '+',
    );
    const shown = h.lines
      .slice(0, index + 1)
      .map((l) => (l.oldLine === undefined && l.newLine === undefined ? l.text : `${l.kind}${l.text}`));
    return { position: position + index + 1, diffHunk: [hunkHeader(h), ...shown].join('\n') };
  }
  return { position: 0, diffHunk: '' };
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text || '{}') as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function notFound(res: http.ServerResponse): boolean {
  return send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
}

function noContent(res: http.ServerResponse): boolean {
  res.writeHead(204);
  res.end();
  return true;
}
