import type { HostIdentity, HostThread, PublishTarget, PullRequestHost, PullRequestKey, StatusState } from '../../codeHosts';
import { CommentTooLongError } from '../../codeHosts';
import type { Logger } from '../../logging';
import type { PullRequestSettings } from '../../organizations';
import type { RepositoryScanRecord } from '../../repositories';
import {
  type FeedbackKey,
  PublishSuperseded,
  type PullRequestFeedback,
  type PullRequestFeedbackStore,
  type ThreadRecord,
} from '../feedback/pullRequestFeedback';
import { summaryText } from './feedbackText';
import { annotationsOf, type FindingsReport, findingsReport } from './findingsReport';
import { type FeedbackNotes, notesFor } from './toolFeedbackText';

/**
 * One publish of one head of a pull request, in the order a reader sees it: the status `pending`,
 * a thread on the line of each introduced finding (within the budget), the threads of findings
 * that went away resolved (or, where a person replied, a note left), the summary, the final
 * status. Each post is claimed in the pull request's feedback document before it is made and
 * recorded after; a claim left by a crash is looked for on the platform by its marker before it is
 * posted again. Between posts it checks it still holds the pull request: a newer head's publish
 * takes over, and this one stops.
 */
export interface PublishResult {
  published: true;
  commitId: string;
  state: StatusState;
  threadsPosted: number;
  threadsResolved: number;
  summary: 'posted' | 'updated' | 'quiet';
}

/**
 * Vigil's identity per platform and organization, remembered by the process for an hour: the token
 * behind it changes rarely, and asking once per pull request would cost a call on every publish
 * that resolves a thread. A pull request's feedback document keeps the identity it was published under.
 */
const identityTtlMs = 3_600_000;
const knownIdentities = new Map<string, { identity: HostIdentity; at: number }>();

/** Writes the few sentences on top of the summary (summaryOverview.ts); none, no overview. */
export type OverviewWriter = (report: FindingsReport) => Promise<string | undefined>;

export class Publication {
  private threadsOnHost: HostThread[] | undefined;
  private overviewWriter: OverviewWriter | undefined;
  private overviewText: Promise<string | undefined> | undefined;
  private posted = 0;
  private resolved = 0;
  readonly target: PublishTarget;
  /** The feedback document's key: the pull request, and the channel (a tool's results have their own document). */
  private readonly feedbackKey: FeedbackKey;
  private readonly notes: FeedbackNotes;

  constructor(
    private readonly host: PullRequestHost,
    private readonly store: PullRequestFeedbackStore,
    private readonly organization: string,
    private readonly key: PullRequestKey,
    private readonly scan: RepositoryScanRecord,
    private readonly settings: PullRequestSettings,
    private feedback: PullRequestFeedback,
    private readonly logger: Logger,
    private readonly now: () => string,
    /** `refresh`: the head is already published; only the summary and the status are posted again (after a triage). */
    private readonly mode: 'publish' | 'refresh' = 'publish',
  ) {
    const context = scan.pullRequest;
    this.target = {
      key,
      headCommit: scan.commitId,
      ...(context?.baseCommit ? { baseCommit: context.baseCommit } : {}),
      ...(context?.startCommit ? { startCommit: context.startCommit } : {}),
      ...(context?.iterationId ? { iterationId: context.iterationId } : {}),
      ...(context?.pipelineId ? { pipelineId: context.pipelineId } : {}),
      ...(context?.channel ? { channel: context.channel } : {}),
    };
    this.feedbackKey = { ...key, ...(context?.channel ? { channel: context.channel.name } : {}) };
    this.notes = notesFor(context?.channel);
  }

  /** Put a written overview (docs/pull-requests.md, "Written summaries") on top of the summary this publication posts. */
  withOverview(writer: OverviewWriter): this {
    this.overviewWriter = writer;
    return this;
  }

  /** Written once per publication: the summary comment and a check run's text share it. */
  private overview(report: FindingsReport): Promise<{ overview?: string }> {
    this.overviewText ??= this.overviewWriter ? this.overviewWriter(report) : Promise.resolve(undefined);
    return this.overviewText.then((overview) => (overview ? { overview } : {}));
  }

