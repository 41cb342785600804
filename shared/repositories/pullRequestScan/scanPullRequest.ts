import type { UseCase } from '../../app';
import { queuesFor } from '../../app';
import { canCommentOn, isAdded, openPullRequestHost, type PulledRequest } from '../../codeHosts';
import type { EventEnvelope } from '../../events';
import { recordScan } from '../../telemetry';
import { skippedByTrigger } from '../../triggers';
import { RepositoryContentScan } from '../contentScan/repositoryContentScan';
import { toRelativePath } from '../contentScan/repositoryPathFilter';
import { FindingSummaries, repositoryRiskAsset } from '../contentScan/repositoryRiskRecorder';
import { maxListedResults, type RepositoryScanRecord, scanResults } from '../contentScan/repositoryScanRecord';

/**
 * A pull request opened or updated, on any platform (`azure-devops:git.pullrequest.created|updated`,
 * `github:pull_request.opened|synchronize|reopened`, `gitlab:merge_request.open|update|reopen`):
 * re-fetch the pull request through the host port, take the files it changes against its merge
 * base, scan each added or edited file at the pull request's head commit, tell findings on lines
 * the pull request adds ("introduced here", from the diff hunks) from findings already in the file
 * ("pre-existing"), write the `scans` document (its `results` are what the publisher posts,
 * introduced ones first), and emit `scan.completed` for the publisher, once per (pull request,
 * head commit).
 *
 * Findings here are not recorded as risks: the source branch's pushes are scanned by the push
 * handler, which records them against the commit that brought them. Each result names the risk id
 * it is (or would be) a sighting of, for the publisher to link and triage.
 */
export const maxFilesPerPullRequest = 500;

