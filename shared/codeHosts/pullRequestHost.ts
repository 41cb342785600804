import type { EventEnvelope } from '../events';
import type { AddedLines } from './addedLines';
import type { ChangedFile } from './changedFiles';
import type { PublicationChannel } from './publicationChannel';
import type { CommitAuthor, ScannedRepository } from './scannedRepository';

/**
 * The one port Vigil has onto a code host (docs/pull-requests.md, "One port per platform"): what
 * the push and pull request scans read (pushed commits, changed files, file contents, which lines
 * a pull request adds) and what the publisher writes (a status, a summary, threads on lines),
 * with capability flags where the platforms differ and each platform's size limits. One adapter
 * per platform (hosts/*PullRequestHost.ts), made by one factory from the event's source and the
 * organization's settings (hostFactory.ts), so each scan and the publisher are written once.
 */
export type HostSource = 'azure-devops' | 'github' | 'gitlab';
export const hostSources: readonly HostSource[] = ['azure-devops', 'github', 'gitlab'];

export interface HostCapabilities {
  /** Threads can be marked resolved through the API (Azure DevOps: status; GitLab: resolve a discussion; GitHub's REST API cannot). */
  resolvableThreads: boolean;
  /** Vigil's marker lives in structured thread properties (Azure DevOps) rather than a hidden HTML comment in the text. */
  threadProperties: boolean;
  /** The status carries per-line annotations (a GitHub check run). Decided when first posted: a personal access token cannot write check runs. */
  annotations: boolean;
  /** A status a branch policy or protection rule can require. */
  requiredStatus: boolean;
}

export interface HostLimits {
  /** Longest comment (summary, thread, reply) the platform accepts, in characters. */
  commentLength: number;
  /** Longest status text (a check run's summary), in characters. */
  statusTextLength: number;
  /** Annotations one request may carry (GitHub check runs: 50). */
  annotationsPerRequest: number;
}

/** A pull request (GitLab: merge request) as Vigil keys it on every platform. */
export interface PullRequestKey {
  source: HostSource;
  /** Azure DevOps: the repository GUID; GitHub: `owner/name`; GitLab: the project id. */
  repositoryId: string;
  /** Azure DevOps: the pull request id; GitHub: its number; GitLab: the merge request's iid. */
  number: number;
  /** Azure DevOps: the project (name or id). */
  project?: string;
}

export interface PulledRequest {
  key: PullRequestKey;
  repository: ScannedRepository;
  /** Open (active) and so worth scanning and commenting on. */
  open: boolean;
  /** The commit the pull request's source branch points at: what is scanned and commented on. */
  headCommit: string;
  /** The merge base the changes are shown against (GitLab's `base_sha`). */
  baseCommit?: string;
  /** GitLab's `start_sha`: the target branch's tip when the diff was made. */
  startCommit?: string;
  sourceBranch?: string;
  /** The branch it would merge into (`refs/heads/main`): what trigger rules' branch patterns match for a pull request. */
  targetBranch?: string;
  /** Azure DevOps: the latest iteration (statuses are posted on it). */
  iterationId?: number;
  /** GitLab: the head pipeline, so the commit status lands on the right pipeline. */
  pipelineId?: number;
  webUrl?: string;
}

/** A file the pull request changes, and which of its lines (at the head) it adds. */
export interface PullRequestFile {
  file: ChangedFile;
  added: AddedLines;
}

/** What a push brought, oldest first, or why there is nothing to scan. */
export type DescribedPush =
  | { kind: 'nothing'; why: string; context: Record<string, unknown> }
  | {
      kind: 'scan';
      repository: ScannedRepository;
      /** The `scans` document's id for this push. */
      recordId: string;
      /** What the record names the repository (`{project}/{name}`, `owner/name`, the GitLab path). */
      repositoryName: string;
      /** The repository id as the record keeps it. */
      repositoryId: string;
      branch?: string;
      /** The commit the record is about: the ref's new head. */
      headCommit: string;
      pushId?: number;
      /** Oldest first; at most `maxCommits`. */
      commits: Array<{ sha: string; author?: CommitAuthor }>;
      /** How many commits the push brought, scanned or not. */
      total: number;
      context: Record<string, unknown>;
    };

export type StatusState = 'pending' | 'succeeded' | 'failed' | 'notApplicable' | 'error';