  private get head(): string {
    return this.scan.commitId;
  }

  /** The scan's place in the pull request's order (a publish is only made for a pull request scan). */
  private get order() {
    return this.scan.pullRequest?.order ?? { at: Date.parse(this.scan.scannedAt) };
  }

  private get claimant() {
    return { commitId: this.scan.commitId, scanId: this.scan.id };
  }

  async run(): Promise<PublishResult> {
    await this.pending();
    // One report for the whole run: which findings get a thread is decided once, against this run's budget.
    const report = findingsReport(this.scan, this.feedback, this.settings);
    await this.postThreads(report);
    await this.resolveGone();
    const summary = await this.summary(report);
    await this.final(report);
    await this.change((current) => ({
      ...current,
      published: { commitId: this.head, scanId: this.scan.id, order: this.order, state: report.state, at: this.now() },
      claim: undefined,
    }));
    return {
      published: true,
      commitId: this.head,
      state: report.state,
      threadsPosted: this.posted,
      threadsResolved: this.resolved,
      summary,
    };
  }

  /**
   * After a person triaged a finding: the summary and the final status of the published head again,
   * without annotations (they are on the check run already). Left alone while a newer head is being
   * published: that publish reads the triage too.
   */
  async refresh(): Promise<{ state: StatusState } | undefined> {
    const claim = this.feedback.claim;
    if (claim && claim.commitId !== this.head) return undefined;
    const report = findingsReport(this.scan, this.feedback, this.settings);
    await this.summary(report);
    const handle = await this.host.setStatus(
      this.target,
      {
        state: report.state,
        description: report.description,
        ...(this.host.capabilities.annotations ? { annotations: [] } : {}),
        ...this.targetUrl(),
      },
      this.pendingHandle(),
    );
    await this.change((current) => ({
      ...current,
      status: { commitId: this.head, pending: this.pendingHandle() ?? handle, final: report.state },
    }));
    return { state: report.state };
  }

  /** After a permanent failure: an `error` status where the token still may post one, so a required check does not hang at pending. */
  async reportFailure(reason: string): Promise<void> {
    try {
      await this.host.setStatus(
        this.target,
        { state: 'error', description: `Vigil could not publish its findings: ${reason}`.slice(0, 140) },
        this.pendingHandle(),
      );
    } catch (error) {
      this.logger.warn('could not post the error status either', { reason: error instanceof Error ? error.message : String(error) });
    }
  }

  // ── steps ───────────────────────────────────────────────────────────────────────────────────
  private async pending(): Promise<void> {
    if (this.pendingHandle()) return;
    const handle = await this.host.setStatus(this.target, {
      state: 'pending',
      description: this.target.channel
        ? `Vigil is posting ${this.target.channel.title}'s results for ${this.head.slice(0, 7)}`
        : `Vigil is reviewing ${this.head.slice(0, 7)} (${this.scan.filesScanned} changed files scanned)`,
      ...this.targetUrl(),
    });
    await this.change((current) => ({ ...current, status: { commitId: this.head, pending: handle } }), true);
  }

  private async postThreads(report: FindingsReport): Promise<void> {
    const wanted = report.findings.filter((f) => f.inline && !f.triage);
    const fresh = wanted.filter((f) => !this.feedback.threads[f.finding.fingerprint]);
    const leftPosting = new Set(
      wanted.filter((f) => this.feedback.threads[f.finding.fingerprint]?.state === 'posting').map((f) => f.finding.fingerprint),
    );
    if (fresh.length > 0) {
      await this.change((current) => {
        const threads = { ...current.threads };
        for (const { finding } of fresh) {
          threads[finding.fingerprint] ??= {
            state: 'posting',
            ruleId: finding.ruleId,
            riskId: finding.riskId,
            path: finding.path,
            line: finding.line,
            commitId: this.head,
          };
        }
        return { ...current, threads };
      }, true);
    }
    for (const reported of wanted) {
      const { finding, shortId } = reported;
      const record = this.feedback.threads[finding.fingerprint];
      if (!record) continue;
      if (record.state === 'fixed' && record.id) {
        await this.host.reopenThread(this.target, record.id, this.notes.foundAgain(this.head));
        await this.recordThread(finding.fingerprint, { state: 'open' });
        continue;
      }
      if (record.state !== 'posting') continue;
      // A claim left by a crashed run may have been posted already: look for it by its marker first.
      const adopted = leftPosting.has(finding.fingerprint) ? await this.findThread(finding.fingerprint) : undefined;
      const id =
        adopted?.id ??
        (await this.host.postThread(this.target, {
          path: finding.path,
          line: finding.line,
          column: finding.column,
          body: this.notes.thread(finding, shortId),
          fingerprint: finding.fingerprint,
          ruleId: finding.ruleId,
        }));
      if (!adopted) this.posted++;
      await this.recordThread(finding.fingerprint, { id, state: 'open', commitId: this.head });
    }
  }

