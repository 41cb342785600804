import { PullRequestStatus, VersionControlChangeType } from 'azure-devops-node-api/interfaces/GitInterfaces';
import type {
  AzureDevOpsConnection,
  GitClient,
  GitCommitRef,
  GitPush,
  PullRequestAddress,
  PullRequestThread,
  StatusStateName,
  ThreadStatusName,
} from '../devops';
import { AzureDevOpsForbiddenError } from '../devops';
import { PermanentError } from '../errors';
import type { Logger } from '../logging';
import { type AddedLines, addedLinesOfBlocks, allLinesAdded, linesUnknown } from './addedLines';
import { type ChangedFile, classifyChange } from './changedFiles';
import { asTooLong, threadProperty } from './markers';
import { statusNameOf } from './publicationChannel';
import type {
  DescribedPush,
  HostComment,
  HostThread,
  NewThread,
  PublishTarget,
  PulledRequest,
  PullRequestFile,
  PullRequestHost,
  PullRequestKey,
  StatusHandle,
  StatusReport,
  SummaryUpdate,
  ThreadResolution,
} from './pullRequestHost';
import { type CommitAuthor, scannedRepository } from './scannedRepository';

/**
 * Azure DevOps behind the host port, over the organization's one transport (azure-devops-node-api
 * with Vigil's retries, throttling and error mapping). Pushes and pull requests are re-fetched by
 * id; which lines a pull request adds comes from `FileDiffs` between the merge base and the
 * source commit. Feedback: a pull request status on the latest iteration (`genre: vigil`,
 * `name: secret-scan`, so a branch policy can require it and reset it on new changes), the
 * summary as a thread without a file, one thread per finding on its line, each marked with
 * thread properties; a finding that goes away resolves its thread as `fixed`.
 */
export const statusContext = { genre: 'vigil', name: 'secret-scan' } as const;

const stateOf: Record<StatusReport['state'], StatusStateName> = {
  pending: 'pending',
  succeeded: 'succeeded',
  failed: 'failed',
  notApplicable: 'notApplicable',
  error: 'error',
};

/** Thread statuses by number (Active 1, Fixed 2, WontFix 3, Closed 4, ByDesign 5, Pending 6), as some answers give them. */
const threadStatusNames: ThreadStatusName[] = ['unknown', 'active', 'fixed', 'wontFix', 'closed', 'byDesign', 'pending'];
const resolvedStatuses = new Set<ThreadStatusName>(['fixed', 'wontFix', 'closed', 'byDesign']);
const resolutionStatus = { fixed: 'fixed', accepted: 'wontFix', 'false-positive': 'closed' } as const;