export interface StatusAnnotation {
  path: string;
  line: number;
  level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

export interface StatusReport {
  state: StatusState;
  /** One line (platforms cut statuses short: Azure DevOps and GitLab show about 140 characters). */
  description: string;
  /** The longer text where the platform has room (a check run's summary). */
  text?: string;
  annotations?: StatusAnnotation[];
  targetUrl?: string;
}

/** What a status post leaves behind for the next post on the same commit (a check run's id). */
export interface StatusHandle {
  via: 'iteration-status' | 'check-run' | 'commit-status';
  checkRunId?: number;
}

/** Vigil's own identity on the platform: its threads and summaries are those whose author it is. */
export interface HostIdentity {
  id: string;
  name: string;
}

export interface HostComment {
  id: string;
  authorId: string;
  authorName: string;
  body: string;
  deleted?: boolean;
}

/** A thread as Vigil reads it back: its marker says which finding it is about. */
export interface HostThread {
  id: string;
  /** The fingerprint its marker names (Vigil's finding threads only). */
  fingerprint?: string;
  kind?: 'summary' | 'finding';
  resolved: boolean;
  /** The first comment first. */
  comments: HostComment[];
}

export interface NewThread {
  path: string;
  line: number;
  column?: number;
  body: string;
  fingerprint: string;
  ruleId: string;
}

export type SummaryUpdate = 'updated' | 'gone';

export interface PullRequestHost {
  readonly source: HostSource;
  readonly capabilities: HostCapabilities;
  readonly limits: HostLimits;

  // ── what scans read ─────────────────────────────────────────────────────────────────────────
  /** The push an event names: its repository and commits (oldest first, at most `maxCommits`). */
  describePush(envelope: EventEnvelope, maxCommits: number): Promise<DescribedPush>;
  /** The files one commit added, changed, renamed or deleted. */
  commitChanges(repository: ScannedRepository, commitId: string): AsyncIterable<ChangedFile>;
  /** One file's bytes at a commit, streamed. */
  fileContent(repository: ScannedRepository, path: string, commitId: string): Promise<AsyncIterable<Uint8Array>>;
  /** The pull request an event names (re-fetched; the event is trusted for its ids only). */
  pullRequestOf(envelope: EventEnvelope): Promise<PullRequestKey>;
  pullRequest(key: PullRequestKey): Promise<PulledRequest>;
  /** Every file the pull request changes against its merge base, with the lines it adds. */
  pullRequestFiles(pullRequest: PulledRequest): Promise<PullRequestFile[]>;

  // ── what the publisher writes ───────────────────────────────────────────────────────────────
  identity(): Promise<HostIdentity>;
  /** Post the status of the head commit (pending first, then final); `previous` is what the pending post left. */
  setStatus(target: PublishTarget, report: StatusReport, previous?: StatusHandle): Promise<StatusHandle>;
  postSummary(target: PublishTarget, body: string): Promise<string>;
  /** Edit the summary in place; `gone` when a person deleted it. */
  updateSummary(target: PublishTarget, id: string, body: string): Promise<SummaryUpdate>;
  deleteSummary(target: PublishTarget, id: string): Promise<void>;
  /** Vigil's summary, found by its marker and Vigil's identity (after a crash between posting and recording it). */
  findSummary(target: PublishTarget, identity: HostIdentity): Promise<string | undefined>;
  postThread(target: PublishTarget, thread: NewThread): Promise<string>;
  /** Every thread on the pull request (Vigil's and people's), with their comments. */
  listThreads(target: PublishTarget): Promise<HostThread[]>;
  reply(target: PublishTarget, threadId: string, body: string): Promise<void>;
  /** Mark a thread done; `how` says why (platforms without thread status get `note` as a reply; a triage's note is posted everywhere). */
  resolveThread(target: PublishTarget, threadId: string, how: ThreadResolution): Promise<void>;
  /** Open a thread Vigil had resolved again, with a note (the finding came back). */
  reopenThread(target: PublishTarget, threadId: string, note: string): Promise<void>;
  /** A thread again, with its comments (for triage: the thread's marker and who wrote its first comment). */
  thread(target: PublishTarget, threadId: string): Promise<HostThread | undefined>;
  /** A comment a person wrote (for triage), read again, and the thread it is a reply in, if any. */
  comment(target: PublishTarget, ref: CommentRef): Promise<{ comment: HostComment; threadId?: string } | undefined>;
  close(): void;
}

/** A comment as a comment event names it: Azure DevOps thread and comment; GitHub review or conversation comment; GitLab discussion and note. */
export interface CommentRef {
  commentId: string;
  threadId?: string;
  kind?: 'review' | 'conversation';
}

/** How a thread ends: `fixed` (the finding is gone), `accepted` or `false-positive` (a person triaged it). */
export interface ThreadResolution {
  outcome: 'fixed' | 'accepted' | 'false-positive';
  note: string;
}

/** What the publisher posts to: the pull request, at the head commit it publishes for. */
export interface PublishTarget {
  key: PullRequestKey;
  headCommit: string;
  baseCommit?: string;
  startCommit?: string;
  iterationId?: number;
  pipelineId?: number;
  /** Who speaks (publicationChannel.ts): absent, Vigil's own secret scan; else a tool's SARIF results, with their own status and summary. */
  channel?: PublicationChannel;
}
