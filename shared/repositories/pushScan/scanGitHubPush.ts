import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Octokit, RestEndpointMethodTypes } from '@octokit/rest';
import { z } from 'zod';
import { PermanentError } from '../../errors';
import type { UseCase } from '../../app';
import type { ChangedFile } from '../contentScan/changedFiles';
import { connectGitHubRepositories, type GitHubRepositoryConnection } from '../hosts/gitHubRepositoryConnection';
import { maxCommitsPerPush, PushChangeScan, storePushScan } from './pushChangeScan';
import { pushedRef, type PushedCommit } from './pushedRef';
import { RepositoryContentScan } from '../contentScan/repositoryContentScan';
import { RepositoryRiskRecorder, type ScannedRepository } from '../contentScan/repositoryRiskRecorder';
import { scanResults, type RepositoryScanRecord } from '../contentScan/repositoryScanRecord';
import { hostedFileLineUrl, webRoot } from '../hosts/hostedRepositoryLinks';

/**
 * `github:push` (subject `{ repository: 'owner/name', ref, before, after }`): re-fetch the pushed
 * commits with Octokit, walk each commit's files oldest first, fetch only the files a commit added,
 * modified, renamed or copied (raw, at that commit), scan them, and record findings against the
 * commit and its author. Removed files fetch nothing and resolve nothing.
 *
 * Which commits a push brought (see docs/repository-scanning.md):
 * - an update of a branch: `compare before...after` (what `after` has that `before` has not; after
 *   a force push, what the new head has beyond the merge base);
 * - a new branch (`before` all zeros): `compare {default branch}...after`, the commits not yet on
 *   the default branch; when the new branch *is* the default branch (the first push to an empty
 *   repository) or shares no history with it, only the head commit `after`;
 * - a deleted branch (`after` all zeros) or a tag: nothing (a tag names commits already pushed).
 */
const subjectSchema = z.object({
  repository: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/),
  ref: z.string().min(1),
  before: z.string().regex(/^[0-9a-f]{40,64}$/),
  after: z.string().regex(/^[0-9a-f]{40,64}$/),
});

type CommitAnswer = RestEndpointMethodTypes['repos']['getCommit']['response']['data'];
type CompareAnswer = RestEndpointMethodTypes['repos']['compareCommitsWithBasehead']['response']['data'];

/** Files per page of a commit (GitHub's most); GitHub lists at most 3000 files of one commit. */
const filesPerPage = 100;
const maxFilePages = 30;

export const scanGitHubPush: UseCase = async (envelope, { services, logger }) => {
  const started = services.clock.now();
  const parsed = subjectSchema.safeParse(envelope.subject);
  if (!parsed.success) throw new PermanentError(`event '${envelope.id}' names no GitHub repository, ref, before and after commits to scan`);
  const { repository: fullName, ref, before, after } = parsed.data;
  const [owner, repo] = fullName.split('/');
  const pushed = pushedRef(ref, before, after);
  if (pushed.kind !== 'scan') {
    logger.info('push has nothing new to scan', { repository: fullName, ref, why: pushed.why });
    return { scanned: false, why: pushed.why };
  }

  const settings = await services.stores.organizations.get(envelope.organization);
  const github = await connectGitHubRepositories(settings, services, logger.child({ component: 'github', organization: settings.organization }));
  const range = await pushedCommits(github, owner, repo, ref, pushed.newBranch ? undefined : before, after);
  const scanned = range.commits.slice(0, maxCommitsPerPush);

  const repository: ScannedRepository = {
    id: fullName,
    name: repo,
    project: owner,
    host: {
      // GitHub names are case-insensitive: one asset per repository whatever case an event spells it in.
      asset: { id: `repository:github:${fullName.toLowerCase().replace('/', ':')}`, name: fullName },
      ...(range.webUrl ? { fileLineUrl: hostedFileLineUrl(range.webUrl, 'blob') } : {}),
    },
  };
  const scan = RepositoryContentScan.configured(services.config);
  const recorder = new RepositoryRiskRecorder(services, settings.organization, repository);
  const changes = new PushChangeScan(scan, recorder);
  for (const commit of scanned) {
    const origin = { commitId: commit.sha, ...(commit.author ? { author: commit.author } : {}) };
    for await (const file of commitFiles(github, owner, repo, commit.sha)) {
      await changes.visit(file, origin, (path) => rawFile(github, owner, repo, path, commit.sha));
    }
  }
  await recorder.announce(envelope);

  const record: RepositoryScanRecord = {
    // Cosmos ids may not hold '/': owner and name are joined with ':' (neither can contain one).
    id: `push:github:${owner.toLowerCase()}:${repo.toLowerCase()}:${after}`,
    organization: settings.organization,
    kind: 'push',
    project: owner,
    repositoryId: fullName,
    repository: fullName,
    commitId: after,
    branch: ref,
    commitsScanned: scanned.length,
    ...scanResults(scan.summary(), recorder),
    ...changes.limit(range.total - scanned.length),
    durationMs: services.clock.now() - started,
    scannedAt: new Date(services.clock.now()).toISOString(),
  };
  return storePushScan(services, logger, record, { repository: fullName, after });
};

