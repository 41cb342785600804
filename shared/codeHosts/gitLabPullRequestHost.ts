import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { PermanentError } from '../errors';
import { type AddedLines, addedLinesOfPatch, allLinesAdded, linesUnknown } from './addedLines';
import type { ChangedFile } from './changedFiles';
import type { GitLabApi, GitLabConnection } from './gitLabConnection';
import { hostedFileLineUrl, webRoot } from './hostedRepositoryLinks';
import { asTooLong, findingMarker, isSummaryOf, readMarker, summaryMarkerOf, withMarker } from './markers';
import { statusNameOf } from './publicationChannel';
import type {
  DescribedPush,
  HostThread,
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
 * GitLab behind the host port, with gitbeaker (one request per call: a rate limit becomes a
 * ThrottledError at GitLab's stated time). Pushes: `Repositories.compare`, each commit's diff;
 * merge requests: the merge request with its diff refs and its diffs, whose hunks say which lines
 * are added. Feedback: a commit status `vigil/secret-scan` on the head commit with the head
 * pipeline's id when known (else it can land on another pipeline of the same commit); the summary
 * as a merge request note and one discussion per finding on its line (`new_line` only: findings
 * that get a thread are on added lines), each ending with a hidden marker; a fixed finding's
 * discussion is resolved.
 */
export const commitStatusName = 'vigil/secret-scan';

const pushSubject = z.object({
  projectId: z.coerce.number().int().positive(),
  repository: z.string().min(1),
  ref: z.string().min(1),
  before: z.string().regex(/^[0-9a-f]{40,64}$/),
  after: z.string().regex(/^[0-9a-f]{40,64}$/),
});
const mergeRequestSubject = z.object({
  projectId: z.coerce.number().int().positive(),
  mergeRequestIid: z.coerce.number().int().positive(),
});

/** A commit as compare and show answer it (GitLab's `CommitSchema`, the fields read here). */
interface GitLabCommit {
  id: string;
  author_name?: string | null;
  author_email?: string | null;
  authored_date?: string | Date | null;
  web_url?: string;
}

interface GitLabDiff {
  new_path: string;
  old_path: string;
  b_mode?: string;
  new_file: boolean;
  deleted_file: boolean;
  renamed_file?: boolean;
  diff?: string;
  too_large?: boolean;
  collapsed?: boolean;
}

interface GitLabNote {
  id: number;
  body?: string;
  author?: { id?: number; username?: string };
  resolvable?: boolean;
  resolved?: boolean;
  system?: boolean;
}

interface GitLabDiscussion {
  id: string;
  individual_note?: boolean;
  notes?: GitLabNote[];
}

/** Git's mode of a submodule entry: a commit of another repository, not a file. */
const submoduleMode = '160000';
const diffsPerPage = 100;

const stateOf = { pending: 'pending', succeeded: 'success', failed: 'failed', notApplicable: 'skipped', error: 'failed' } as const;

export function gitLabPullRequestHost(gitlab: GitLabConnection): PullRequestHost {
  const projectOf = (key: PullRequestKey) => Number(key.repositoryId);
  const write = <T>(resource: string, operation: (api: GitLabApi) => Promise<T>) =>
    gitlab.call(resource, operation, 'write').catch((error: unknown) => {
      throw asTooLong(error);
    });
  const mergeRequest = (target: { key: PullRequestKey }) => `merge request !${target.key.number} of project ${target.key.repositoryId}`;

  return {
    source: 'gitlab',
    capabilities: { resolvableThreads: true, threadProperties: false, annotations: false, requiredStatus: true },
    limits: { commentLength: 1_000_000, statusTextLength: 255, annotationsPerRequest: 0 },

    async describePush(envelope, maxCommits): Promise<DescribedPush> {
      const parsed = pushSubject.safeParse(envelope.subject);
      if (!parsed.success)
        throw new PermanentError(`event '${envelope.id}' names no GitLab project, ref, before and after commits to scan`);
      const { projectId, repository: pathWithNamespace, ref, before, after } = parsed.data;
      const pushed = pushedRef(ref, before, after);
      if (pushed.kind !== 'scan') return { kind: 'nothing', why: pushed.why, context: { repository: pathWithNamespace, ref } };
      const range = await pushedCommits(gitlab, projectId, ref, pushed.newBranch ? undefined : before, after);
      return {
        kind: 'scan',
        repository: gitLabRepository(projectId, pathWithNamespace, range.webUrl),
        recordId: `push:gitlab:${projectId}:${after}`,
        repositoryName: pathWithNamespace,
        repositoryId: String(projectId),
        branch: ref,
        headCommit: after,
        commits: range.commits.slice(0, maxCommits),
        total: range.commits.length,
        context: { repository: pathWithNamespace, after },
      };
    },

    async *commitChanges(repository, sha) {
      const projectId = Number(repository.id);
      const diffs = await gitlab.call(`the changes of commit ${sha} in project ${projectId}`, (api) =>
        api.Commits.showDiff(projectId, sha),
      );
      for (const diff of diffs as unknown as GitLabDiff[]) yield changedFile(diff);
    },

    async fileContent(repository, path, sha) {
      const projectId = Number(repository.id);
      // gitbeaker's GET helper honours `asStream` for every call (it hands back the response body); showRaw's option type just does not list it.
      const asStream = { asStream: true } as { lfs?: boolean };
      const body = await gitlab.call(`${path} at ${sha.slice(0, 7)} in project ${projectId}`, (api) =>
        api.RepositoryFiles.showRaw(projectId, path, sha, asStream),
      );
      if (!body) return Readable.from([]);
      return Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>);
    },

    async pullRequestOf(envelope) {
      const parsed = mergeRequestSubject.safeParse(envelope.subject);
      if (!parsed.success) throw new PermanentError(`event '${envelope.id}' names no GitLab project and merge request iid`);
      return { source: 'gitlab', repositoryId: String(parsed.data.projectId), number: parsed.data.mergeRequestIid };
    },

    async pullRequest(key) {
      const projectId = projectOf(key);
      const mr = (await gitlab.call(mergeRequest({ key }), (api) => api.MergeRequests.show(projectId, key.number))) as unknown as {
        state?: string;
        sha?: string;
        source_branch?: string;
        target_branch?: string;
        web_url?: string;
        references?: { full?: string };
        diff_refs?: { base_sha?: string; head_sha?: string; start_sha?: string } | null;
        head_pipeline?: { id?: number } | null;
      };
      const headCommit = mr.diff_refs?.head_sha ?? mr.sha;
      if (!headCommit) throw new PermanentError(`${mergeRequest({ key })} has no source commit yet; nothing to scan`);
      const webUrl = webRoot(mr.web_url, /\/-\/merge_requests\/\d+$/).webUrl;
      const path = mr.references?.full?.replace(/![0-9]+$/, '') ?? key.repositoryId;
      return {
        key,
        repository: gitLabRepository(projectId, path, webUrl),
        open: mr.state === 'opened',
        headCommit,
        ...(mr.diff_refs?.base_sha ? { baseCommit: mr.diff_refs.base_sha } : {}),
        ...(mr.diff_refs?.start_sha ? { startCommit: mr.diff_refs.start_sha } : {}),
        ...(mr.source_branch ? { sourceBranch: `refs/heads/${mr.source_branch}` } : {}),
        ...(mr.target_branch ? { targetBranch: `refs/heads/${mr.target_branch}` } : {}),
        ...(mr.head_pipeline?.id ? { pipelineId: mr.head_pipeline.id } : {}),
        ...(mr.web_url ? { webUrl: mr.web_url } : {}),
      };
    },

    async pullRequestFiles(pullRequest) {
      const projectId = projectOf(pullRequest.key);
      const diffs = (await gitlab.call(`the diffs of ${mergeRequest(pullRequest)}`, (api) =>
        api.MergeRequests.allDiffs(projectId, pullRequest.key.number, { perPage: diffsPerPage }),
      )) as unknown as GitLabDiff[];
      return diffs.map((diff): PullRequestFile => ({ file: changedFile(diff), added: addedLinesOf(diff) }));
    },

    async identity() {
      const me = (await gitlab.call('the token’s own user', (api) => api.Users.showCurrentUser())) as unknown as {
        id: number;
        username: string;
      };
      return { id: String(me.id), name: me.username };
    },

    async setStatus(target, report: StatusReport): Promise<StatusHandle> {
      const projectId = projectOf(target.key);
      const state = stateOf[report.state];
      const options = {
        // Vigil's own secret scan keeps `vigil/secret-scan`; a tool's results post `vigil/<tool>` beside it.
        name: target.channel ? `vigil/${statusNameOf(target.channel)}` : commitStatusName,
        description: report.description.slice(0, 255),
        ...(target.pipelineId ? { pipelineId: target.pipelineId } : {}),
        ...(report.targetUrl ? { targetUrl: report.targetUrl } : {}),
      };
      await gitlab.callTolerating(
        `the status of ${target.headCommit.slice(0, 7)} in project ${projectId}`,
        // gitbeaker's type predates GitLab's `skipped` state.
        (api) => api.Commits.editStatus(projectId, target.headCommit, state as 'pending', options),
        // A status already in this state (a redelivery after a crash) is refused by GitLab's state machine: nothing to do.
        (refusal) => refusal.status === 400 && /Cannot transition status/i.test(refusal.description),
      );
      return { via: 'commit-status' };
    },

    async postSummary(target, body) {
      const note = (await write(`the summary on ${mergeRequest(target)}`, (api) =>
        api.MergeRequestNotes.create(projectOf(target.key), target.key.number, withMarker(body, summaryMarkerOf(target.channel?.name))),
      )) as unknown as GitLabNote;
      return String(note.id);
    },

    async updateSummary(target, id, body): Promise<SummaryUpdate> {
      const done = await gitlab
        .callTolerating(
          `the summary on ${mergeRequest(target)}`,
          async (api) => {
            await api.MergeRequestNotes.edit(projectOf(target.key), target.key.number, Number(id), {
              body: withMarker(body, summaryMarkerOf(target.channel?.name)),
            });
            return 'updated' as const;
          },
          (refusal) => refusal.status === 404,
        )
        .catch((error: unknown) => {
          throw asTooLong(error);
        });
      return done ?? 'gone';
    },

    async deleteSummary(target, id) {
      await gitlab.callTolerating(
        `the summary on ${mergeRequest(target)}`,
        (api) => api.MergeRequestNotes.remove(projectOf(target.key), target.key.number, Number(id)),
        (refusal) => refusal.status === 404,
      );
    },

    async findSummary(target, identity) {
      const notes = (await gitlab.call(`the notes of ${mergeRequest(target)}`, (api) =>
        api.MergeRequestNotes.all(projectOf(target.key), target.key.number, { perPage: 100 }),
      )) as unknown as GitLabNote[];
      const mine = notes.find(
        (note) => String(note.author?.id) === identity.id && isSummaryOf(readMarker(note.body ?? ''), target.channel),
      );
      return mine ? String(mine.id) : undefined;
    },

    async postThread(target, finding) {
      const position = {
        baseSha: target.baseCommit ?? target.startCommit ?? target.headCommit,
        startSha: target.startCommit ?? target.baseCommit ?? target.headCommit,
        headSha: target.headCommit,
        positionType: 'text' as const,
        newPath: finding.path,
        oldPath: finding.path,
        // Only the new side's line: the findings that get a thread are on lines the merge request adds.
        newLine: String(finding.line),
      };
      const discussion = (await write(`a discussion on ${finding.path} of ${mergeRequest(target)}`, (api) =>
        api.MergeRequestDiscussions.create(
          projectOf(target.key),
          target.key.number,
          withMarker(finding.body, findingMarker(finding.fingerprint)),
          { position },
        ),
      )) as unknown as GitLabDiscussion;
      return discussion.id;
    },

    async listThreads(target) {
      const discussions = (await gitlab.call(`the discussions of ${mergeRequest(target)}`, (api) =>
        api.MergeRequestDiscussions.all(projectOf(target.key), target.key.number, { perPage: 100 }),
      )) as unknown as GitLabDiscussion[];
      return discussions.map(hostThread);
    },

    async reply(target, threadId, body) {
      await write(`a reply on ${mergeRequest(target)}`, (api) =>
        api.MergeRequestDiscussions.addNote(projectOf(target.key), target.key.number, threadId, body),
      );
    },

    async resolveThread(target, threadId, how) {
      // A reply reopens a resolved discussion, so the note (a person's triage acknowledged) comes first.
      if (how.outcome !== 'fixed')
        await write(`a reply on ${mergeRequest(target)}`, (api) =>
          api.MergeRequestDiscussions.addNote(projectOf(target.key), target.key.number, threadId, how.note),
        );
      await write(`a discussion of ${mergeRequest(target)}`, (api) =>
        api.MergeRequestDiscussions.resolve(projectOf(target.key), target.key.number, threadId, true),
      );
    },

    async reopenThread(target, threadId, note) {
      await write(`a reply on ${mergeRequest(target)}`, (api) =>
        api.MergeRequestDiscussions.addNote(projectOf(target.key), target.key.number, threadId, note),
      );
      await write(`a discussion of ${mergeRequest(target)}`, (api) =>
        api.MergeRequestDiscussions.resolve(projectOf(target.key), target.key.number, threadId, false),
      );
    },

    async thread(target, threadId) {
      const discussion = await gitlab.callTolerating(
        `discussion ${threadId} of ${mergeRequest(target)}`,
        async (api) =>
          (await api.MergeRequestDiscussions.show(projectOf(target.key), target.key.number, threadId)) as unknown as GitLabDiscussion,
        (refusal) => refusal.status === 404,
      );
      return discussion ? hostThread(discussion) : undefined;
    },

    async comment(target, ref) {
      if (!ref.threadId) return undefined;
      const threadId = ref.threadId;
      const discussion = await gitlab.callTolerating(
        `discussion ${threadId} of ${mergeRequest(target)}`,
        async (api) =>
          (await api.MergeRequestDiscussions.show(projectOf(target.key), target.key.number, threadId)) as unknown as GitLabDiscussion,
        (refusal) => refusal.status === 404,
      );
      if (!discussion) return undefined;
      const found = hostThread(discussion).comments.find((c) => c.id === ref.commentId);
      return found ? { comment: found, ...(discussion.individual_note ? {} : { threadId }) } : undefined;
    },

    close: () => undefined,
  };
}

function gitLabRepository(projectId: number, pathWithNamespace: string, webUrl: string | undefined): ScannedRepository {
  return {
    id: String(projectId),
    name: pathWithNamespace.slice(pathWithNamespace.lastIndexOf('/') + 1),
    project: pathWithNamespace.slice(0, Math.max(pathWithNamespace.lastIndexOf('/'), 0)),
    host: {
      // The project id survives renames and transfers; the path does not.
      asset: { id: `repository:gitlab:${projectId}`, name: pathWithNamespace },
      ...(webUrl ? { fileLineUrl: hostedFileLineUrl(webUrl, '-/blob') } : {}),
    },
  };
}

function hostThread(discussion: GitLabDiscussion): HostThread {
  const notes = (discussion.notes ?? []).filter((note) => !note.system);
  const marker = readMarker(notes[0]?.body ?? '');
  const resolvable = notes.filter((note) => note.resolvable);
  return {
    id: discussion.id,
    ...(marker?.kind === 'finding'
      ? { kind: 'finding' as const, fingerprint: marker.fingerprint as string }
      : marker?.kind === 'summary'
        ? { kind: 'summary' as const }
        : {}),
    resolved: resolvable.length > 0 && resolvable.every((note) => note.resolved),
    comments: notes.map((note) => ({
      id: String(note.id),
      authorId: String(note.author?.id ?? ''),
      authorName: note.author?.username ?? '',
      body: note.body ?? '',
    })),
  };
}

function addedLinesOf(diff: GitLabDiff): AddedLines {
  if (diff.new_file) return allLinesAdded;
  if (diff.too_large || diff.collapsed) return linesUnknown;
  if (diff.diff) return addedLinesOfPatch(diff.diff);
  // No text: a rename without changes adds nothing; otherwise the file is binary.
  return diff.renamed_file ? { kind: 'lines', lines: new Set() } : linesUnknown;
}

export function changedFile(diff: { new_path: string; old_path: string; b_mode?: string; deleted_file: boolean }): ChangedFile {
  if (diff.deleted_file) return { kind: 'deleted', path: diff.old_path };
  if (diff.b_mode === submoduleMode) return { kind: 'not-a-file', path: diff.new_path };
  return { kind: 'file', path: diff.new_path };
}

interface CommitRange {
  /** Oldest first (GitLab's order for a comparison). */
  commits: PushedCommit[];
  webUrl?: string;
}

/** Which commits a push brought: the same rule as a GitHub push (gitHubPullRequestHost.ts). */
async function pushedCommits(
  gitlab: GitLabConnection,
  projectId: number,
  ref: string,
  before: string | undefined,
  after: string,
): Promise<CommitRange> {
  let base = before;
  if (base === undefined) {
    const defaultBranch = await gitlab.call(
      `project ${projectId}`,
      async (api) => (await api.Projects.show(projectId)).default_branch as string | undefined,
    );
    if (defaultBranch && ref !== `refs/heads/${defaultBranch}`) base = defaultBranch;
  }
  if (base !== undefined) {
    const from = base;
    const compared = await gitlab.call(`the comparison ${from}...${after} of project ${projectId}`, (api) =>
      api.Repositories.compare(projectId, from, after),
    );
    const commits = (compared.commits ?? []) as unknown as GitLabCommit[];
    // A new branch that shares no history with the default branch compares to nothing: scan its head.
    if (commits.length > 0 || before !== undefined) {
      return { commits: commits.map(pushedCommit), ...webRoot(compared.web_url as string | undefined, /\/-\/compare\/.*$/) };
    }
  }
  const head = (await gitlab.call(`commit ${after} of project ${projectId}`, (api) =>
    api.Commits.show(projectId, after),
  )) as unknown as GitLabCommit;
  return { commits: [pushedCommit(head)], ...webRoot(head.web_url, /\/-\/commit\/[^/]+$/) };
}

function pushedCommit(commit: GitLabCommit): PushedCommit {
  const date = commit.authored_date instanceof Date ? commit.authored_date.toISOString() : (commit.authored_date ?? undefined);
  const author = {
    ...(commit.author_name ? { name: commit.author_name } : {}),
    ...(commit.author_email ? { email: commit.author_email } : {}),
    ...(date ? { date } : {}),
  };
  return { sha: commit.id, ...(Object.keys(author).length > 0 ? { author } : {}) };
}