export function azureDevOpsPullRequestHost(connection: AzureDevOpsConnection, logger: Logger): PullRequestHost {
  const git = connection.git;
  const feedback = connection.pullRequestFeedback;
  const organization = connection.organization;

  /** Writes refused with 403 say which permission Vigil's identity lacks. */
  async function writing<T>(what: string, at: PullRequestAddress, operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof AzureDevOpsForbiddenError) {
        throw new PermanentError(
          `Azure DevOps refused to write ${what} on pull request ${at.pullRequestId} of repository ${at.repositoryId} in organization '${organization}' (HTTP 403): ` +
            "give Vigil's identity 'Contribute to pull requests' on the repository (a PAT needs the scopes 'Code (read & write)' and 'Code (status)')",
        );
      }
      throw asTooLong(error);
    }
  }

  return {
    source: 'azure-devops',
    capabilities: { resolvableThreads: true, threadProperties: true, annotations: false, requiredStatus: true },
    limits: { commentLength: 150_000, statusTextLength: 400, annotationsPerRequest: 0 },

    async describePush(envelope, maxCommits) {
      const pushId = Number(envelope.subject.pushId);
      const repositoryId = envelope.subject.repositoryId;
      const project = envelope.project;
      if (!Number.isInteger(pushId) || typeof repositoryId !== 'string' || repositoryId === '' || !project) {
        throw new PermanentError(`event '${envelope.id}' names no push id, repository id and project to scan`);
      }
      const push = await git.getPush(project, repositoryId, pushId);
      const repository = scannedRepository(push.repository?.name ? push.repository : await git.getRepository(project, repositoryId), {
        project,
        repository: repositoryId,
      });
      const commits = await pushCommits(git, project, repository.id, push, maxCommits);
      const scanned = commits.slice(0, maxCommits);
      return {
        kind: 'scan',
        repository,
        recordId: `push:${repository.id}:${pushId}`,
        repositoryName: `${repository.project}/${repository.name}`,
        repositoryId: repository.id,
        ...(push.refUpdates?.[0]?.name ? { branch: push.refUpdates[0].name } : {}),
        headCommit: headCommit(push, commits, maxCommits),
        pushId,
        commits: scanned.map((commit) => ({ sha: commit.commitId as string, ...authorOf(commit) })),
        total: commits.length,
        context: { pushId },
      } satisfies DescribedPush;
    },

    async *commitChanges(repository, commitId) {
      for (const change of await git.getCommitChanges(repository.project, repository.id, commitId)) yield classifyChange(change);
    },

    fileContent: (repository, path, commitId) => git.streamItem(repository.project, repository.id, path, commitId),

    async pullRequestOf(envelope) {
      const number = Number(envelope.subject.pullRequestId);
      const repositoryId = envelope.subject.repositoryId;
      if (!Number.isInteger(number) || typeof repositoryId !== 'string' || repositoryId === '' || !envelope.project) {
        throw new PermanentError(`event '${envelope.id}' names no pull request id, repository id and project`);
      }
      return { source: 'azure-devops', repositoryId, number, project: envelope.project };
    },

    async pullRequest(key) {
      const project = projectOf(key);
      const pullRequest = await git.getPullRequest(project, key.number);
      const target = pullRequest.repository;
      if (target?.id && target.id.toLowerCase() !== key.repositoryId.toLowerCase()) {
        throw new PermanentError(`pull request ${key.number} belongs to repository ${target.id}, not ${key.repositoryId}`);
      }
      const headCommit = pullRequest.lastMergeSourceCommit?.commitId;
      if (!headCommit) throw new PermanentError(`pull request ${key.number} has no source commit yet; nothing to scan`);
      const repository = scannedRepository(target?.name ? target : await git.getRepository(project, key.repositoryId), {
        project,
        repository: key.repositoryId,
      });
      const iterations = await git.listPullRequestIterations(project, repository.id, key.number);
      const latest = iterations.reduce<(typeof iterations)[number] | undefined>(
        (best, it) => ((it.id ?? 0) > (best?.id ?? 0) ? it : best),
        undefined,
      );
      const baseCommit = latest?.commonRefCommit?.commitId ?? pullRequest.lastMergeTargetCommit?.commitId;
      return {
        key: { ...key, repositoryId: repository.id },
        repository,
        open: pullRequest.status === undefined || pullRequest.status === PullRequestStatus.Active,
        headCommit,
        ...(baseCommit ? { baseCommit } : {}),
        ...(pullRequest.sourceRefName ? { sourceBranch: pullRequest.sourceRefName } : {}),
        ...(pullRequest.targetRefName ? { targetBranch: pullRequest.targetRefName } : {}),
        ...(latest?.id ? { iterationId: latest.id } : {}),
        ...(repository.webUrl ? { webUrl: `${repository.webUrl.replace(/\/+$/, '')}/pullrequest/${key.number}` } : {}),
      } satisfies PulledRequest;
    },

    async pullRequestFiles(pullRequest) {
      const project = projectOf(pullRequest.key);
      const repositoryId = pullRequest.repository.id;
      const changes = pullRequest.iterationId
        ? await git.getPullRequestIterationChanges(project, repositoryId, pullRequest.key.number, pullRequest.iterationId)
        : [];
      const files: Array<{ file: ChangedFile; added: boolean; originalPath?: string }> = [];
      for (const change of changes) {
        const file = classifyChange(change);
        if (file.kind === 'folder') continue;
        const originalPath =
          (change as { originalPath?: string }).originalPath ?? (change.item as { originalPath?: string } | undefined)?.originalPath;
        files.push({ file, added: isAddition(change.changeType), ...(originalPath ? { originalPath } : {}) });
      }
      const edited = files.filter((f) => f.file.kind === 'file' && !f.added) as Array<{
        file: { kind: 'file'; path: string };
        originalPath?: string;
      }>;
      const lines = await addedLinesByPath(git, project, repositoryId, pullRequest, edited, logger);
      return files.map(
        ({ file, added }): PullRequestFile => ({
          file,
          added: added ? allLinesAdded : file.kind === 'file' ? (lines.get(file.path) ?? linesUnknown) : linesUnknown,
        }),
      );
    },

    async identity() {
      const me = await connection.projects.authenticatedIdentity();
      return { id: me.id, name: me.displayName };
    },

    async setStatus(target, report: StatusReport): Promise<StatusHandle> {
      const at = address(target);
      await writing('the status', at, () =>
        feedback.createStatus(
          at,
          {
            state: stateOf[report.state],
            description: report.description.slice(0, 400),
            // Vigil's own secret scan keeps `vigil/secret-scan`; a tool's results post `vigil/<tool>` beside it.
            context: { genre: statusContext.genre, name: statusNameOf(target.channel) },
            ...(report.targetUrl ? { targetUrl: report.targetUrl } : {}),
          },
          target.iterationId,
        ),
      );
      return { via: 'iteration-status' };
    },

    async postSummary(target, body) {
      const at = address(target);
      const thread = await writing('the summary', at, () =>
        feedback.createThread(at, {
          comments: [{ parentCommentId: 0, content: body, commentType: 'text' }],
          properties: properties({
            [threadProperty.kind]: 'summary',
            ...(target.channel ? { [threadProperty.channel]: target.channel.name } : {}),
          }),
        }),
      );
      return `${thread.id}:${thread.comments?.[0]?.id ?? 1}`;
    },

    async updateSummary(target, id, body): Promise<SummaryUpdate> {
      const at = address(target);
      const [threadId, commentId] = id.split(':').map(Number);
      const updated = await writing('the summary', at, () => feedback.updateComment(at, threadId, commentId, body));
      return !updated || updated.isDeleted ? 'gone' : 'updated';
    },

    async deleteSummary(target, id) {
      const at = address(target);
      const [threadId, commentId] = id.split(':').map(Number);
      await writing('the summary', at, () => feedback.deleteComment(at, threadId, commentId));
    },

    async findSummary(target, identity) {
      for (const thread of await feedback.listThreads(address(target))) {
        const first = thread.comments?.[0];
        if (
          property(thread, threadProperty.kind) === 'summary' &&
          property(thread, threadProperty.channel) === target.channel?.name &&
          first?.author?.id === identity.id &&
          !first.isDeleted &&
          !thread.isDeleted
        )
          return `${thread.id}:${first.id}`;
      }
      return undefined;
    },

    async postThread(target, finding: NewThread) {
      const at = address(target);
      const column = Math.max(1, finding.column ?? 1);
      const thread = await writing('a thread', at, () =>
        feedback.createThread(at, {
          comments: [{ parentCommentId: 0, content: finding.body, commentType: 'text' }],
          status: 'active',
          threadContext: {
            filePath: `/${finding.path.replace(/^\/+/, '')}`,
            rightFileStart: { line: finding.line, offset: column },
            rightFileEnd: { line: finding.line, offset: column + 1 },
          },
          properties: properties({
            [threadProperty.kind]: 'finding',
            [threadProperty.fingerprint]: finding.fingerprint,
            [threadProperty.ruleId]: finding.ruleId,
          }),
        }),
      );
      return String(thread.id);
    },

    async listThreads(target) {
      return (await feedback.listThreads(address(target))).filter((thread) => !thread.isDeleted).map(hostThread);
    },

    async reply(target, threadId, body) {
      const at = address(target);
      await writing('a reply', at, () => feedback.addComment(at, Number(threadId), body));
    },

    async resolveThread(target, threadId, how: ThreadResolution) {
      const at = address(target);
      if (how.outcome !== 'fixed') await writing('a reply', at, () => feedback.addComment(at, Number(threadId), how.note));
      await writing('a thread status', at, () => feedback.updateThread(at, Number(threadId), resolutionStatus[how.outcome]));
    },

    async reopenThread(target, threadId, note) {
      const at = address(target);
      await writing('a reply', at, () => feedback.addComment(at, Number(threadId), note));
      await writing('a thread status', at, () => feedback.updateThread(at, Number(threadId), 'active'));
    },

    async thread(target, threadId) {
      const thread = await feedback.getThread(address(target), Number(threadId));
      return thread && !thread.isDeleted ? hostThread(thread) : undefined;
    },

    async comment(target, ref) {
      if (!ref.threadId) return undefined;
      const thread = await feedback.getThread(address(target), Number(ref.threadId));
      const found = thread ? hostThread(thread).comments.find((c) => c.id === ref.commentId) : undefined;
      return found && !found.deleted ? { comment: found, threadId: ref.threadId } : undefined;
    },

    close: () => connection.close(),
  };
}

