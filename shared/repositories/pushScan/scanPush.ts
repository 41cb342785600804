import type { UseCase } from '../../app';
import { type ChangedFile, openPullRequestHost } from '../../codeHosts';
import { skippedByTrigger } from '../../triggers';
import { RepositoryContentScan } from '../contentScan/repositoryContentScan';
import { RepositoryRiskRecorder } from '../contentScan/repositoryRiskRecorder';
import { type RepositoryScanRecord, scanResults } from '../contentScan/repositoryScanRecord';
import { maxCommitsPerPush, PushChangeScan, storePushScan } from './pushChangeScan';

/**
 * A push, on any platform (`azure-devops:git.push` with `{ pushId, repositoryId }`, `github:push`
 * and `gitlab:push` with `{ repository, ref, before, after }`): the host port re-fetches the
 * commits the push brought, each commit's changes are walked oldest first, only the blobs a commit
 * added or edited are fetched (at that commit) and scanned, and findings are recorded against the
 * commit and its author. Deletions fetch nothing and resolve nothing: a secret removed later is
 * still in history. Which commits a push brought is each platform's (see the adapters in
 * shared/codeHosts/ and docs/repository-scanning.md).
 *
 * Bounded: at most `maxCommitsPerPush` commits and `maxFilesPerPush` fetched files; what is left
 * over is counted in the scan document's `limit` (a full scan of the branch covers the rest).
 */
export { maxCommitsPerPush, maxFilesPerPush } from './pushChangeScan';

export const scanPush: UseCase = async (envelope, { services, logger }) => {
  const started = services.clock.now();
  const settings = await services.stores.organizations.get(envelope.organization);
  const host = await openPullRequestHost(envelope.source, settings, services, logger);
  try {
    const push = await host.describePush(envelope, maxCommitsPerPush);
    if (push.kind === 'nothing') {
      logger.info('push has nothing new to scan', { ...push.context, why: push.why });
      return { scanned: false, why: push.why };
    }
    // Each commit's changes are listed before any file is fetched, so a trigger rule on paths sees the whole push.
    const changed: Array<{ commit: (typeof push.commits)[number]; files: ChangedFile[] }> = [];
    for (const commit of push.commits) {
      const files: ChangedFile[] = [];
      for await (const file of host.commitChanges(push.repository, commit.sha)) files.push(file);
      changed.push({ commit, files });
    }
    const skipped = skippedByTrigger(
      settings.triggerRules,
      {
        work: 'push',
        ...(push.branch ? { branch: push.branch } : {}),
        paths: changed.flatMap(({ files }) => files.flatMap((file) => (file.kind === 'folder' ? [] : [file.path]))),
        project: push.repository.project,
        repository: push.repositoryName,
      },
      logger,
      push.context,
    );
    if (skipped) return { scanned: false, why: skipped };
    const scan = RepositoryContentScan.configured(services.config);
    const recorder = new RepositoryRiskRecorder(services, settings.organization, push.repository);
    const changes = new PushChangeScan(scan, recorder);
    for (const { commit, files } of changed) {
      const origin = { commitId: commit.sha, ...(commit.author ? { author: commit.author } : {}) };
      for (const file of files) {
        await changes.visit(file, origin, (path) => host.fileContent(push.repository, path, commit.sha));
      }
    }
    await recorder.announce(envelope);

    const record: RepositoryScanRecord = {
      id: push.recordId,
      organization: settings.organization,
      kind: 'push',
      project: push.repository.project,
      repositoryId: push.repositoryId,
      repository: push.repositoryName,
      commitId: push.headCommit,
      ...(push.branch ? { branch: push.branch } : {}),
      ...(push.pushId !== undefined ? { pushId: push.pushId } : {}),
      commitsScanned: push.commits.length,
      ...scanResults(scan.summary(), recorder),
      ...changes.limit(push.total - push.commits.length),
      durationMs: services.clock.now() - started,
      scannedAt: new Date(services.clock.now()).toISOString(),
    };
    return await storePushScan(services, logger, record, push.context);
  } finally {
    host.close();
  }
};
