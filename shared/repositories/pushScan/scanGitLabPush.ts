import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { z } from 'zod';
import { PermanentError } from '../../errors';
import type { UseCase } from '../../app';
import type { ChangedFile } from '../contentScan/changedFiles';
import { connectGitLab, type GitLabConnection } from '../hosts/gitLabConnection';
import { maxCommitsPerPush, PushChangeScan, storePushScan } from './pushChangeScan';
import { pushedRef, type PushedCommit } from './pushedRef';
import { RepositoryContentScan } from '../contentScan/repositoryContentScan';
import { RepositoryRiskRecorder, type ScannedRepository } from '../contentScan/repositoryRiskRecorder';
import { scanResults, type RepositoryScanRecord } from '../contentScan/repositoryScanRecord';
import { hostedFileLineUrl, webRoot } from '../hosts/hostedRepositoryLinks';

/**
 * `gitlab:push` (subject `{ projectId, repository: path_with_namespace, ref, before, after }`):
 * re-fetch the pushed commits with gitbeaker (`Repositories.compare`), walk each commit's diff
 * (`Commits.showDiff`) oldest first, fetch only the files a commit added, modified or renamed,
 * raw at that commit (`RepositoryFiles.showRaw`, streamed), scan them, and record findings against
 * the commit and its author. Deleted files fetch nothing and resolve nothing. Which commits a push
 * brought follows the same rule as a GitHub push (see scanGitHubPush.ts and
 * docs/repository-scanning.md): `before...after`; for a new branch `{default branch}...after`, or
 * the head commit alone; nothing for a deleted branch or a tag.
 */
const subjectSchema = z.object({
  projectId: z.coerce.number().int().positive(),
  repository: z.string().min(1),
  ref: z.string().min(1),
  before: z.string().regex(/^[0-9a-f]{40,64}$/),
  after: z.string().regex(/^[0-9a-f]{40,64}$/),
});

/** A commit as compare and show answer it (GitLab's `CommitSchema`, the fields read here). */
interface GitLabCommit {
  id: string;
  author_name?: string | null;
  author_email?: string | null;
  authored_date?: string | Date | null;
  web_url?: string;
}

/** Git's mode of a submodule entry: a commit of another repository, not a file. */
const submoduleMode = '160000';

export const scanGitLabPush: UseCase = async (envelope, { services, logger }) => {
  const started = services.clock.now();
  const parsed = subjectSchema.safeParse(envelope.subject);
  if (!parsed.success) throw new PermanentError(`event '${envelope.id}' names no GitLab project, ref, before and after commits to scan`);
  const { projectId, repository: pathWithNamespace, ref, before, after } = parsed.data;
  const pushed = pushedRef(ref, before, after);
  if (pushed.kind !== 'scan') {
    logger.info('push has nothing new to scan', { repository: pathWithNamespace, ref, why: pushed.why });
    return { scanned: false, why: pushed.why };
  }

  const settings = await services.stores.organizations.get(envelope.organization);
  const gitlab = await connectGitLab(settings, services);
  const range = await pushedCommits(gitlab, projectId, ref, pushed.newBranch ? undefined : before, after);
  const scanned = range.commits.slice(0, maxCommitsPerPush);

  const repository: ScannedRepository = {
    id: String(projectId),
    name: pathWithNamespace.slice(pathWithNamespace.lastIndexOf('/') + 1),
    project: pathWithNamespace.slice(0, Math.max(pathWithNamespace.lastIndexOf('/'), 0)),
    host: {
      // The project id survives renames and transfers; the path does not.
      asset: { id: `repository:gitlab:${projectId}`, name: pathWithNamespace },
      ...(range.webUrl ? { fileLineUrl: hostedFileLineUrl(range.webUrl, '-/blob') } : {}),
    },
  };
  const scan = RepositoryContentScan.configured(services.config);
  const recorder = new RepositoryRiskRecorder(services, settings.organization, repository);
  const changes = new PushChangeScan(scan, recorder);
  for (const commit of scanned) {
    const origin = { commitId: commit.sha, ...(commit.author ? { author: commit.author } : {}) };
    const diffs = await gitlab.call(`the changes of commit ${commit.sha} in project ${projectId}`, (api) => api.Commits.showDiff(projectId, commit.sha));
    for (const diff of diffs) await changes.visit(changedFile(diff), origin, (path) => rawFile(gitlab, projectId, path, commit.sha));
  }
  await recorder.announce(envelope);

  const record: RepositoryScanRecord = {
    id: `push:gitlab:${projectId}:${after}`,
    organization: settings.organization,
    kind: 'push',
    project: repository.project,
    repositoryId: String(projectId),
    repository: pathWithNamespace,
    commitId: after,
    branch: ref,
    commitsScanned: scanned.length,
    ...scanResults(scan.summary(), recorder),
    ...changes.limit(range.commits.length - scanned.length),
    durationMs: services.clock.now() - started,
    scannedAt: new Date(services.clock.now()).toISOString(),
  };
  return storePushScan(services, logger, record, { repository: pathWithNamespace, after });
};