function projectOf(key: PullRequestKey): string {
  if (!key.project) throw new PermanentError(`pull request ${key.number} of repository ${key.repositoryId} names no Azure DevOps project`);
  return key.project;
}

function address(target: PublishTarget): PullRequestAddress {
  return { project: projectOf(target.key), repositoryId: target.key.repositoryId, pullRequestId: target.key.number };
}

/** Thread properties as Azure DevOps stores them: each value with its .NET type. */
function properties(values: Record<string, string>): PullRequestThread['properties'] {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { $type: 'System.String', $value: value }]));
}

function property(thread: PullRequestThread, name: string): string | undefined {
  const value = (thread.properties as Record<string, unknown> | undefined)?.[name];
  const inner = value && typeof value === 'object' && '$value' in value ? (value as { $value: unknown }).$value : value;
  return typeof inner === 'string' ? inner : undefined;
}

function statusName(status: PullRequestThread['status']): ThreadStatusName | undefined {
  if (typeof status === 'number') return threadStatusNames[status];
  return typeof status === 'string'
    ? (threadStatusNames.find((name) => name.toLowerCase() === status.toLowerCase()) ?? undefined)
    : undefined;
}

function hostThread(thread: PullRequestThread): HostThread {
  const kind = property(thread, threadProperty.kind);
  const fingerprint = property(thread, threadProperty.fingerprint);
  const comments: HostComment[] = (thread.comments ?? [])
    .filter((comment) => comment.commentType !== 'system' && comment.commentType !== 3)
    .map((comment) => ({
      id: String(comment.id),
      authorId: comment.author?.id ?? '',
      authorName: comment.author?.displayName ?? '',
      body: comment.content ?? '',
      ...(comment.isDeleted ? { deleted: true } : {}),
    }));
  return {
    id: String(thread.id),
    ...(kind === 'summary' || kind === 'finding' ? { kind } : {}),
    ...(fingerprint ? { fingerprint } : {}),
    resolved: resolvedStatuses.has(statusName(thread.status) ?? 'unknown'),
    comments,
  };
}

