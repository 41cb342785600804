import { createHash } from 'node:crypto';
import type { Clock } from '../../clock';
import type { HostIdentity, HostSource, PullRequestKey, StatusHandle, StatusState } from '../../codeHosts';
import type { Container, Stored } from '../../store';
import { isConflict, isPreconditionFailed, queryAll } from '../../store';

/**
 * What Vigil has posted on one pull request (the `pullRequestFeedback` container, one document per
 * pull request): the head it last published and in which order, the publish in progress (the
 * claim), the status posts on that head, the summary's id, and one thread per finding by its
 * fingerprint with what became of it. The publisher claims before it posts and records after, so
 * a crash in between is resumed (what is `posting` is looked for on the platform by its marker
 * before it is posted again) and a redelivery posts nothing new.
 */
export interface ScanOrder {
  /** Azure DevOps: the pull request iteration the scan saw. */
  iteration?: number;
  /** When the scan read the pull request's head (ms since the epoch). */
  at: number;
}

export type ThreadState =
  /** Claimed: about to be posted (a crash here is resumed by finding it on the platform). */
  | 'posting'
  | 'open'
  /** A later head no longer has the finding: resolved (or, on GitHub, answered). */
  | 'fixed'
  /** The finding went away but a person had replied: Vigil said so and left the thread to them. */
  | 'left-to-people'
  /** A person triaged it from the thread (`/vigil accept` or `/vigil false-positive`). */
  | 'triaged';

export interface Triage {
  status: 'accepted' | 'false-positive';
  reason: string;
  by: HostIdentity;
  at: string;
  /** The comment that asked for it, so a redelivered comment event triages once. */
  commentId: string;
}

export interface ThreadRecord {
  id?: string;
  state: ThreadState;
  ruleId: string;
  riskId: string;
  path: string;
  line: number;
  /** The head commit it was posted for. */
  commitId: string;
  fixedIn?: string;
  triage?: Triage;
}

export interface PullRequestFeedback {
  id: string;
  organization: string;
  source: HostSource;
  repositoryId: string;
  number: number;
  project?: string;
  /** A tool's channel (`trivy`); absent: Vigil's own secret scan (codeHosts/publicationChannel.ts). */
  channel?: string;
  identity?: HostIdentity;
  claim?: { commitId: string; scanId: string; order: ScanOrder; at: string };
  published?: { commitId: string; scanId: string; order: ScanOrder; state: StatusState; at: string };
  /** The status posts on the head being published (pending, and what a check run left behind). */
  status?: { commitId: string; pending?: StatusHandle; final?: StatusState };
  summary?: { id?: string; state: 'posting' | 'posted' | 'deleted-by-person' };
  threads: Record<string, ThreadRecord>;
  updatedAt: string;
}

/** Which of two scans saw the newer head: a positive number when `a` did. */
export function compareOrder(a: ScanOrder, b: ScanOrder): number {
  if (a.iteration !== undefined && b.iteration !== undefined && a.iteration !== b.iteration) return a.iteration - b.iteration;
  return a.at - b.at;
}

/**
 * A pull request's feedback document, per channel: Vigil's own secret scan keeps the id it always
 * had; a tool's channel (`trivy`) has its own document beside it, so neither overwrites the other.
 */
export type FeedbackKey = PullRequestKey & { channel?: string };

/** Deterministic and Cosmos-safe (no '/'): a digest of the platform, repository and number (and the channel, for a tool's). */
export function feedbackId(key: Pick<FeedbackKey, 'source' | 'repositoryId' | 'number' | 'channel'>): string {
  const digest = createHash('sha256')
    .update([key.source, key.repositoryId.toLowerCase(), key.number, ...(key.channel ? [key.channel] : [])].join('\u0000'))
    .digest('base64url')
    .slice(0, 32);
  return `pr:${key.source}:${key.number}:${key.channel ? `${key.channel}:` : ''}${digest}`;
}

export type ClaimOutcome =
  | { outcome: 'go'; feedback: PullRequestFeedback }
  | { outcome: 'already-published' | 'superseded'; feedback: PullRequestFeedback; why: string };

/** The publish was overtaken by a newer head's: the caller stops posting. */
export class PublishSuperseded extends Error {}

export class PullRequestFeedbackStore {
  constructor(
    private readonly documents: Container<PullRequestFeedback>,
    private readonly clock: Clock,
    /** How long a claim holds before another publisher may take over (the queue handler's timeout). */
    private readonly claimTtlMs: number,
  ) {}

