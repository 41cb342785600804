/**
 * The code-host port (docs/architecture.md, "Layout"): one adapter per platform (Azure DevOps, GitHub,
 * GitLab) made by one factory, serving what scans read (pull requests, pushes, changed files, contents,
 * diffs) and what publishing writes (statuses, comments, threads). What other folders may use.
 */
export { type AddedLines, canCommentOn, isAdded } from './addedLines';
export type { ChangedFile } from './changedFiles';
export { classifyChange } from './changedFiles';
export { connectGitLab, type GitLabApi, type GitLabConnection } from './gitLabConnection';
export { isHostSource, openPullRequestHost } from './hostFactory';
export { CommentTooLongError } from './markers';
export { channelOf, isChannelName, type PublicationChannel, statusNameOf } from './publicationChannel';
export type {
  CommentRef,
  DescribedPush,
  HostCapabilities,
  HostIdentity,
  HostLimits,
  HostSource,
  HostThread,
  PublishTarget,
  PulledRequest,
  PullRequestFile,
  PullRequestHost,
  PullRequestKey,
  StatusAnnotation,
  StatusHandle,
  StatusState,
} from './pullRequestHost';
export { type CommitAuthor, type ScannedRepository, scannedRepository } from './scannedRepository';
