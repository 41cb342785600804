import type { AppServices } from '../app';
import type { WorkItemsClient } from '../devops';
import { type AzureDevOpsConnection, connectAzureDevOps } from '../devops';
import type { Logger } from '../logging';
import type { OrganizationSettings } from '../organizations';
import { organizationLimiter } from './organizationLimiter';
import { clearFailing, configurationReason, failingReason, markFailing, parkedReason, WorkItemSyncFailingError } from './syncFailures';
import { type EffectiveWorkItemSettings, effectiveWorkItemSettings, settingsDigest } from './workItemSettings';
import { workItemMetadata } from './workItemStates';
import type { WorkItemSyncContext } from './workItemSync';

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type SessionResult<T> = { ran: true; value: T } | { ran: false; why: string };

export interface SessionOptions {
  /** Run even while the sync is marked failing (an operator's command); a configuration failure still marks it. */
  evenIfFailing?: boolean;
  /** Run even when the sync is off (an operator's `link`, `relink`). */
  evenIfOff?: boolean;
  /** Wraps the connection's work items client (tests inject faults with it). */
  wrapClient?: (client: WorkItemsClient) => WorkItemsClient;
}

/**
 * Runs `work` with a sync context for one organization (docs/work-items.md): nothing when the sync
 * is off; parked at once, without calling Azure DevOps, while it is failing with the settings it
 * has; one connection for the run (no probe: the first real call proves the credential), a few
 * runs per organization at a time; and a configuration failure marks the sync failing (one alert)
 * and parks with the one reason every later message gets.
 */
export async function withSyncSession<T>(
  services: AppServices,
  organization: string,
  logger: Logger,
  work: (ctx: WorkItemSyncContext, settings: OrganizationSettings) => Promise<T>,
  options: SessionOptions = {},
): Promise<SessionResult<T>> {
  const directory = services.stores.organizations;
  const settings = await directory.get(organization);
  const effective = effectiveWorkItemSettings(settings);
  if (!effective.enabled && !options.evenIfOff)
    return {
      ran: false,
      why: `work-item sync is off for organization '${settings.organization}' (vigil orgs work-items ${settings.organization} --enable)`,
    };
  const failing = failingReason(settings);
  if (failing && !options.evenIfFailing) throw new WorkItemSyncFailingError(parkedReason(settings.organization, failing));
  // Failing with settings that have changed since: tried again, and no longer shown as failing.
  if (settings.workItemSync && !failing) await clearFailing(directory, settings.organization);

  return organizationLimiter.run(settings.organization, async () => {
    let connection: AzureDevOpsConnection | undefined;
    try {
      connection = await connectAzureDevOps(settings, { vault: services.vault, clock: services.clock, options: { logger, verify: false } });
      const client = options.wrapClient ? options.wrapClient(connection.workItems) : connection.workItems;
      const ctx = syncContext(services, settings, effective, client, connection, logger);
      return { ran: true as const, value: await work(ctx, settings) };
    } catch (error) {
      const reason = configurationReason(error, settings.organization, effective.workItemType);
      if (!reason) throw error;
      const { first } = await markFailing(
        { organizations: directory, queue: services.queue, clock: services.clock },
        settings.organization,
        reason,
      );
      logger.warn(first ? 'work-item sync failing: marked, one alert raised' : 'work-item sync failing (already marked)', {
        organization: settings.organization,
        reason,
      });
      workItemMetadata.forget(organizationKey(settings));
      throw new WorkItemSyncFailingError(parkedReason(settings.organization, reason));
    } finally {
      connection?.close();
    }
  });
}

function syncContext(
  services: AppServices,
  settings: OrganizationSettings,
  effective: EffectiveWorkItemSettings,
  client: WorkItemsClient,
  connection: AzureDevOpsConnection,
  logger: Logger,
): WorkItemSyncContext {
  const key = organizationKey(settings);
  const now = () => services.clock.now();
  return {
    organization: settings.organization,
    settings: effective,
    client,
    links: services.stores.workItemLinks,
    risks: services.stores.risks,
    queue: services.queue,
    clock: services.clock,
    logger,
    identity: () => workItemMetadata.identity(key, () => connection.projects.authenticatedIdentity(), now()),
    typeInfo: (project, type) => workItemMetadata.typeInfo(key, client, project, type, now()),
    projectName: async (project) => {
      // Only routing rules by project read the name; a project given by name needs no look-up.
      if (!guid.test(project) || !effective.routes.some((route) => route.project !== undefined)) return project;
      const names = await workItemMetadata.projectNames(
        key,
        async () => {
          const map = new Map<string, string>();
          for await (const p of connection.projects.listProjects()) if (p.id && p.name) map.set(p.id.toLowerCase(), p.name);
          return map;
        },
        now(),
      );
      return names.get(project.toLowerCase()) ?? project;
    },
    claimLeaseMs: services.config.handlerTimeoutMs,
    requestCount: () => connection.requestCount(),
  };
}

/** Caches are per organization and per way of reaching it: new settings, new metadata. */
function organizationKey(settings: OrganizationSettings): string {
  return `${settings.organization}\u0000${settingsDigest(settings)}`;
}
