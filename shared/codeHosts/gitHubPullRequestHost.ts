import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Octokit, RestEndpointMethodTypes } from '@octokit/rest';
import { z } from 'zod';
import { PermanentError } from '../errors';
import type { EventEnvelope } from '../events';
import { type AddedLines, addedLinesOfPatch, allLinesAdded, linesUnknown } from './addedLines';
import type { ChangedFile } from './changedFiles';
import { type GitHubConnection, needsGitHubApp } from './gitHubConnection';
import { hostedFileLineUrl, webRoot } from './hostedRepositoryLinks';
import { asTooLong, findingMarker, isSummaryOf, readMarker, resolvedMarker, summaryMarkerOf, withMarker } from './markers';
import { type PublicationChannel, statusNameOf } from './publicationChannel';
import type {
  DescribedPush,
  HostComment,
  HostThread,
  PublishTarget,
  PullRequestFile,
  PullRequestHost,
  PullRequestKey,
  StatusHandle,
  StatusReport,
  SummaryUpdate,
} from './pullRequestHost';
import { type PushedCommit, pushedRef } from './pushedRef';
import type { ScannedRepository } from './scannedRepository';

/**
 * GitHub behind the host port, with Octokit. Pushes: `compare before...after` (a new branch against
 * the default branch), each commit's files paged; pull requests: `pulls.get` and `pulls.listFiles`,
 * whose `patch` hunks say which lines are added. Feedback: a check run `Vigil secret scan` with
 * annotations (50 per request, as GitHub takes them) — or, when the token cannot write check runs
 * (only a GitHub App's can), a commit status `vigil/secret-scan`; the summary as a conversation
 * comment and one review comment per finding on its line, each ending with a hidden marker.
 * GitHub's REST API cannot resolve a review thread, so a fixed finding gets a reply saying so.
 */
export const checkRunName = 'Vigil secret scan';
export const commitStatusContext = 'vigil/secret-scan';
/** A tool's results (publicationChannel.ts) post beside Vigil's own: the check run `Vigil: Trivy`, the commit status `vigil/trivy`. */
const checkRunNameOf = (channel?: PublicationChannel) => (channel ? `Vigil: ${channel.title}` : checkRunName);
const commitStatusContextOf = (channel?: PublicationChannel) => (channel ? `vigil/${statusNameOf(channel)}` : commitStatusContext);

const pushSubject = z.object({
  repository: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/),
  ref: z.string().min(1),
  before: z.string().regex(/^[0-9a-f]{40,64}$/),
  after: z.string().regex(/^[0-9a-f]{40,64}$/),
});
const pullRequestSubject = z.object({
  repository: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/),
  pullRequestNumber: z.coerce.number().int().positive(),
});

type CommitAnswer = RestEndpointMethodTypes['repos']['getCommit']['response']['data'];
type CompareAnswer = RestEndpointMethodTypes['repos']['compareCommitsWithBasehead']['response']['data'];
type ReviewComment = RestEndpointMethodTypes['pulls']['listReviewComments']['response']['data'][number];

/** Files per page of a commit or pull request (GitHub's most); GitHub lists at most 3000 of either. */
const filesPerPage = 100;
const maxFilePages = 30;

const conclusionOf = { succeeded: 'success', failed: 'failure', notApplicable: 'neutral', error: 'failure' } as const;
const commitStateOf = { pending: 'pending', succeeded: 'success', failed: 'failure', notApplicable: 'success', error: 'error' } as const;