/** node-api gives change types as flags; other answers keep the REST names (`"add"`, `"edit, rename"`). */
function isAddition(changeType: unknown): boolean {
  if (typeof changeType === 'number') return (changeType & VersionControlChangeType.Add) !== 0;
  if (typeof changeType === 'string') return changeType.split(',').some((part) => part.trim().toLowerCase() === 'add');
  return false;
}

/** Which lines each edited file gains, by path; a failed `FileDiffs` (an older server) leaves them unknown. */
async function addedLinesByPath(
  git: GitClient,
  project: string,
  repositoryId: string,
  pullRequest: PulledRequest,
  edited: Array<{ file: { path: string }; originalPath?: string }>,
  logger: Logger,
): Promise<Map<string, AddedLines>> {
  const byPath = new Map<string, AddedLines>();
  if (edited.length === 0 || !pullRequest.baseCommit) return byPath;
  try {
    const diffs = await git.getFileDiffs(
      project,
      repositoryId,
      pullRequest.baseCommit,
      pullRequest.headCommit,
      edited.map((e) => ({ path: e.file.path, ...(e.originalPath ? { originalPath: e.originalPath } : {}) })),
    );
    for (const diff of diffs) if (diff.path) byPath.set(diff.path, addedLinesOfBlocks(diff.lineDiffBlocks ?? []));
  } catch (error) {
    if (!(error instanceof PermanentError)) throw error;
    logger.warn('Azure DevOps gave no line diffs; findings in edited files count as introduced and get no inline thread', {
      pullRequestId: pullRequest.key.number,
      reason: error.message,
    });
  }
  return byPath;
}

/**
 * The push's commits, oldest first (Azure DevOps lists them newest first), with authors. A push
 * answer without its commits is completed from the push's commit list, and a commit without its
 * author from the commit itself.
 */
async function pushCommits(
  client: GitClient,
  project: string,
  repositoryId: string,
  push: GitPush,
  maxCommits: number,
): Promise<GitCommitRef[]> {
  let commits = (push.commits ?? []).filter((commit) => commit.commitId);
  if (commits.length === 0)
    commits = (await client.listPushCommits(project, repositoryId, push.pushId as number)).filter((commit) => commit.commitId);
  const withAuthors: GitCommitRef[] = [];
  for (const commit of commits.slice(0, maxCommits)) {
    withAuthors.push(commit.author ? commit : await client.getCommit(project, repositoryId, commit.commitId as string));
  }
  return [...withAuthors.reverse(), ...commits.slice(maxCommits)];
}

function authorOf(commit: GitCommitRef): { author?: CommitAuthor } {
  const author = commit.author;
  if (!author) return {};
  const date = author.date instanceof Date ? author.date.toISOString() : typeof author.date === 'string' ? author.date : undefined;
  return {
    author: { ...(author.name ? { name: author.name } : {}), ...(author.email ? { email: author.email } : {}), ...(date ? { date } : {}) },
  };
}

function headCommit(push: GitPush, oldestFirst: GitCommitRef[], maxCommits: number): string {
  const updated = push.refUpdates?.find((ref) => ref.newObjectId && !/^0+$/.test(ref.newObjectId))?.newObjectId;
  return updated ?? oldestFirst[Math.min(oldestFirst.length, maxCommits) - 1]?.commitId ?? '';
}