interface CommitRange {
  /** Oldest first, at most `maxCommitsPerPush`. */
  commits: PushedCommit[];
  /** How many commits the push brought, scanned or not. */
  total: number;
  /** `https://github.com/{owner}/{repo}`, for links to a file line. */
  webUrl?: string;
}

async function pushedCommits(github: GitHubRepositoryConnection, owner: string, repo: string, ref: string, before: string | undefined, after: string): Promise<CommitRange> {
  let base = before;
  if (base === undefined) {
    const defaultBranch = await github.call(`repository ${owner}/${repo}`, async (octokit) => (await octokit.rest.repos.get({ owner, repo })).data.default_branch);
    if (defaultBranch && ref !== `refs/heads/${defaultBranch}`) base = defaultBranch;
  }
  const compared = base === undefined ? undefined : await compare(github, owner, repo, base, after);
  if (compared) {
    const commits = compared.commits.map(pushedCommit);
    return { commits, total: Math.max(compared.total_commits, commits.length), ...webRoot(compared.html_url, /\/compare\/.*$/) };
  }
  const head = await github.call(`commit ${after} of ${owner}/${repo}`, async (octokit) => (await octokit.rest.repos.getCommit({ owner, repo, ref: after, per_page: 1 })).data);
  return { commits: [pushedCommit(head)], total: 1, ...webRoot(head.html_url, /\/commit\/[^/]+$/) };
}

/** The commits `head` has beyond `base`, oldest first (GitHub's order); undefined when the two share no history (404). */
async function compare(github: GitHubRepositoryConnection, owner: string, repo: string, base: string, head: string): Promise<CompareAnswer | undefined> {
  return github.call(`the comparison ${base}...${head} of ${owner}/${repo}`, async (octokit) => {
    try {
      return (await octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${base}...${head}`, per_page: maxCommitsPerPush, page: 1 })).data;
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
    author: { ...(author.name ? { name: author.name } : {}), ...(author.email ? { email: author.email } : {}), ...(author.date ? { date: author.date } : {}) },
  };
}

/** One commit's changed files, page by page, as a push scan sees them. */
async function* commitFiles(github: GitHubRepositoryConnection, owner: string, repo: string, sha: string): AsyncGenerator<ChangedFile> {
  for (let page = 1; page <= maxFilePages; page++) {
    const files = await github.call(`commit ${sha} of ${owner}/${repo}`, async (octokit) =>
      (await octokit.rest.repos.getCommit({ owner, repo, ref: sha, per_page: filesPerPage, page })).data.files ?? [],
    );
    for (const file of files) yield changedFile(file);
    if (files.length < filesPerPage) return;
  }
}

export function changedFile(file: NonNullable<CommitAnswer['files']>[number]): ChangedFile {
  if (file.status === 'removed') return { kind: 'deleted', path: file.filename };
  return { kind: 'file', path: file.filename, ...(file.sha ? { objectId: file.sha } : {}) };
}

/** A file's bytes at a commit, streamed as GitHub serves them raw (never buffered whole). */
async function rawFile(github: GitHubRepositoryConnection, owner: string, repo: string, path: string, sha: string): Promise<AsyncIterable<Uint8Array>> {
  const answer = await github.call(`${path} at ${sha.slice(0, 7)} in ${owner}/${repo}`, (octokit: Octokit) =>
    octokit.rest.repos.getContent({ owner, repo, path, ref: sha, mediaType: { format: 'raw' }, request: { parseSuccessResponseBody: false } }),
  );
  const body = answer.data as unknown;
  if (!body) return Readable.from([]);
  return Readable.fromWeb(body as WebReadableStream<Uint8Array>);
}
