import { PullRequestStatus } from 'azure-devops-node-api/interfaces/GitInterfaces';
import { connectAzureDevOps } from '../../devops';
import type { EventEnvelope } from '../../events';
import { queuesFor } from '../../app';
import { PermanentError } from '../../errors';
import type { UseCase } from '../../app';
import { classifyChange } from '../contentScan/changedFiles';
import { scannedRepository } from '../fullScan/fullContentScan';
import { RepositoryContentScan } from '../contentScan/repositoryContentScan';
import { FindingSummaries } from '../contentScan/repositoryRiskRecorder';
import { scanResults, type RepositoryScanRecord } from '../contentScan/repositoryScanRecord';

/**
 * `azure-devops:git.pullrequest.created|updated` (subject `{ pullRequestId, repositoryId,
 * commitId? }`): re-fetch the pull request, take its latest iteration's changes against the merge
 * base, scan each added or edited file at the pull request's current source commit, write the
 * `scans` document (its `results` are what the publisher comments), and emit `scan.completed` for
 * the pull request publisher, once per (pull request, source commit).
 *
 * Findings here are not recorded as risks: the source branch's pushes are scanned by the push
 * handler, which records them against the commit that brought them. Each result names the risk id
 * it is (or would be) a sighting of, for the publisher to link.
 */
export const maxFilesPerPullRequest = 500;

export const scanPullRequest: UseCase = async (envelope, { services, logger }) => {
  const started = services.clock.now();
  const pullRequestId = Number(envelope.subject.pullRequestId);
  const repositoryId = envelope.subject.repositoryId;
  const project = envelope.project;
  if (!Number.isInteger(pullRequestId) || typeof repositoryId !== 'string' || repositoryId === '' || !project) {
    throw new PermanentError(`event '${envelope.id}' names no pull request id, repository id and project to scan`);
  }
  const settings = await services.stores.organizations.get(envelope.organization);
  const client = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock, options: { logger, verify: false } });
  try {
    const pullRequest = await client.git.getPullRequest(project, pullRequestId);
    const target = pullRequest.repository;
    if (target?.id && target.id.toLowerCase() !== repositoryId.toLowerCase()) {
      throw new PermanentError(`pull request ${pullRequestId} belongs to repository ${target.id}, not ${repositoryId} as event '${envelope.id}' says`);
    }
    if (pullRequest.status !== undefined && pullRequest.status !== PullRequestStatus.Active) {
      logger.info('pull request is no longer active; not scanned', { pullRequestId, status: pullRequest.status });
      return { scanned: false, why: 'the pull request is no longer active' };
    }
    const sourceCommit = pullRequest.lastMergeSourceCommit?.commitId;
    if (!sourceCommit) throw new PermanentError(`pull request ${pullRequestId} has no source commit yet; nothing to scan`);
    const repository = scannedRepository(target?.name ? target : await client.git.getRepository(project, repositoryId), { project, repository: repositoryId });

    const iterations = await client.git.listPullRequestIterations(project, repository.id, pullRequestId);
    const latest = Math.max(0, ...iterations.map((iteration) => iteration.id ?? 0));
    const changes = latest > 0 ? await client.git.getPullRequestIterationChanges(project, repository.id, pullRequestId, latest) : [];

    const scan = RepositoryContentScan.configured(services.config);
    const results = new FindingSummaries(settings.organization, repository);
    let fetched = 0;
    let filesNotScanned = 0;
    for (const change of changes) {
      const file = classifyChange(change);
      if (file.kind === 'folder') continue;
      if (file.kind !== 'file') {
        scan.skip(file.path, file.kind);
        continue;
      }
      const skip = scan.screen(file.path);
      if (skip) {
        scan.skip(file.path, skip);
        continue;
      }
      if (fetched >= maxFilesPerPullRequest) {
        filesNotScanned++;
        scan.skip(file.path, 'file-limit');
        continue;
      }
      fetched++;
      const content = await client.git.streamItem(project, repository.id, file.path, sourceCommit);
      for await (const finding of scan.scanFile(file.path, content)) results.add(finding, { commitId: sourceCommit });
    }

    const record: RepositoryScanRecord = {
      id: `pull-request:${repository.id}:${pullRequestId}:${sourceCommit}`,
      organization: settings.organization,
      kind: 'pull-request',
      project: repository.project,
      repositoryId: repository.id,
      repository: `${repository.project}/${repository.name}`,
      commitId: sourceCommit,
      ...(pullRequest.sourceRefName ? { branch: pullRequest.sourceRefName } : {}),
      pullRequestId,
      ...scanResults(scan.summary(), { risksOpened: 0, summaries: results }),
      ...(filesNotScanned > 0 ? { limit: { maxFiles: maxFilesPerPullRequest, filesNotScanned } } : {}),
      durationMs: services.clock.now() - started,
      scannedAt: new Date(services.clock.now()).toISOString(),
    };
    await services.stores.scans.upsert(record);

    const completed: EventEnvelope = {
      // One per (pull request, source commit): a redelivered or repeated update of the same commit is dropped by the queue.
      id: `scan.completed:${repository.id}:${pullRequestId}:${sourceCommit}`,
      source: 'vigil',
      type: 'scan.completed',
      organization: settings.organization,
      ...(envelope.project ? { project: envelope.project } : {}),
      subject: { pullRequestId, repositoryId: repository.id, commitId: sourceCommit, findings: record.findings, scanId: record.id },
      receivedAt: new Date(services.clock.now()).toISOString(),
    };
    for (const queue of queuesFor(completed)) await services.queue.send(queue, [{ messageId: completed.id, body: completed }]);
    logger.info('pull request scanned', { pullRequestId, sourceCommit, files: record.filesScanned, findings: record.findings });
    return { scanId: record.id, commitId: sourceCommit, filesScanned: record.filesScanned, findings: record.findings };
  } finally {
    client.close();
  }
};