export function gitHubPullRequestHost(github: GitHubConnection): PullRequestHost {
  const split = (repositoryId: string) => {
    const [owner, repo] = repositoryId.split('/');
    return { owner, repo };
  };
  const write = <T>(resource: string, operation: (octokit: Octokit) => Promise<T>) =>
    github.call(resource, operation, 'write').catch((error: unknown) => {
      throw asTooLong(error);
    });

  /** Whether the comment exists: GitHub answers 404 for one a person deleted. */
  async function orGone<T>(operation: () => Promise<T>): Promise<T | 'gone'> {
    try {
      return await operation();
    } catch (error) {
      if ((error as { status?: unknown }).status === 404) return 'gone';
      throw error;
    }
  }

  /** Vigil's unfinished check run on a commit, if one exists. */
  async function pendingRun(repositoryId: string, headCommit: string, checkRunName: string): Promise<number | undefined> {
    const { owner, repo } = split(repositoryId);
    const runs = await github.call(
      `the check runs of ${headCommit.slice(0, 7)} in ${repositoryId}`,
      async (octokit) =>
        (
          await octokit.rest.checks.listForRef({
            owner,
            repo,
            ref: headCommit,
            check_name: checkRunName,
            status: 'in_progress',
            per_page: 10,
          })
        ).data.check_runs,
    );
    return runs[0]?.id;
  }

  const reply = async (target: PublishTarget, threadId: string, body: string): Promise<void> => {
    const { owner, repo } = split(target.key.repositoryId);
    await write(`a reply on pull request #${target.key.number} of ${target.key.repositoryId}`, (octokit) =>
      octokit.rest.pulls.createReplyForReviewComment({ owner, repo, pull_number: target.key.number, comment_id: Number(threadId), body }),
    );
  };

  return {
    source: 'github',
    capabilities: { resolvableThreads: false, threadProperties: false, annotations: true, requiredStatus: true },
    limits: { commentLength: 65_536, statusTextLength: 65_535, annotationsPerRequest: 50 },

    async describePush(envelope, maxCommits): Promise<DescribedPush> {
      const parsed = pushSubject.safeParse(envelope.subject);
      if (!parsed.success)
        throw new PermanentError(`event '${envelope.id}' names no GitHub repository, ref, before and after commits to scan`);
      const { repository: fullName, ref, before, after } = parsed.data;
      const { owner, repo } = split(fullName);
      const pushed = pushedRef(ref, before, after);
      if (pushed.kind !== 'scan') return { kind: 'nothing', why: pushed.why, context: { repository: fullName, ref } };
      const range = await pushedCommits(github, owner, repo, ref, pushed.newBranch ? undefined : before, after, maxCommits);
      return {
        kind: 'scan',
        repository: gitHubRepository(fullName, range.webUrl),
        // Cosmos ids may not hold '/': owner and name are joined with ':' (neither can contain one).
        recordId: `push:github:${owner.toLowerCase()}:${repo.toLowerCase()}:${after}`,
        repositoryName: fullName,
        repositoryId: fullName,
        branch: ref,
        headCommit: after,
        commits: range.commits.slice(0, maxCommits),
        total: range.total,
        context: { repository: fullName, after },
      };
    },

    async *commitChanges(repository, sha) {
      const { owner, repo } = split(repository.id);
      for (let page = 1; page <= maxFilePages; page++) {
        const files = await github.call(
          `commit ${sha} of ${owner}/${repo}`,
          async (octokit) => (await octokit.rest.repos.getCommit({ owner, repo, ref: sha, per_page: filesPerPage, page })).data.files ?? [],
        );
        for (const file of files) yield changedFile(file);
        if (files.length < filesPerPage) return;
      }
    },

    async fileContent(repository, path, sha) {
      const { owner, repo } = split(repository.id);
      const answer = await github.call(`${path} at ${sha.slice(0, 7)} in ${owner}/${repo}`, (octokit: Octokit) =>
        octokit.rest.repos.getContent({
          owner,
          repo,
          path,
          ref: sha,
          mediaType: { format: 'raw' },
          request: { parseSuccessResponseBody: false },
        }),
      );
      const body = answer.data as unknown;
      if (!body) return Readable.from([]);
      return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
    },

    async pullRequestOf(envelope: EventEnvelope): Promise<PullRequestKey> {
      const parsed = pullRequestSubject.safeParse(envelope.subject);
      if (!parsed.success) throw new PermanentError(`event '${envelope.id}' names no GitHub repository and pull request number`);
      return { source: 'github', repositoryId: parsed.data.repository, number: parsed.data.pullRequestNumber };
    },

    async pullRequest(key) {
      const { owner, repo } = split(key.repositoryId);
      const pull = await github.call(
        `pull request #${key.number} of ${key.repositoryId}`,
        async (octokit) => (await octokit.rest.pulls.get({ owner, repo, pull_number: key.number })).data,
      );
      const webUrl = webRoot(pull.html_url, /\/pull\/\d+$/).webUrl;
      return {
        key,
        repository: gitHubRepository(key.repositoryId, webUrl),
        open: pull.state === 'open',
        headCommit: pull.head.sha,
        ...(pull.base?.sha ? { startCommit: pull.base.sha } : {}),
        sourceBranch: `refs/heads/${pull.head.ref}`,
        targetBranch: `refs/heads/${pull.base.ref}`,
        webUrl: pull.html_url,
      };
    },

    async pullRequestFiles(pullRequest) {
      const { owner, repo } = split(pullRequest.key.repositoryId);
      const all: PullRequestFile[] = [];
      for (let page = 1; page <= maxFilePages; page++) {
        const files = await github.call(
          `the files of pull request #${pullRequest.key.number} of ${pullRequest.key.repositoryId}`,
          async (octokit) =>
            (await octokit.rest.pulls.listFiles({ owner, repo, pull_number: pullRequest.key.number, per_page: filesPerPage, page })).data,
        );
        for (const file of files) all.push({ file: changedFile(file), added: addedLinesOf(file) });
        if (files.length < filesPerPage) break;
      }
      return all;
    },

    async identity() {
      return await github.call('the token’s own identity', async (octokit) => {
        try {
          const me = (await octokit.rest.users.getAuthenticated()).data;
          return { id: String(me.id), name: me.login };
        } catch (error) {
          if (!isInstallationToken(error)) throw error;
          // A GitHub App's installation token is no user's: `GET /user` is refused, and GraphQL's viewer is the app's bot,
          // the author of everything Vigil posts with that token.
          const { viewer } = await octokit.graphql<{ viewer: { login: string; databaseId: number } }>(
            'query { viewer { login databaseId } }',
          );
          return { id: String(viewer.databaseId), name: viewer.login };
        }
      });
    },

    async setStatus(target, report: StatusReport, previous?: StatusHandle): Promise<StatusHandle> {
      const { owner, repo } = split(target.key.repositoryId);
      const where = `the status of ${target.headCommit.slice(0, 7)} in ${target.key.repositoryId}`;
      const output = { title: report.description.slice(0, 255), summary: (report.text ?? report.description).slice(0, 65_535) };
      const checkRunName = checkRunNameOf(target.channel);
      if (previous?.via !== 'commit-status') {
        if (report.state === 'pending') {
          const created = await write(where, async (octokit) => {
            try {
              return (
                await octokit.rest.checks.create({
                  owner,
                  repo,
                  name: checkRunName,
                  head_sha: target.headCommit,
                  status: 'in_progress',
                  output,
                })
              ).data.id;
            } catch (error) {
              if (needsGitHubApp(error)) return undefined;
              throw error;
            }
          });
          if (created !== undefined) return { via: 'check-run', checkRunId: created };
        } else {
          const pages = chunks(report.annotations ?? [], 50);
          // After a crash between creating the pending run and recording it, that run is found again rather than left spinning.
          let checkRunId =
            previous?.checkRunId ?? (previous ? undefined : await pendingRun(target.key.repositoryId, target.headCommit, checkRunName));
          const conclusion = conclusionOf[report.state];
          for (let i = 0; i < pages.length; i++) {
            const last = i === pages.length - 1;
            const annotations = pages[i].map((a) => ({
              path: a.path,
              start_line: a.line,
              end_line: a.line,
              annotation_level: a.level,
              title: a.title.slice(0, 255),
              message: a.message.slice(0, 64 * 1024),
            }));
            const runId = checkRunId;
            const answer = await write(where, async (octokit) => {
              try {
                const body = {
                  owner,
                  repo,
                  output: { ...output, annotations },
                  ...(last ? { conclusion, status: 'completed' as const } : {}),
                };
                return runId === undefined
                  ? (
                      await octokit.rest.checks.create({
                        ...body,
                        name: checkRunName,
                        head_sha: target.headCommit,
                        ...(last ? {} : { status: 'in_progress' as const }),
                      })
                    ).data.id
                  : (await octokit.rest.checks.update({ ...body, check_run_id: runId })).data.id;
              } catch (error) {
                if (needsGitHubApp(error)) return undefined;
                throw error;
              }
            });
            if (answer === undefined) break;
            checkRunId = answer;
            if (last) return { via: 'check-run', checkRunId };
          }
        }
      }
      // No check runs for this token: a commit status a branch protection rule can require just as well.
      await write(where, (octokit) =>
        octokit.rest.repos.createCommitStatus({
          owner,
          repo,
          sha: target.headCommit,
          state: commitStateOf[report.state],
          context: commitStatusContextOf(target.channel),
          description: report.description.slice(0, 140),
          ...(report.targetUrl ? { target_url: report.targetUrl } : {}),
        }),
      );
      return { via: 'commit-status' };
    },

    async postSummary(target, body) {
      const { owner, repo } = split(target.key.repositoryId);
      const created = await write(
        `the summary on pull request #${target.key.number} of ${target.key.repositoryId}`,
        async (octokit) =>
          (
            await octokit.rest.issues.createComment({
              owner,
              repo,
              issue_number: target.key.number,
              body: withMarker(body, summaryMarkerOf(target.channel?.name)),
            })
          ).data,
      );
      return String(created.id);
    },

    async updateSummary(target, id, body): Promise<SummaryUpdate> {
      const { owner, repo } = split(target.key.repositoryId);
      const answer = await write(`the summary on pull request #${target.key.number} of ${target.key.repositoryId}`, (octokit) =>
        orGone(() =>
          octokit.rest.issues.updateComment({
            owner,
            repo,
            comment_id: Number(id),
            body: withMarker(body, summaryMarkerOf(target.channel?.name)),
          }),
        ),
      );
      return answer === 'gone' ? 'gone' : 'updated';
    },

    async deleteSummary(target, id) {
      const { owner, repo } = split(target.key.repositoryId);
      await write(`the summary on pull request #${target.key.number} of ${target.key.repositoryId}`, (octokit) =>
        orGone(() => octokit.rest.issues.deleteComment({ owner, repo, comment_id: Number(id) })),
      );
    },

    async findSummary(target, identity) {
      const { owner, repo } = split(target.key.repositoryId);
      const comments = await github.call(`the comments of pull request #${target.key.number} of ${target.key.repositoryId}`, (octokit) =>
        octokit.paginate(octokit.rest.issues.listComments, { owner, repo, issue_number: target.key.number, per_page: 100 }),
      );
      const mine = comments.find((c) => String(c.user?.id) === identity.id && isSummaryOf(readMarker(c.body ?? ''), target.channel));
      return mine ? String(mine.id) : undefined;
    },

    async postThread(target, finding) {
      const { owner, repo } = split(target.key.repositoryId);
      const created = await write(
        `a review comment on ${finding.path} of pull request #${target.key.number} of ${target.key.repositoryId}`,
        async (octokit) =>
          (
            await octokit.rest.pulls.createReviewComment({
              owner,
              repo,
              pull_number: target.key.number,
              commit_id: target.headCommit,
              path: finding.path,
              line: finding.line,
              side: 'RIGHT',
              body: withMarker(finding.body, findingMarker(finding.fingerprint)),
            })
          ).data,
      );
      return String(created.id);
    },

    async listThreads(target) {
      const { owner, repo } = split(target.key.repositoryId);
      const comments = await github.call(
        `the review comments of pull request #${target.key.number} of ${target.key.repositoryId}`,
        (octokit) =>
          octokit.paginate(octokit.rest.pulls.listReviewComments, { owner, repo, pull_number: target.key.number, per_page: 100 }),
      );
      return reviewThreads(comments);
    },

    reply: (target, threadId, body) => reply(target, threadId, body),

    // No thread status in the REST API: the reply says it, and its marker tells Vigil the thread is done.
    resolveThread: (target, threadId, how) => reply(target, threadId, withMarker(how.note, resolvedMarker)),

    // A reply without the resolved marker is what makes the thread open again for Vigil.
    reopenThread: (target, threadId, note) => reply(target, threadId, note),

    async thread(target, threadId) {
      const { owner, repo } = split(target.key.repositoryId);
      const first = await github.call(`review comment ${threadId} of ${target.key.repositoryId}`, (octokit) =>
        orGone(async () => (await octokit.rest.pulls.getReviewComment({ owner, repo, comment_id: Number(threadId) })).data),
      );
      if (first === 'gone') return undefined;
      const root = first.in_reply_to_id
        ? await github.call(`review comment ${first.in_reply_to_id} of ${target.key.repositoryId}`, (octokit) =>
            orGone(
              async () => (await octokit.rest.pulls.getReviewComment({ owner, repo, comment_id: first.in_reply_to_id as number })).data,
            ),
          )
        : first;
      if (root === 'gone') return undefined;
      const threads = reviewThreads(root === first ? [root] : [root, first]);
      return threads[0];
    },

    async comment(target, ref) {
      const { owner, repo } = split(target.key.repositoryId);
      const where = `comment ${ref.commentId} of ${target.key.repositoryId}`;
      if (ref.kind === 'conversation') {
        const found = await github.call(where, (octokit) =>
          orGone(async () => (await octokit.rest.issues.getComment({ owner, repo, comment_id: Number(ref.commentId) })).data),
        );
        if (found === 'gone') return undefined;
        return { comment: commentOf(found) };
      }
      const found = await github.call(where, (octokit) =>
        orGone(async () => (await octokit.rest.pulls.getReviewComment({ owner, repo, comment_id: Number(ref.commentId) })).data),
      );
      if (found === 'gone') return undefined;
      return { comment: commentOf(found), ...(found.in_reply_to_id ? { threadId: String(found.in_reply_to_id) } : {}) };
    },

    close: () => undefined,
  };
}

