import { z } from 'zod';
import { TriggerRulesSchema } from '../triggers';
import { isValidSecretName } from '../vault';
import { SummarySettingsSchema } from './summarySettings';

/**
 * One organization's integration settings (the `organizations` container, partitioned by
 * `/organization`). Everything that grants access is a *name* of a vault secret, never a value,
 * so this document can be read, logged and exported safely.
 */
const secretName = z.string().refine(isValidSecretName, { message: "a vault secret name: 1-127 letters, digits and '-'" });
/** https, or plain http to this machine only (a local stand-in or proxy). */
const httpsUrl = z
  .url({ protocol: /^https?$/, error: 'an https URL' })
  .refine((value) => value.startsWith('https:') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/.test(value), {
    message: 'an https URL',
  });

export const organizationNamePattern = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** An Azure DevOps account (organization) id: a GUID, kept in lower case so either spelling finds it. */
export const accountIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const accountIdSchema = z.string().regex(accountIdPattern, { message: 'a GUID in lower case, e.g. 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d' });

export const AzureDevOpsAuthSchema = z.discriminatedUnion('mode', [
  /** An Entra token for Azure DevOps from the app's managed identity (the identity must be added to the organization). */
  z.object({ mode: z.literal('managed-identity') }),
  /** A personal access token kept in the vault under `tokenSecret`. */
  z.object({ mode: z.literal('pat'), tokenSecret: secretName }),
]);

export const AlertChannelSchema = z.object({
  type: z.enum(['teams', 'slack', 'webhook']),
  /** The vault secret holding the destination URL (a Teams Workflows or Slack webhook URL is itself a credential). */
  urlSecret: secretName,
  /** For `webhook`: the vault secret whose value signs each delivery (HMAC-SHA256). */
  signingSecret: secretName.optional(),
});

/** Azure DevOps state categories (docs/architecture.md, "Choices and why"): what a risk's status maps to, whatever the process template calls its states. */
export const stateCategories = ['Proposed', 'InProgress', 'Resolved', 'Completed', 'Removed'] as const;

const severities = ['critical', 'high', 'medium', 'low'] as const;
/** An area or iteration path: `Project\\Team\\Area`. */
const nodePath = z.string().min(1).max(4000);

/**
 * Where a risk's work item goes when its project or repository matches (`*` any run of characters,
 * `?` one; case-insensitive): the first rule that matches sets the area and iteration paths
 * (docs/work-items.md, "Settings").
 */
export const WorkItemRouteSchema = z
  .object({
    project: z.string().min(1).max(256).optional(),
    repository: z.string().min(1).max(256).optional(),
    areaPath: nodePath.optional(),
    iterationPath: nodePath.optional(),
  })
  .refine((route) => route.project !== undefined || route.repository !== undefined, {
    message: 'a route matches a project or a repository pattern',
  })
  .refine((route) => route.areaPath !== undefined || route.iterationPath !== undefined, {
    message: 'a route sets an area path or an iteration path',
  });

/**
 * How risks become Azure Boards work items (docs/work-items.md). Everything but the type and the
 * state overrides is optional, and the sync reads absent fields as their defaults
 * (shared/workitems/workItemSettings.ts), so organizations added before the sync existed keep
 * their documents: off, one work item per risk, in the risk's own project, every severity.
 */
export const WorkItemSettingsSchema = z.object({
  /** Whether risks become work items at all (default false). */
  enabled: z.boolean().optional(),
  /** One project to file every work item in (default: the risk's own project). */
  project: z.string().min(1).max(256).optional(),
  workItemType: z.string().min(1).max(128).default('Issue'),
  areaPath: nodePath.optional(),
  iterationPath: nodePath.optional(),
  routes: z.array(WorkItemRouteSchema).max(100).optional(),
  /** Risks below this severity get no work item (default low: every risk). */
  minimumSeverity: z.enum(severities).optional(),
  /** One work item per risk (default), or one per repository and rule. */
  grouping: z.enum(['risk', 'repository-rule']).optional(),
  /** Overrides of which state to set for a category, e.g. `{ "Completed": "Done" }`. */
  stateMapping: z.partialRecord(z.enum(stateCategories), z.string().min(1).max(128)).default({}),
  /** `System.Reason` values that make a work item moved to Removed a false positive (default ["False Positive"]); any other reason accepts the risk. */
  falsePositiveReasons: z.array(z.string().min(1).max(128)).max(50).optional(),
  /** How long a risk accepted in a work item stays accepted, in days (default 90). */
  acceptDays: z.number().int().min(1).max(3650).optional(),
});

/**
 * The state of an organization's work-item sync, written by the sync, not by an operator: absent
 * while it works; `failing` after a configuration failure (a missing required field, an unknown
 * type, area path or project, no permission), with the one reason every later message is parked
 * with until the settings change (`settingsDigest`) or an operator retries (`vigil workitems retry`).
 */
