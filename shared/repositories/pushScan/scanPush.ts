import { connectAzureDevOps } from '../../devops';
import type { GitClient, GitCommitRef, GitPush } from '../../devops';
import { PermanentError } from '../../errors';
import type { UseCase } from '../../app';
import { classifyChange } from '../contentScan/changedFiles';
import { scannedRepository } from '../fullScan/fullContentScan';
import { maxCommitsPerPush, PushChangeScan, storePushScan } from './pushChangeScan';
import { RepositoryContentScan } from '../contentScan/repositoryContentScan';
import { RepositoryRiskRecorder } from '../contentScan/repositoryRiskRecorder';
import { scanResults, type CommitAuthor, type RepositoryScanRecord } from '../contentScan/repositoryScanRecord';

/**
 * `azure-devops:git.push` (subject `{ pushId, repositoryId }`): re-fetch the push and its commits,
 * walk each commit's changes oldest first, fetch only the blobs a commit added or edited (at that
 * commit), scan them, and record findings against the commit and its author. Deletions fetch
 * nothing and resolve nothing: a secret removed later is still in history. A push that adds a
 * known secret again is another sighting of the same risk.
 *
 * Bounded: at most `maxCommitsPerPush` commits and `maxFilesPerPush` fetched files; what is left
 * over is counted in the scan document's `limit` (a full scan of the branch covers the rest).
 */
export { maxCommitsPerPush, maxFilesPerPush } from './pushChangeScan';

export const scanPush: UseCase = async (envelope, { services, logger }) => {
  const started = services.clock.now();
  const pushId = Number(envelope.subject.pushId);
  const repositoryId = envelope.subject.repositoryId;
  const project = envelope.project;
  if (!Number.isInteger(pushId) || typeof repositoryId !== 'string' || repositoryId === '' || !project) {
    throw new PermanentError(`event '${envelope.id}' names no push id, repository id and project to scan`);
  }
  const settings = await services.stores.organizations.get(envelope.organization);
  const client = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock, options: { logger, verify: false } });
  try {
    const push = await client.git.getPush(project, repositoryId, pushId);
    const repository = scannedRepository(
      push.repository?.name ? push.repository : await client.git.getRepository(project, repositoryId),
      { project, repository: repositoryId },
    );
    const commits = await pushCommits(client.git, project, repository.id, push);
    const scanned = commits.slice(0, maxCommitsPerPush);

    const scan = RepositoryContentScan.configured(services.config);
    const recorder = new RepositoryRiskRecorder(services, settings.organization, repository);
    const changes = new PushChangeScan(scan, recorder);
    for (const commit of scanned) {
      const commitId = commit.commitId as string;
      const author = authorOf(commit);
      for (const change of await client.git.getCommitChanges(project, repository.id, commitId)) {
        await changes.visit(classifyChange(change), { commitId, ...(author ? { author } : {}) }, (path) => client.git.streamItem(project, repository.id, path, commitId));
      }
    }
    await recorder.announce(envelope);

    const commitsNotScanned = commits.length - scanned.length;
    const record: RepositoryScanRecord = {
      id: `push:${repository.id}:${pushId}`,
      organization: settings.organization,
      kind: 'push',
      project: repository.project,
      repositoryId: repository.id,
      repository: `${repository.project}/${repository.name}`,
      commitId: headCommit(push, commits),
      ...(push.refUpdates?.[0]?.name ? { branch: push.refUpdates[0].name } : {}),
      pushId,
      commitsScanned: scanned.length,
      ...scanResults(scan.summary(), recorder),
      ...changes.limit(commitsNotScanned),
      durationMs: services.clock.now() - started,
      scannedAt: new Date(services.clock.now()).toISOString(),
    };
    return storePushScan(services, logger, record, { pushId });
  } finally {
    client.close();
  }
};

/**
 * The push's commits, oldest first (Azure DevOps lists them newest first), with authors. A push
 * answer without its commits is completed from the push's commit list, and a commit without its
 * author from the commit itself.
 */
async function pushCommits(client: GitClient, project: string, repositoryId: string, push: GitPush): Promise<GitCommitRef[]> {
  let commits = (push.commits ?? []).filter((commit) => commit.commitId);
  if (commits.length === 0) commits = (await client.listPushCommits(project, repositoryId, push.pushId as number)).filter((commit) => commit.commitId);
  const withAuthors: GitCommitRef[] = [];
  for (const commit of commits.slice(0, maxCommitsPerPush)) {
    withAuthors.push(commit.author ? commit : await client.getCommit(project, repositoryId, commit.commitId as string));
  }
  return [...withAuthors.reverse(), ...commits.slice(maxCommitsPerPush)];
}

function authorOf(commit: GitCommitRef): CommitAuthor | undefined {
  const author = commit.author;
  if (!author) return undefined;
  const date = author.date instanceof Date ? author.date.toISOString() : typeof author.date === 'string' ? author.date : undefined;
  return { ...(author.name ? { name: author.name } : {}), ...(author.email ? { email: author.email } : {}), ...(date ? { date } : {}) };
}

function headCommit(push: GitPush, oldestFirst: GitCommitRef[]): string {
  const updated = push.refUpdates?.find((ref) => ref.newObjectId && !/^0+$/.test(ref.newObjectId))?.newObjectId;
  return updated ?? oldestFirst[Math.min(oldestFirst.length, maxCommitsPerPush) - 1]?.commitId ?? '';
}