/** A GitHub repository as a content scan names it: one asset per repository whatever case an event spells it in. */
function gitHubRepository(fullName: string, webUrl: string | undefined): ScannedRepository {
  const [owner, repo] = fullName.split('/');
  return {
    id: fullName,
    name: repo,
    project: owner,
    host: {
      asset: { id: `repository:github:${fullName.toLowerCase().replace('/', ':')}`, name: fullName },
      ...(webUrl ? { fileLineUrl: hostedFileLineUrl(webUrl, 'blob') } : {}),
    },
  };
}

/** Review comments grouped into threads: a reply names its thread's first comment. */
function reviewThreads(comments: ReviewComment[]): HostThread[] {
  const threads = new Map<number, HostThread>();
  for (const comment of [...comments].sort((a, b) => a.id - b.id)) {
    const rootId = comment.in_reply_to_id ?? comment.id;
    const body = comment.body ?? '';
    const hostComment: HostComment = {
      id: String(comment.id),
      authorId: String(comment.user?.id ?? ''),
      authorName: comment.user?.login ?? '',
      body,
    };
    let thread = threads.get(rootId);
    if (!thread) {
      const marker = rootId === comment.id ? readMarker(body) : undefined;
      thread = {
        id: String(rootId),
        resolved: false,
        comments: [],
        ...(marker?.kind === 'finding' ? { kind: 'finding' as const, fingerprint: marker.fingerprint as string } : {}),
      };
      threads.set(rootId, thread);
    }
    thread.comments.push(hostComment);
    // A reply by the thread's author (Vigil) with the resolved marker closes it; a later reply by anyone opens it again.
    if (rootId !== comment.id)
      thread.resolved = readMarker(body)?.kind === 'resolved' && hostComment.authorId === thread.comments[0].authorId;
  }
  return [...threads.values()];
}