  async get(organization: string, key: FeedbackKey): Promise<PullRequestFeedback | undefined> {
    const stored = await this.documents.read(feedbackId(key), organization);
    return stored ? withoutSystemProperties(stored) : undefined;
  }

  /**
   * Claim the pull request for publishing one head. Already published for that head: nothing to do
   * (a redelivery). A newer head published or being published: superseded (an older scan arrived
   * late). Otherwise the claim is taken (over an older claim, or one whose holder died).
   */
  async claim(organization: string, key: FeedbackKey, head: { commitId: string; scanId: string; order: ScanOrder }): Promise<ClaimOutcome> {
    const now = this.clock.now();
    let decision: ClaimOutcome | undefined;
    const feedback = await this.update(organization, key, (current) => {
      decision = undefined;
      // The same head and scan: a redelivery. (A channel's scans are per upload: a new upload for the same commit is published.)
      if (current.published?.commitId === head.commitId && current.published.scanId === head.scanId) {
        decision = { outcome: 'already-published', feedback: current, why: `already published for ${head.commitId.slice(0, 7)}` };
        return undefined;
      }
      if (current.published && compareOrder(current.published.order, head.order) > 0) {
        decision = {
          outcome: 'superseded',
          feedback: current,
          why: `a newer head (${current.published.commitId.slice(0, 7)}) is already published`,
        };
        return undefined;
      }
      const claim = current.claim;
      if (
        claim &&
        claim.commitId !== head.commitId &&
        compareOrder(claim.order, head.order) > 0 &&
        Date.parse(claim.at) + this.claimTtlMs > now
      ) {
        decision = { outcome: 'superseded', feedback: current, why: `a newer head (${claim.commitId.slice(0, 7)}) is being published` };
        return undefined;
      }
      return { ...current, claim: { ...head, at: new Date(now).toISOString() } };
    });
    return decision ?? { outcome: 'go', feedback };
  }

  /**
   * Read-modify-write with the etag, again on a lost race. `change` returns the new document, or
   * undefined to leave it as it is. `asClaimant` makes the write fail with PublishSuperseded when
   * another publisher has taken the claim since.
   */
  async update(
    organization: string,
    key: FeedbackKey,
    change: (current: PullRequestFeedback) => PullRequestFeedback | undefined,
    asClaimant?: { commitId: string; scanId: string },
  ): Promise<PullRequestFeedback> {
    const id = feedbackId(key);
    for (;;) {
      const stored = await this.documents.read(id, organization);
      const current: PullRequestFeedback = stored
        ? withoutSystemProperties(stored)
        : {
            id,
            organization,
            source: key.source,
            repositoryId: key.repositoryId,
            number: key.number,
            ...(key.project ? { project: key.project } : {}),
            ...(key.channel ? { channel: key.channel } : {}),
            threads: {},
            updatedAt: '',
          };
      if (asClaimant && (current.claim?.commitId !== asClaimant.commitId || current.claim?.scanId !== asClaimant.scanId)) {
        throw new PublishSuperseded(
          `pull request ${key.number} is now being published for ${current.claim?.commitId.slice(0, 7) ?? 'another head'}`,
        );
      }
      const next = change(current);
      if (!next) return current;
      const document = { ...next, updatedAt: new Date(this.clock.now()).toISOString() };
      try {
        if (stored) return withoutSystemProperties(await this.documents.replace(document, { ifMatch: stored._etag }));
        return withoutSystemProperties(await this.documents.create(document));
      } catch (error) {
        if (isPreconditionFailed(error) || isConflict(error)) continue;
        throw error;
      }
    }
  }

  /**
   * Every channel's document of one pull request: Vigil's secret scan and each tool's (a `/vigil`
   * reply is looked for in all of them). The repository is compared as the documents' ids compare it, ignoring case.
   */
  async channelsOf(organization: string, key: PullRequestKey): Promise<PullRequestFeedback[]> {
    const repositoryId = key.repositoryId.toLowerCase();
    const documents = await queryAll(this.documents, { where: { organization, source: key.source, number: key.number } });
    return documents
      .filter((document) => document.repositoryId.toLowerCase() === repositoryId)
      .map(withoutSystemProperties)
      .sort((a, b) => (a.channel ?? '').localeCompare(b.channel ?? ''));
  }

  /** The pull requests of an organization Vigil has feedback on (for tests and `vigil` commands). */
  async list(organization: string): Promise<PullRequestFeedback[]> {
    return (await queryAll(this.documents, { where: { organization } })).map(withoutSystemProperties);
  }
}

function withoutSystemProperties(document: Stored<PullRequestFeedback>): PullRequestFeedback {
  const { _etag, _ts, ...rest } = document;
  return rest;
}