export const WorkItemSyncStateSchema = z.object({
  status: z.literal('failing'),
  reason: z.string().max(4000),
  since: z.string(),
  /** A digest of the settings the failure happened with: changed settings are tried again. */
  settingsDigest: z.string(),
});

/** How Vigil reports on pull requests (docs/pull-requests.md, "Settings"). */
export const summaryModes = ['update', 'new', 'once'] as const;
export const PullRequestSettingsSchema = z.object({
  /** `update`: one summary, edited in place; `new`: the old one deleted and a new one posted each run; `once`: posted once, never again after a person deletes it. */
  summary: z.enum(summaryModes).default('update'),
  /** Which findings fail the status: by default any finding the pull request introduces at medium confidence or more. */
  failOn: z
    .object({
      scope: z.enum(['introduced', 'all']).default('introduced'),
      minConfidence: z.enum(['low', 'medium', 'high']).default('medium'),
      minSeverity: z.enum(['low', 'medium', 'high', 'critical']).default('low'),
    })
    .default({ scope: 'introduced', minConfidence: 'medium', minSeverity: 'low' }),
  /** Threads on lines per pull request per run; the rest are listed in the summary. */
  threadBudget: z.number().int().min(0).max(100).default(30),
  /** Where "the full report" points: a URL with `{scanId}` (and `{organization}`) in it, when you serve scan records somewhere. */
  reportUrl: httpsUrl.optional(),
});

export const defaultPullRequestSettings = PullRequestSettingsSchema.parse({});

/**
 * Verification of found credentials (docs/scanning.md, "Verification"): off unless enabled. When
 * on, each credential a build-log scan finds is checked with one read-only call to its own service
 * and its risk records whether it is live.
 */
export const VerificationSettingsSchema = z.object({ enabled: z.boolean().default(false) });

export const OrganizationSettingsSchema = z.object({
  id: z.string().regex(organizationNamePattern),
  organization: z.string().regex(organizationNamePattern),
  azureDevOps: z
    .object({
      url: httpsUrl,
      auth: AzureDevOpsAuthSchema,
      /** The organization's account id: service hook payloads without URLs name the organization only by it. */
      accountId: accountIdSchema.optional(),
    })
    .optional(),
  github: z.object({ tokenSecret: secretName }).optional(),
  gitlab: z.object({ url: httpsUrl, tokenSecret: secretName }).optional(),
  alertChannels: z.array(AlertChannelSchema).default([]),
  workItems: WorkItemSettingsSchema.default({ workItemType: 'Issue', stateMapping: {} }),
  workItemSync: WorkItemSyncStateSchema.optional(),
  /** Absent: the defaults (`pullRequestSettingsOf`). */
  pullRequests: PullRequestSettingsSchema.optional(),
  /** Which events run which work, checked in order by the handlers (docs/trigger-rules.md); absent: everything runs. */
  triggerRules: TriggerRulesSchema.optional(),
  /** Who writes the summaries on pull requests and alert digests (docs/pull-requests.md, "Written summaries"); absent: the template. */
  summaries: SummarySettingsSchema.optional(),
  /** Absent: off. */
  verification: VerificationSettingsSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type OrganizationSettings = z.infer<typeof OrganizationSettingsSchema>;
export type AlertChannel = z.infer<typeof AlertChannelSchema>;
export type WorkItemSettings = z.infer<typeof WorkItemSettingsSchema>;
export type WorkItemRoute = z.infer<typeof WorkItemRouteSchema>;
export type WorkItemSyncState = z.infer<typeof WorkItemSyncStateSchema>;
export type PullRequestSettings = z.infer<typeof PullRequestSettingsSchema>;

/** An organization's pull request settings, the defaults filled in. */
export function pullRequestSettingsOf(settings: Pick<OrganizationSettings, 'pullRequests'>): PullRequestSettings {
  return settings.pullRequests ?? defaultPullRequestSettings;
}

/** Every vault secret an organization's settings refer to, for checking they exist. */
export function referencedSecrets(settings: OrganizationSettings): string[] {
  const names = [
    settings.azureDevOps?.auth.mode === 'pat' ? settings.azureDevOps.auth.tokenSecret : undefined,
    settings.github?.tokenSecret,
    settings.gitlab?.tokenSecret,
    ...settings.alertChannels.flatMap((channel) => [channel.urlSecret, channel.signingSecret]),
    settings.summaries?.azureOpenAi?.auth.mode === 'key' ? settings.summaries.azureOpenAi.auth.keySecret : undefined,
  ];
  return [...new Set(names.filter((name): name is string => name !== undefined))];
}