  private async resolveGone(): Promise<void> {
    // A bounded result list cannot say a finding is gone.
    if (this.scan.resultsTruncated) return;
    const present = new Set(this.scan.results.map((r) => r.fingerprint));
    const gone = Object.entries(this.feedback.threads).filter(
      ([fingerprint, record]) => record.state === 'open' && record.id && !present.has(fingerprint),
    );
    if (gone.length === 0) return;
    const threads = await this.hostThreads();
    for (const [fingerprint, record] of gone) {
      const thread = threads.find((t) => t.id === record.id);
      if (!thread || thread.resolved) {
        await this.recordThread(fingerprint, { state: 'fixed', fixedIn: this.head });
        continue;
      }
      // Vigil wrote the thread's first comment (it posted the thread): anyone else who wrote in it is a person.
      const vigil = thread.comments[0]?.authorId;
      const someoneReplied = thread.comments.slice(1).some((comment) => comment.authorId !== vigil && !comment.deleted);
      if (someoneReplied) {
        await this.host.reply(this.target, thread.id, this.notes.leftToPeople(this.head));
        await this.recordThread(fingerprint, { state: 'left-to-people', fixedIn: this.head });
      } else {
        await this.host.resolveThread(this.target, thread.id, { outcome: 'fixed', note: this.notes.fixed(this.head) });
        await this.recordThread(fingerprint, { state: 'fixed', fixedIn: this.head });
        this.resolved++;
      }
    }
  }

  private async summary(report: FindingsReport): Promise<PublishResult['summary']> {
    const mode = this.settings.summary;
    const current = this.feedback.summary;
    if (current?.state === 'deleted-by-person') return 'quiet';
    const overview = await this.overview(report);
    const text = (limit: number) =>
      summaryText({ scan: this.scan, report, settings: this.settings, ...this.reportLink(), ...overview }, limit);
    let id = current?.id;
    if (!id && current?.state === 'posting') id = await this.host.findSummary(this.target, await this.identity());
    if (id && mode === 'new') {
      await this.host.deleteSummary(this.target, id);
      id = undefined;
    }
    if (id) {
      const existing = id;
      const outcome = await this.withinLimit((limit) => this.host.updateSummary(this.target, existing, text(limit)));
      if (outcome === 'updated') {
        if (current?.state !== 'posted' || current.id !== existing)
          await this.change((doc) => ({ ...doc, summary: { id: existing, state: 'posted' } }));
        return 'updated';
      }
      // A person deleted it: `once` stays quiet from now on; the other modes post it again.
      if (mode === 'once') {
        await this.change((doc) => ({ ...doc, summary: { state: 'deleted-by-person' } }));
        return 'quiet';
      }
    }
    await this.change((doc) => ({ ...doc, summary: { state: 'posting' } }), true);
    const posted = await this.withinLimit((limit) => this.host.postSummary(this.target, text(limit)));
    await this.change((doc) => ({ ...doc, summary: { id: posted, state: 'posted' } }));
    return 'posted';
  }

