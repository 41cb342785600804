/** The public surface of organizations/: what other folders may import (docs/architecture.md, "Layout"). */
export { OrganizationDirectory, OrganizationNotFoundError } from './organizationDirectory';
export { accountIdPattern, organizationNamePattern, referencedSecrets, stateCategories } from './organizationSettings';
export type { AlertChannel, OrganizationSettings } from './organizationSettings';
export { WorkItemRouteSchema } from './organizationSettings';
export type { WorkItemRoute, WorkItemSyncState } from './organizationSettings';
export { defaultPullRequestSettings, PullRequestSettingsSchema, pullRequestSettingsOf, summaryModes } from './organizationSettings';
export type { PullRequestSettings } from './organizationSettings';