function addedLinesOf(file: { status: string; patch?: string; changes?: number }): AddedLines {
  if (file.status === 'added') return allLinesAdded;
  if (file.patch !== undefined) return addedLinesOfPatch(file.patch);
  // A rename without changes adds nothing; any other file without a patch is binary or too large to show.
  return file.changes === 0 ? { kind: 'lines', lines: new Set() } : linesUnknown;
}

export function changedFile(
  file: NonNullable<CommitAnswer['files']>[number] | { status: string; filename: string; sha?: string | null },
): ChangedFile {
  if (file.status === 'removed') return { kind: 'deleted', path: file.filename };
  return { kind: 'file', path: file.filename, ...(file.sha ? { objectId: file.sha } : {}) };
}

function chunks<T>(items: T[], size: number): T[][] {
  if (items.length === 0) return [[]];
  const pages: T[][] = [];
  for (let i = 0; i < items.length; i += size) pages.push(items.slice(i, i + size));
  return pages;
}

// ── pushes ──────────────────────────────────────────────────────────────────────────────────

interface CommitRange {
  /** Oldest first. */
  commits: PushedCommit[];
  total: number;
  webUrl?: string;
}

/**
 * Which commits a push brought: an update of a branch, `compare before...after` (after a force push,
 * what the new head has beyond the merge base); a new branch, `compare {default branch}...after`,
 * or only the head commit when the new branch is the default branch or shares no history with it.
 */
