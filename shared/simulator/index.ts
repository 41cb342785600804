/**
 * The Azure DevOps simulator (README.md in this folder): the loopback Azure DevOps the tests use,
 * promoted to a tool for `npm run demo`. Nothing in the function app imports it; the demo loads it.
 */
export type {
  AzureDevOpsServer,
  AzureDevOpsServerOptions,
  LoopbackBuild,
  LoopbackExtension,
  LoopbackLog,
  LoopbackProject,
} from './azureDevOps/azureDevOpsServer';
export { projectIdFor, startAzureDevOpsServer } from './azureDevOps/azureDevOpsServer';
export type { LoopbackIdentity } from './azureDevOps/identities';
export { connectionDataRoutes, person } from './azureDevOps/identities';
export type { PullRequestFeedbackSnapshot } from './azureDevOps/pullRequestFeedbackRoutes';
export { PullRequestFeedbackRoutes } from './azureDevOps/pullRequestFeedbackRoutes';
export type { FixtureCommit, FixturePullRequest, FixturePush, FixtureRepository } from './azureDevOps/repositoryContentRoutes';
export { RepositoryContentRoutes } from './azureDevOps/repositoryContentRoutes';
export type { LoopbackServiceConnection } from './azureDevOps/serviceConnectionRoutes';
export { genericEndpoint, ServiceConnectionRoutes } from './azureDevOps/serviceConnectionRoutes';
export type { EmittedHook } from './azureDevOps/serviceHookEmitter';
export { ServiceHookEmitter } from './azureDevOps/serviceHookEmitter';
export type { WorkItemSnapshot } from './azureDevOps/workItemRoutes';
export { WorkItemRoutes } from './azureDevOps/workItemRoutes';
export { WorkItemServiceHooks } from './azureDevOps/workItemServiceHooks';
export type { InjectedFault, RecordedCall } from './loopbackRequests';
export { loopbackServer, readRequestBody, recordCall, takeFault } from './loopbackRequests';
export { pipelineTimestamp, SecretFactory } from './syntheticSecrets';