  private async final(report: FindingsReport): Promise<void> {
    if (this.feedback.status?.commitId === this.head && this.feedback.status.final === report.state) return;
    const annotations = this.host.capabilities.annotations ? { annotations: annotationsOf(report) } : {};
    const text = this.host.capabilities.annotations
      ? {
          text: summaryText(
            { scan: this.scan, report, settings: this.settings, ...this.reportLink(), ...(await this.overview(report)) },
            this.host.limits.statusTextLength,
          ),
        }
      : {};
    const handle = await this.host.setStatus(
      this.target,
      { state: report.state, description: report.description, ...text, ...annotations, ...this.targetUrl() },
      this.pendingHandle(),
    );
    await this.change((current) => ({
      ...current,
      status: {
        commitId: this.head,
        pending: current.status?.commitId === this.head ? (current.status.pending ?? handle) : handle,
        final: report.state,
      },
    }));
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────
  private pendingHandle() {
    return this.feedback.status?.commitId === this.head ? this.feedback.status.pending : undefined;
  }

  private async identity(): Promise<HostIdentity> {
    if (this.feedback.identity) return this.feedback.identity;
    const key = `${this.host.source}\u0000${this.organization}`;
    const known = knownIdentities.get(key);
    const identity = known && Date.parse(this.now()) - known.at < identityTtlMs ? known.identity : await this.host.identity();
    if (!known || known.identity !== identity) knownIdentities.set(key, { identity, at: Date.parse(this.now()) });
    await this.change((current) => ({ ...current, identity }));
    return identity;
  }

  private async hostThreads(): Promise<HostThread[]> {
    this.threadsOnHost ??= await this.host.listThreads(this.target);
    return this.threadsOnHost;
  }

  /** Vigil's own thread for a fingerprint, on the platform (after a crash between posting it and recording it). */
  private async findThread(fingerprint: string): Promise<HostThread | undefined> {
    const identity = await this.identity();
    return (await this.hostThreads()).find((t) => t.fingerprint === fingerprint && t.comments[0]?.authorId === identity.id);
  }

  /**
   * Record what a post did. Always written (it is what the platform now has), then the claim is
   * checked: when a newer head took the pull request over, this publish stops before posting more.
   */
  private async recordThread(fingerprint: string, change: Partial<ThreadRecord>): Promise<void> {
    await this.change((current) => {
      const record = current.threads[fingerprint];
      if (!record) return undefined;
      return { ...current, threads: { ...current.threads, [fingerprint]: { ...record, ...change } } };
    });
    this.checkClaim();
  }

  private checkClaim(): void {
    if (this.mode === 'refresh') return;
    const claim = this.feedback.claim;
    if (claim?.commitId !== this.claimant.commitId || claim.scanId !== this.claimant.scanId) {
      throw new PublishSuperseded(
        `pull request ${this.key.number} is now being published for ${claim?.commitId.slice(0, 7) ?? 'another head'}`,
      );
    }
  }

  /** Write the feedback document; `asClaimant` refuses the write (and stops the publish) when the claim is gone. */
  private async change(change: (current: PullRequestFeedback) => PullRequestFeedback | undefined, asClaimant = false): Promise<void> {
    this.feedback = await this.store.update(
      this.organization,
      this.feedbackKey,
      change,
      asClaimant && this.mode === 'publish' ? this.claimant : undefined,
    );
  }

  /** The text at the platform's limit; once more at the limit a refusal names (a server with a smaller one). */
  private async withinLimit<T>(post: (limit: number) => Promise<T>): Promise<T> {
    try {
      return await post(this.host.limits.commentLength);
    } catch (error) {
      if (!(error instanceof CommentTooLongError)) throw error;
      this.logger.warn('the platform refused the summary as too long; cutting it to the limit it named', { limit: error.limit });
      return post(error.limit);
    }
  }

  private reportLink(): { reportUrl?: string } {
    const template = this.settings.reportUrl;
    return template
      ? {
          reportUrl: template
            .replace('{scanId}', encodeURIComponent(this.scan.id))
            .replace('{organization}', encodeURIComponent(this.organization)),
        }
      : {};
  }

  private targetUrl(): { targetUrl?: string } {
    const link = this.reportLink().reportUrl;
    return link ? { targetUrl: link } : {};
  }
}
