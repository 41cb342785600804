/** The public surface of organizations/: what other folders may import (docs/architecture.md, "Layout"). */
export { OrganizationDirectory, OrganizationNotFoundError } from './organizationDirectory';
export type { AlertChannel, OrganizationSettings, PullRequestSettings, WorkItemRoute, WorkItemSyncState } from './organizationSettings';
export {
  accountIdPattern,
  defaultPullRequestSettings,
  organizationNamePattern,
  PullRequestSettingsSchema,
  pullRequestSettingsOf,
  referencedSecrets,
  stateCategories,
  summaryModes,
  WorkItemRouteSchema,
} from './organizationSettings';
export {
  type AzureOpenAiSettings,
  AzureOpenAiSettingsSchema,
  defaultAzureOpenAiApiVersion,
  defaultSummaryTimeoutSeconds,
  type SummarySettings,
  SummarySettingsSchema,
} from './summarySettings';