interface CommitRange {
  /** Oldest first (GitLab's order for a comparison). */
  commits: PushedCommit[];
  /** The project's web address, for links to a file line. */
  webUrl?: string;
}

async function pushedCommits(gitlab: GitLabConnection, projectId: number, ref: string, before: string | undefined, after: string): Promise<CommitRange> {
  let base = before;
  if (base === undefined) {
    const defaultBranch = await gitlab.call(`project ${projectId}`, async (api) => (await api.Projects.show(projectId)).default_branch as string | undefined);
    if (defaultBranch && ref !== `refs/heads/${defaultBranch}`) base = defaultBranch;
  }
  if (base !== undefined) {
    const from = base;
    const compared = await gitlab.call(`the comparison ${from}...${after} of project ${projectId}`, (api) => api.Repositories.compare(projectId, from, after));
    const commits = (compared.commits ?? []) as unknown as GitLabCommit[];
    // A new branch that shares no history with the default branch compares to nothing: scan its head.
    if (commits.length > 0 || before !== undefined) {
      return { commits: commits.map(pushedCommit), ...webRoot(compared.web_url as string | undefined, /\/-\/compare\/.*$/) };
    }
  }
  const head = (await gitlab.call(`commit ${after} of project ${projectId}`, (api) => api.Commits.show(projectId, after))) as unknown as GitLabCommit;
  return { commits: [pushedCommit(head)], ...webRoot(head.web_url, /\/-\/commit\/[^/]+$/) };
}

function pushedCommit(commit: GitLabCommit): PushedCommit {
  const date = commit.authored_date instanceof Date ? commit.authored_date.toISOString() : (commit.authored_date ?? undefined);
  const author = { ...(commit.author_name ? { name: commit.author_name } : {}), ...(commit.author_email ? { email: commit.author_email } : {}), ...(date ? { date } : {}) };
  return { sha: commit.id, ...(Object.keys(author).length > 0 ? { author } : {}) };
}

export function changedFile(diff: { new_path: string; old_path: string; b_mode?: string; deleted_file: boolean }): ChangedFile {
  if (diff.deleted_file) return { kind: 'deleted', path: diff.old_path };
  if (diff.b_mode === submoduleMode) return { kind: 'not-a-file', path: diff.new_path };
  return { kind: 'file', path: diff.new_path };
}

/** A file's bytes at a commit, streamed as GitLab serves them raw (never buffered whole). */
async function rawFile(gitlab: GitLabConnection, projectId: number, path: string, sha: string): Promise<AsyncIterable<Uint8Array>> {
  // gitbeaker's GET helper honours `asStream` for every call (it hands back the response body);
  // showRaw's option type just does not list it.
  const asStream = { asStream: true } as { lfs?: boolean };
  const body = await gitlab.call(`${path} at ${sha.slice(0, 7)} in project ${projectId}`, (api) => api.RepositoryFiles.showRaw(projectId, path, sha, asStream));
  if (!body) return Readable.from([]);
  return Readable.fromWeb(body as unknown as WebReadableStream<Uint8Array>);
}