export const scanPullRequest: UseCase = async (envelope, { services, logger }) => {
  const started = services.clock.now();
  const settings = await services.stores.organizations.get(envelope.organization);
  const host = await openPullRequestHost(envelope.source, settings, services, logger);
  try {
    const pullRequest = await host.pullRequest(await host.pullRequestOf(envelope));
    const readAt = services.clock.now();
    const { key } = pullRequest;
    if (!pullRequest.open) {
      logger.info('pull request is no longer open; not scanned', { pullRequest: key.number, repository: key.repositoryId });
      return { scanned: false, why: 'the pull request is no longer open' };
    }
    const repository = pullRequest.repository;
    const head = pullRequest.headCommit;
    const scan = RepositoryContentScan.configured(services.config);
    const introduced = new FindingSummaries(settings.organization, repository);
    const preexisting = new FindingSummaries(settings.organization, repository);
    let introducedCount = 0;
    let fetched = 0;
    let filesNotScanned = 0;
    const files = await host.pullRequestFiles(pullRequest);
    const skipped = skippedByTrigger(
      settings.triggerRules,
      {
        work: 'pull-request',
        ...(pullRequest.targetBranch ? { branch: pullRequest.targetBranch } : {}),
        paths: files.flatMap(({ file }) => (file.kind === 'folder' ? [] : [file.path])),
        project: repository.project,
        repository: repository.host ? repository.host.asset.name : `${repository.project}/${repository.name}`,
      },
      logger,
      { pullRequest: key.number, repository: key.repositoryId },
    );
    if (skipped) return { scanned: false, why: skipped };
    for (const { file, added } of files) {
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
      const content = await host.fileContent(repository, file.path, head);
      const shownPath = toRelativePath(file.path);
      for await (const finding of scan.scanFile(file.path, content)) {
        // A secret in the file's name came with the file when its first line is new here (an added file).
        const isIntroduced = isAdded(added, finding.location === 'path' ? 1 : finding.line);
        if (isIntroduced) introducedCount++;
        // A file whose name holds a secret is shown by its redacted name, which no thread can be placed on: the summary lists it.
        const onDiffLine = finding.path === shownPath && canCommentOn(added, finding.line);
        (isIntroduced ? introduced : preexisting).add(finding, { commitId: head }, { introduced: isIntroduced, onDiffLine });
      }
    }

    // Introduced findings first: they are what the pull request is asked to fix, and what a long list must not lose.
    const listed = [...introduced.list, ...preexisting.list];
    const summaries = {
      list: listed.slice(0, maxListedResults),
      truncated: introduced.truncated || preexisting.truncated || listed.length > maxListedResults,
    };
    const summary = scan.summary();
    const record: RepositoryScanRecord = {
      id: scanRecordId(pullRequest),
      organization: settings.organization,
      kind: 'pull-request',
      project: repository.project,
      repositoryId: repository.id,
      repository: repository.host ? repository.host.asset.name : `${repository.project}/${repository.name}`,
      commitId: head,
      ...(pullRequest.sourceBranch ? { branch: pullRequest.sourceBranch } : {}),
      pullRequestId: key.number,
      pullRequest: {
        source: key.source,
        number: key.number,
        repositoryId: key.repositoryId,
        asset: { id: repositoryRiskAsset(repository).id, name: repositoryRiskAsset(repository).name },
        order: { ...(pullRequest.iterationId ? { iteration: pullRequest.iterationId } : {}), at: readAt },
        ...(pullRequest.baseCommit ? { baseCommit: pullRequest.baseCommit } : {}),
        ...(pullRequest.startCommit ? { startCommit: pullRequest.startCommit } : {}),
        ...(pullRequest.iterationId ? { iterationId: pullRequest.iterationId } : {}),
        ...(pullRequest.pipelineId ? { pipelineId: pullRequest.pipelineId } : {}),
        ...(pullRequest.webUrl ? { webUrl: pullRequest.webUrl } : {}),
        ...(summary.filesScanned === 0 ? { nothingScanned: true } : {}),
      },
      introduced: introducedCount,
      ...scanResults(summary, { risksOpened: 0, summaries }),
      ...(filesNotScanned > 0 ? { limit: { maxFiles: maxFilesPerPullRequest, filesNotScanned } } : {}),
      durationMs: services.clock.now() - started,
      scannedAt: new Date(services.clock.now()).toISOString(),
    };
    await services.stores.scans.upsert(record);

    const completed: EventEnvelope = {
      // One per (pull request, head commit): a redelivered or repeated update of the same commit is dropped by the queue.
      id: completedEventId(pullRequest),
      source: 'vigil',
      type: 'scan.completed',
      organization: settings.organization,
      ...(envelope.project ? { project: envelope.project } : {}),
      subject: {
        platform: key.source,
        pullRequestId: key.number,
        repositoryId: key.repositoryId,
        commitId: head,
        findings: record.findings,
        introduced: introducedCount,
        scanId: record.id,
      },
      receivedAt: new Date(services.clock.now()).toISOString(),
    };
    for (const queue of queuesFor(completed)) await services.queue.send(queue, [{ messageId: completed.id, body: completed }]);
    recordScan('pull-request', record.bytesScanned, record.durationMs);
    logger.info('pull request scanned', {
      pullRequest: key.number,
      head,
      files: record.filesScanned,
      findings: record.findings,
      introduced: introducedCount,
    });
    return { scanId: record.id, commitId: head, filesScanned: record.filesScanned, findings: record.findings, introduced: introducedCount };
  } finally {
    host.close();
  }
};

/** Cosmos ids may not hold '/': GitHub's `owner/name` is joined with ':' (neither part can contain one). */
function scanRecordId({ key, repository, headCommit }: PulledRequest): string {
  if (key.source === 'azure-devops') return `pull-request:${repository.id}:${key.number}:${headCommit}`;
  return `pull-request:${key.source}:${key.repositoryId.toLowerCase().replace('/', ':')}:${key.number}:${headCommit}`;
}

function completedEventId({ key, repository, headCommit }: PulledRequest): string {
  if (key.source === 'azure-devops') return `scan.completed:${repository.id}:${key.number}:${headCommit}`;
  return `scan.completed:${key.source}:${key.repositoryId.toLowerCase()}:${key.number}:${headCommit}`;
}
