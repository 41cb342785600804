import type { UseCase } from '../../app';
import type { PullRequestKey } from '../../codeHosts';
import { openPullRequestHost } from '../../codeHosts';
import { failureKindOf, PermanentError } from '../../errors';
import { pullRequestSettingsOf } from '../../organizations';
import type { RepositoryScanRecord } from '../../repositories';
import { narrowed } from '../../store';
import { summaryWriterFor } from '../../summaries';
import { PublishSuperseded } from '../feedback/pullRequestFeedback';
import { Publication } from './publication';
import { summaryOverview } from './summaryOverview';
import { toolResultsOnDiff } from './toolResultsOnDiff';

/**
 * `vigil:scan.completed` (subject `{ platform, pullRequestId, repositoryId, commitId, scanId }`), on
 * the pr-publish queue: post the scan's findings on the pull request it was for, on whichever
 * platform that is (docs/pull-requests.md). Only the newest head is published: a scan of an older
 * head that arrives after a newer one is published changes nothing, and a redelivery of a head
 * already published posts nothing. A permanent failure (a token without write access) leaves an
 * `error` status where the token may still post one, and parks the message with the reason.
 */
export const publishPullRequest: UseCase = async (envelope, { services, logger }) => {
  const scanId = String(envelope.subject.scanId ?? '');
  const stored = narrowed(await services.stores.scans.read(scanId, envelope.organization), 'kind', 'pull-request');
  if (!stored?.pullRequest) {
    throw new PermanentError(
      `event '${envelope.id}' names scan '${scanId}', which is no pull request scan of organization '${envelope.organization}' (push to the pull request to scan it again)`,
    );
  }
  let scan: RepositoryScanRecord = stored;
  const context = stored.pullRequest;
  const project = envelope.project ?? scan.project;
  const key: PullRequestKey = {
    source: context.source,
    repositoryId: context.repositoryId,
    number: context.number,
    ...(context.source === 'azure-devops' ? { project } : {}),
  };
  const store = services.stores.pullRequestFeedback;
  // A tool's results have their own channel: their own feedback document, status and summary beside Vigil's secret scan.
  const feedbackKey = { ...key, ...(context.channel ? { channel: context.channel.name } : {}) };
  const claimed = await store.claim(envelope.organization, feedbackKey, { commitId: scan.commitId, scanId: scan.id, order: context.order });
  if (claimed.outcome !== 'go') {
    logger.info('nothing to publish', { pullRequest: key.number, head: scan.commitId, channel: context.channel?.name, why: claimed.why });
    return { published: false, why: claimed.why };
  }
  const settings = await services.stores.organizations.get(envelope.organization);
  const host = await openPullRequestHost(key.source, settings, services, logger);
  if (context.channel) {
    const placed = await toolResultsOnDiff(host, key, scan).catch((error: unknown) => {
      host.close();
      throw error;
    });
    if (placed.outcome === 'skipped') {
      await store.update(envelope.organization, feedbackKey, (current) =>
        current.claim?.scanId === scan.id ? { ...current, claim: undefined } : undefined,
      );
      host.close();
      logger.info('tool results not posted', {
        pullRequest: key.number,
        head: scan.commitId,
        channel: context.channel.name,
        why: placed.why,
      });
      return { published: false, why: placed.why };
    }
    scan = placed.scan;
    // Kept as placed: a `/vigil` reply on one of its threads refreshes the summary and status from this record.
    await services.stores.scans.upsert(scan).catch((error: unknown) => {
      host.close();
      throw error;
    });
  }
  const now = () => new Date(services.clock.now()).toISOString();
  const publication = new Publication(
    host,
    store,
    settings.organization,
    key,
    scan,
    pullRequestSettingsOf(settings),
    claimed.feedback,
    logger,
    now,
  );
  // The written overview speaks of secrets; a tool's summary says what its results are in its first lines.
  if (!context.channel) publication.withOverview(summaryOverview(await summaryWriterFor(settings.summaries, services), key, scan, logger));
  try {
    const result = await publication.run();
    logger.info('published on the pull request', { ...result, pullRequest: key.number });
    return result;
  } catch (error) {
    if (error instanceof PublishSuperseded) {
      logger.info('a newer head took the pull request over; stopped', { pullRequest: key.number, head: scan.commitId, why: error.message });
      return { published: false, why: error.message };
    }
    const kind = failureKindOf(error);
    if (kind === 'permanent' || kind === 'configuration') await publication.reportFailure(firstClause(error));
    throw error;
  } finally {
    host.close();
  }
};

/** The part of a failure's message a status line has room for. */
function firstClause(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const status = /\(HTTP (\d+)\)/.exec(message);
  return status ? `the platform refused a write (HTTP ${status[1]}); see vigil dlq list` : 'see vigil dlq list';
}