async function pushedCommits(
  github: GitHubConnection,
  owner: string,
  repo: string,
  ref: string,
  before: string | undefined,
  after: string,
  maxCommits: number,
): Promise<CommitRange> {
  let base = before;
  if (base === undefined) {
    const defaultBranch = await github.call(
      `repository ${owner}/${repo}`,
      async (octokit) => (await octokit.rest.repos.get({ owner, repo })).data.default_branch,
    );
    if (defaultBranch && ref !== `refs/heads/${defaultBranch}`) base = defaultBranch;
  }
  const compared = base === undefined ? undefined : await compare(github, owner, repo, base, after, maxCommits);
  if (compared) {
    const commits = compared.commits.map(pushedCommit);
    return { commits, total: Math.max(compared.total_commits, commits.length), ...webRoot(compared.html_url, /\/compare\/.*$/) };
  }
  const head = await github.call(
    `commit ${after} of ${owner}/${repo}`,
    async (octokit) => (await octokit.rest.repos.getCommit({ owner, repo, ref: after, per_page: 1 })).data,
  );
  return { commits: [pushedCommit(head)], total: 1, ...webRoot(head.html_url, /\/commit\/[^/]+$/) };
}

/** The commits `head` has beyond `base`, oldest first (GitHub's order); undefined when the two share no history (404). */
async function compare(
  github: GitHubConnection,
  owner: string,
  repo: string,
  base: string,
  head: string,
  maxCommits: number,
): Promise<CompareAnswer | undefined> {
  return github.call(`the comparison ${base}...${head} of ${owner}/${repo}`, async (octokit) => {
    try {
      return (
        await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${head}`, per_page: maxCommits, page: 1 })
      ).data;
    } catch (error) {
      if ((error as { status?: unknown }).status === 404 && base !== head) return undefined;
      throw error;
    }
  });
}

function pushedCommit(commit: Pick<CommitAnswer, 'sha' | 'commit'>): PushedCommit {
  const author = commit.commit.author;
  if (!author) return { sha: commit.sha };
  return {
    sha: commit.sha,
    author: {
      ...(author.name ? { name: author.name } : {}),
      ...(author.email ? { email: author.email } : {}),
      ...(author.date ? { date: author.date } : {}),
    },
  };
}

/** A GitHub issue or review comment as the port names it. */
function commentOf(found: { id: number; user?: { id?: number; login?: string } | null; body?: string | null }) {
  return { id: String(found.id), authorId: String(found.user?.id ?? ''), authorName: found.user?.login ?? '', body: found.body ?? '' };
}

/** GitHub's answer to `GET /user` with a GitHub App installation token. */
function isInstallationToken(error: unknown): boolean {
  const shape = error as { status?: unknown; message?: unknown } | null;
  return shape?.status === 403 && typeof shape.message === 'string' && /Resource not accessible by integration/i.test(shape.message);
}
