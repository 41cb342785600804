/** The public surface of devops/: what other folders may import (docs/architecture.md, "Layout"). */
import type * as Connection from './azureDevOpsConnection';

/**
 * Connects to one organization's Azure DevOps (azureDevOpsConnection.ts). The client loads on the
 * first call: azure-devops-node-api and @azure/identity would otherwise be paid for by every cold
 * start, and the webhook never uses them (docs/architecture.md, "Start-up").
 */
export async function connectAzureDevOps(
  ...args: Parameters<typeof Connection.connectAzureDevOps>
): Promise<Connection.AzureDevOpsConnection> {
  return (await import('./azureDevOpsConnection.js')).connectAzureDevOps(...args);
}
export type { AzureDevOpsConnection, AzureDevOpsConnectionOptions } from './azureDevOpsConnection';
export type { Build } from './buildsClient';
export { AzureDevOpsAuthError, AzureDevOpsConflictError, AzureDevOpsForbiddenError, WorkItemRequestRefusedError } from './errors';
export type { GitChange, GitClient, GitCommitRef, GitPush, GitRepository } from './gitClient';
export type { HookSubscriptionsClient, ServiceHookSubscription } from './hookSubscriptionsClient';
export type { ProjectsClient, TeamProjectReference } from './projectsClient';
export type {
  PullRequestAddress,
  PullRequestFeedbackClient,
  PullRequestThread,
  StatusStateName,
  ThreadStatusName,
} from './pullRequestFeedbackClient';
export type { ServiceEndpointsClient } from './serviceEndpointsClient';
export type { ResourceDetails, VigilHookEvent } from './vigilHookSubscriptions';
export { resourceDetailsChoices, vigilHookEvents, vigilHookSubscription, vigilSubscriptionConsumer } from './vigilHookSubscriptions';
export type { JsonPatchOperation, WorkItem, WorkItemsClient, WorkItemTypeField, WorkItemTypeState } from './workItemsClient';
