import type { UseCase } from '../../app';
import type { CommentRef, PublishTarget, PullRequestKey } from '../../codeHosts';
import { openPullRequestHost } from '../../codeHosts';
import { PermanentError } from '../../errors';
import { pullRequestSettingsOf } from '../../organizations';
import { narrowed } from '../../store';
import { summaryWriterFor } from '../../summaries';
import type { PullRequestFeedback, Triage } from '../feedback/pullRequestFeedback';
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
 * summary and the status again, which no longer count the finding. The same holds on a tool's
 * threads (SARIF results posted on their own channel, docs/ci-results.md): the reply triages that
 * tool's `code-finding` or `dependency-vulnerability` risk, and the tool's thread, summary and
 * status say so. A comment event delivered again triages once.
 */
export const triagePullRequestComment: UseCase = async (envelope, context) =>
  triageComment(envelope, context, riskLifecycle(context.services));

export async function triageComment(envelope: Parameters<UseCase>[0], { services, logger }: Parameters<UseCase>[1], risks: RiskLifecycle) {
  const settings = await services.stores.organizations.get(envelope.organization);
  const host = await openPullRequestHost(envelope.source, settings, services, logger);
  try {
    const named = await host.pullRequestOf(envelope);
    const store = services.stores.pullRequestFeedback;
    // Every channel that published here: Vigil's secret scan first, then each tool whose SARIF results were posted.
    const channels = (await store.channelsOf(settings.organization, named)).filter((feedback) => feedback.published);
    if (channels.length === 0) return { triaged: false, why: 'Vigil has published nothing on this pull request' };
    const project = channels.find((feedback) => feedback.project)?.project;
    const key: PullRequestKey = { ...named, ...(project ? { project } : {}) };
    // Reading the comment and answering it need the pull request only, not a channel's head.
    const onPullRequest: PublishTarget = { key, headCommit: channels[0].published?.commitId ?? '' };

    const subject = envelope.subject;
    const commentId = subject.commentId ?? subject.noteId;
    const threadId = subject.threadId ?? subject.discussionId;
    if (commentId === undefined) throw new PermanentError(`event '${envelope.id}' names no comment`);
    const ref: CommentRef = {
      commentId: String(commentId),
      ...(threadId !== undefined ? { threadId: String(threadId) } : {}),
      ...(subject.kind === 'review' || subject.kind === 'conversation' ? { kind: subject.kind } : {}),
    };
    const found = await host.comment(onPullRequest, ref);
    if (!found) return { triaged: false, why: 'the comment is gone' };
    const identity = channels.find((feedback) => feedback.identity)?.identity ?? (await host.identity());
    if (found.comment.authorId === identity.id) return { triaged: false, why: "Vigil's own comment" };

    const onThread = found.threadId ? threadOf(channels, found.threadId) : undefined;
    const command = readTriageCommand(found.comment.body, onThread !== undefined);
    if (command.kind === 'none') return { triaged: false, why: 'not a /vigil command' };
    // Awaited where it is returned: the `finally` below closes the host, and an Azure DevOps client refuses to post once closed.
    const refuse = async (problem: string) => {
      if (found.threadId) await host.reply(onPullRequest, found.threadId, triageRefusal(problem));
      logger.info('a /vigil command was not carried out', { pullRequest: key.number, problem });
      return { triaged: false, why: problem };
    };
    if (command.kind === 'refused') return await refuse(command.problem);

    const scanOf = async (feedback: PullRequestFeedback) => {
      const scanId = feedback.published?.scanId ?? '';
      const scan = narrowed(await services.stores.scans.read(scanId, settings.organization), 'kind', 'pull-request');
      if (!scan?.pullRequest) throw new PermanentError(`the scan '${scanId}' Vigil last published on pull request ${key.number} is gone`);
      return { ...scan, pullRequest: scan.pullRequest };
    };
    let chosen: { feedback: PullRequestFeedback; scan: Awaited<ReturnType<typeof scanOf>>; fingerprint: string } | undefined;
    if (onThread) chosen = { feedback: onThread.feedback, scan: await scanOf(onThread.feedback), fingerprint: onThread.fingerprint };
    else {
      // A finding named by its id: any channel's, as long as the id names one finding only.
      const candidates: Array<{ feedback: PullRequestFeedback; scan: Awaited<ReturnType<typeof scanOf>>; fingerprint: string }> = [];
      for (const feedback of channels) {
        const scan = await scanOf(feedback);
        for (const fingerprint of new Set([...scan.results.map((r) => r.fingerprint), ...Object.keys(feedback.threads)]))
          candidates.push({ feedback, scan, fingerprint });
      }
      chosen = uniqueFinding(command.findingId ?? '', candidates);
    }
    if (!chosen) return await refuse(`no finding on this pull request has the id \`${command.findingId}\` (the summary lists them)`);
    const { feedback, scan, fingerprint } = chosen;
    const channel = scan.pullRequest.channel;
    const feedbackKey = { ...key, ...(channel ? { channel: channel.name } : {}) };
    const now = () => new Date(services.clock.now()).toISOString();
    // The published head, as it stands in `current`: before the triage (to find the thread) and after (to refresh).
    const publicationOf = (current: PullRequestFeedback) =>
      new Publication(host, store, settings.organization, key, scan, pullRequestSettingsOf(settings), current, logger, now, 'refresh');
    const target = publicationOf(feedback).target;

    const finding = scan.results.find((r) => r.fingerprint === fingerprint);
    const record = feedback.threads[fingerprint];
    if (record?.triage?.commentId === found.comment.id) return { triaged: false, why: 'already triaged from this comment' };
    if (!finding)
      return await refuse(
        channel
          ? `${channel.title} no longer reports this on the pull request: there is nothing left to triage`
          : 'Vigil no longer finds this secret on the pull request: there is nothing left to triage',
      );

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
    if (outcome === 'no-risk')
      return await refuse(`Vigil holds no risk for this ${channel?.title ?? 'tool'} finding any more: there is nothing to triage`);
    const updated = await store.update(settings.organization, feedbackKey, (current) => {
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
    const publication = publicationOf(updated);
    // The written overview speaks of secrets: a tool's summary has none (as when it is published).
    if (!channel) publication.withOverview(summaryOverview(await summaryWriterFor(settings.summaries, services), key, scan, logger));
    const refreshed = await publication.refresh();
    logger.info('finding triaged from the pull request', {
      pullRequest: key.number,
      finding: shortIdOf(fingerprint),
      ...(channel ? { channel: channel.name } : {}),
      status: triage.status,
      outcome,
      state: refreshed?.state,
    });
    return {
      triaged: true,
      status: triage.status,
      risk: outcome,
      finding: shortIdOf(fingerprint),
      ...(channel ? { channel: channel.name } : {}),
      ...(refreshed ? { state: refreshed.state } : {}),
    };
  } finally {
    host.close();
  }
}

/** The channel document and fingerprint whose recorded thread a reply is in. */
function threadOf(channels: PullRequestFeedback[], threadId: string): { feedback: PullRequestFeedback; fingerprint: string } | undefined {
  for (const feedback of channels) {
    const entry = Object.entries(feedback.threads).find(([, record]) => record.id === threadId);
    if (entry) return { feedback, fingerprint: entry[0] };
  }
  return undefined;
}

/** The one finding an id names (a prefix of at least 8 characters of its fingerprint); undefined when none or several do. */
function uniqueFinding<T extends { fingerprint: string }>(id: string, candidates: T[]): T | undefined {
  if (id.length < 8) return undefined;
  const matches = candidates.filter((candidate) => candidate.fingerprint.startsWith(id));
  return matches.length === 1 ? matches[0] : undefined;
}
