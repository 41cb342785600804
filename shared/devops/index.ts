/** The public surface of devops/: what other folders may import (docs/architecture.md, "Layout"). */
export { connectAzureDevOps } from './azureDevOpsConnection';
export type { AzureDevOpsConnection, AzureDevOpsConnectionOptions } from './azureDevOpsConnection';
export type { Build } from './buildsClient';
export type { GitChange, GitClient, GitCommitRef, GitPush, GitRepository } from './gitClient';
export type { HookSubscriptionsClient, ServiceHookSubscription } from './hookSubscriptionsClient';
export type { ProjectsClient, TeamProjectReference } from './projectsClient';
export type { ServiceEndpointsClient } from './serviceEndpointsClient';
export { AzureDevOpsAuthError, AzureDevOpsConflictError, WorkItemRequestRefusedError } from './errors';
export type { JsonPatchOperation, WorkItem, WorkItemTypeField, WorkItemTypeState, WorkItemsClient } from './workItemsClient';
