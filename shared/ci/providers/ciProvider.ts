import type { Clock } from '../../clock';
import type { VigilConfig } from '../../config';
import type { Logger } from '../../logging';
import type { OrganizationSettings } from '../../organizations';
import type { Vault } from '../../vault';

/**
 * A CI system Vigil can read finished runs and their logs from (docs/ci-providers.md). One
 * provider object serves one organization: it is made from that organization's settings, reads
 * its tokens from the vault by the names the settings give, and is closed after use.
 */
export interface CiProvider {
  /** The registry name: `azure-pipelines`, `github-actions`, or an extra module's own. */
  readonly name: string;
  /** Runs newest first, page by page, at most `filter.top` of them. */
  listRuns(filter: CiRunFilter): AsyncIterable<CiRun>;
  /** One run, re-fetched by its id: what a webhook said about it is never trusted beyond the ids. */
  getRun(ref: CiRunRef): Promise<CiRun>;
  /** The run's logs, one by one; nothing is downloaded until a log is opened. `logId` narrows it to one log. */
  streamLogs(run: CiRun, options?: { logId?: string }): AsyncIterable<CiLog>;
  /** Let go of connections (kept-alive sockets); the provider is not used afterwards. */
  close?(): void | Promise<void>;
}

/** Where a run lives and its id there: an Azure DevOps project, a GitHub repository `owner/name`, or a GitLab project path. */
export interface CiRunRef {
  id: string;
  project?: string;
  repository?: string;
}

export interface CiRunFilter {
  /** Azure DevOps: the project to list. */
  project?: string;
  /** GitHub: the repository `owner/name` to list. */
  repository?: string;
  /** Only finished runs (the ones with complete logs). */
  status?: 'completed';
  /** At most this many runs in all. */
  top?: number;
}

export type CiRunStatus = 'queued' | 'running' | 'completed';

/** A run as scanning needs it; the provider fills every field from its own API. */
export interface CiRun extends CiRunRef {
  /** The provider that read it. */
  provider: string;
  /** The number people see: an Azure DevOps build number (`20250101.3`), a GitHub run number (`36`). */
  number: string;
  /** How evidence and messages name the run: `build 20250101.3`, `run #36`. */
  label: string;
  /** The pipeline definition or workflow, with the provider's own id. */
  pipeline: { id: string; name: string };
  /** The risk asset findings are filed under: stable for the pipeline across runs (`pipeline:{project}:{definitionId}`). */
  asset: { id: string; name: string };
  /** Unique for the run within the organization, stable across re-reads (`build:42`): sighting ids and scan records build on it. */
  key: string;
  /** Where a person sees the run. */
  webUrl?: string;
  status: CiRunStatus;
  /** The provider's own outcome word, lower case: `succeeded`, `failure`, `cancelled`... */
  result?: string;
  /** The ref the run built (`refs/heads/main`, or a branch name), for trigger rules; absent when the provider does not say. */
  branch?: string;
  /** When the run started and finished (ISO 8601), when the provider says: the pipelines view's durations. */
  startedAt?: string;
  finishedAt?: string;
}

/** One log of a run (an Azure Pipelines log, a GitHub Actions job), opened lazily and streamed. */
export interface CiLog {
  /** Unique within the run: sighting ids use it. */
  id: string;
  /**
   * How evidence names it: `log 2`, `job 1291536064 (lint)`. It becomes part of the path the engine
   * sees, so it must not end in a file extension (path rules would read the log as that file).
   */
  name: string;
  /** Where a person reads this log (or, failing that, the run). */
  url?: string;
  /** The log's bytes as they arrive; never buffered whole. Called at most once. */
  open(): Promise<LogContent>;
}

/**
 * A log's content, read once, front to back; a Node `Readable` is one. A chunk may be lent: valid
 * until the next one is asked for (the Azure Pipelines provider's download thread reuses its
 * blocks), so a reader copies what it keeps.
 */
export interface LogContent extends AsyncIterable<Uint8Array | string> {
  readonly readableEnded: boolean;
  destroy(error?: Error): void;
}

/** What a provider is made from: one organization's settings, and the process's vault, clock, logger and configuration. */
export interface CiProviderConfig {
  organization: OrganizationSettings;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  config: VigilConfig;
}

/**
 * What a provider module exports as `createCiProvider`. It must be cheap and do no I/O: Vigil
 * calls it once at start-up (with a check-only organization) to learn the name and check the
 * shape, then once for each organization and scan.
 */
export type CreateCiProvider = (config: CiProviderConfig) => CiProvider;
