/**
 * Pull request feedback (docs/pull-requests.md): the host port every scan of a push or pull request
 * reads through, and the publisher of findings on pull requests. What other folders may use.
 */

export { type AddedLines, canCommentOn, isAdded } from './hosts/addedLines';
export { isHostSource, openPullRequestHost } from './hosts/hostFactory';
export type {
  DescribedPush,
  HostCapabilities,
  HostLimits,
  HostSource,
  PulledRequest,
  PullRequestFile,
  PullRequestHost,
  PullRequestKey,
} from './hosts/pullRequestHost';
