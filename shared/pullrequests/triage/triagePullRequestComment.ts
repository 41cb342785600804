import type { UseCase } from '../../app';
import type { CommentRef, PullRequestKey } from '../../codeHosts';
import { openPullRequestHost } from '../../codeHosts';
import { PermanentError } from '../../errors';
import { pullRequestSettingsOf } from '../../organizations';
import { narrowed } from '../../store';
import { summaryWriterFor } from '../../summaries';
import type { Triage } from '../feedback/pullRequestFeedback';
import { triagedNote, triageRefusal } from '../publishing/feedbackText';
import { shortIdOf } from '../publishing/findingsReport';
import { Publication } from '../publishing/publication';
import { summaryOverview } from '../publishing/summaryOverview';
import { type RiskLifecycle, riskLifecycle } from './riskLifecycle';
import { readTriageCommand } from './triageCommand';

/**
 * A comment on a pull request that may be a `/vigil` command (Azure DevOps
 * `ms.vss-code.git-pullrequest-comment-event`, GitHub `issue_comment` and
 * `pull_request_review_comment`, GitLab `Note Hook`), on the pr-publish queue. The comment is read
 * again from the platform (the event is trusted for its ids only); one written by Vigil itself, or
 * not a command, does nothing. `/vigil false-positive <reason>` or `/vigil accept <reason>` on a
 * Vigil thread — or `/vigil accept <id> <reason>` elsewhere, with the id the summary shows —
 * triages the finding's risk (who, when, why), resolves the thread with a note, and posts the
 * summary and the status again, which no longer count the finding. A comment event delivered
 * again triages once.
 */
export const triagePullRequestComment: UseCase = async (envelope, context) =>
  triageComment(envelope, context, riskLifecycle(context.services));

export async function triageComment(envelope: Parameters<UseCase>[0], { services, logger }: Parameters<UseCase>[1], risks: RiskLifecycle) {
  const settings = await services.stores.organizations.get(envelope.organization);
  const host = await openPullRequestHost(envelope.source, settings, services, logger);
  try {
    const named = await host.pullRequestOf(envelope);
    const store = services.stores.pullRequestFeedback;
    const feedback = await store.get(settings.organization, named);
    if (!feedback?.published) return { triaged: false, why: 'Vigil has published nothing on this pull request' };
    const key: PullRequestKey = { ...named, ...(feedback.project ? { project: feedback.project } : {}) };
    const scan = narrowed(await services.stores.scans.read(feedback.published.scanId, settings.organization), 'kind', 'pull-request');
    if (!scan?.pullRequest)
      throw new PermanentError(`the scan '${feedback.published.scanId}' Vigil last published on pull request ${key.number} is gone`);
    const now = () => new Date(services.clock.now()).toISOString();
    // The published head, as it stands in `current`: before the triage (to find the thread) and after (to refresh).
    const publicationOf = (current: typeof feedback) =>
      new Publication(host, store, settings.organization, key, scan, pullRequestSettingsOf(settings), current, logger, now, 'refresh');
    const publication = publicationOf(feedback);
    const target = publication.target;

    const subject = envelope.subject;
    const commentId = subject.commentId ?? subject.noteId;
    const threadId = subject.threadId ?? subject.discussionId;
    if (commentId === undefined) throw new PermanentError(`event '${envelope.id}' names no comment`);
    const ref: CommentRef = {
      commentId: String(commentId),
      ...(threadId !== undefined ? { threadId: String(threadId) } : {}),
      ...(subject.kind === 'review' || subject.kind === 'conversation' ? { kind: subject.kind } : {}),
    };
    const found = await host.comment(target, ref);
    if (!found) return { triaged: false, why: 'the comment is gone' };
    const identity = feedback.identity ?? (await host.identity());
    if (found.comment.authorId === identity.id) return { triaged: false, why: "Vigil's own comment" };

    const onThread = found.threadId ? Object.entries(feedback.threads).find(([, record]) => record.id === found.threadId) : undefined;
    const command = readTriageCommand(found.comment.body, onThread !== undefined);
    if (command.kind === 'none') return { triaged: false, why: 'not a /vigil command' };
    const refuse = async (problem: string) => {
      if (found.threadId) await host.reply(target, found.threadId, triageRefusal(problem));
      logger.info('a /vigil command was not carried out', { pullRequest: key.number, problem });
      return { triaged: false, why: problem };
    };
    if (command.kind === 'refused') return refuse(command.problem);

    const fingerprint =
      onThread?.[0] ??
      uniqueFingerprint(command.findingId ?? '', [
        ...new Set([...scan.results.map((r) => r.fingerprint), ...Object.keys(feedback.threads)]),
      ]);
    if (!fingerprint) return refuse(`no finding on this pull request has the id \`${command.findingId}\` (the summary lists them)`);
    const finding = scan.results.find((r) => r.fingerprint === fingerprint);
    const record = feedback.threads[fingerprint];
    if (record?.triage?.commentId === found.comment.id) return { triaged: false, why: 'already triaged from this comment' };
    if (!finding) return refuse('Vigil no longer finds this secret on the pull request: there is nothing left to triage');

    const triage: Triage = {
      status: command.status,
      reason: command.reason,
      by: { id: found.comment.authorId, name: found.comment.authorName },
      at: now(),
      commentId: found.comment.id,
    };
    const outcome = await risks.triage(
      settings.organization,
      {
        riskId: finding.riskId,
        finding,
        asset: scan.pullRequest.asset,
        ...(key.source === 'azure-devops' ? { project: scan.project } : {}),
      },
      {
        status: triage.status,
        reason: triage.reason,
        by: triage.by,
        at: triage.at,
        reference: `pull request ${key.number} of ${scan.repository}`,
        requestId: `${key.source}:${key.number}:${found.comment.id}`,
      },
    );
    const updated = await store.update(settings.organization, key, (current) => {
      const existing = current.threads[fingerprint] ?? {
        state: 'triaged' as const,
        ruleId: finding.ruleId,
        riskId: finding.riskId,
        path: finding.path,
        line: finding.line,
        commitId: scan.commitId,
      };
      return { ...current, identity, threads: { ...current.threads, [fingerprint]: { ...existing, state: 'triaged', triage } } };
    });
    const threadOfFinding = updated.threads[fingerprint]?.id;
    if (threadOfFinding) await host.resolveThread(target, threadOfFinding, { outcome: triage.status, note: triagedNote(triage) });
    const refreshed = await publicationOf(updated)
      .withOverview(summaryOverview(await summaryWriterFor(settings.summaries, services), key, scan, logger))
      .refresh();
    logger.info('finding triaged from the pull request', {
      pullRequest: key.number,
      finding: shortIdOf(fingerprint),
      status: triage.status,
      outcome,
      state: refreshed?.state,
    });
    return {
      triaged: true,
      status: triage.status,
      risk: outcome,
      finding: shortIdOf(fingerprint),
      ...(refreshed ? { state: refreshed.state } : {}),
    };
  } finally {
    host.close();
  }
}

/** The one fingerprint an id names (a prefix of at least 8 characters); undefined when none or several do. */
function uniqueFingerprint(id: string, fingerprints: string[]): string | undefined {
  if (id.length < 8) return undefined;
  const matches = fingerprints.filter((fingerprint) => fingerprint.startsWith(id));
  return matches.length === 1 ? matches[0] : undefined;
}
