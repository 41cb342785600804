import { queuesFor } from '../app';
import type { Clock } from '../clock';
import { AzureDevOpsAuthError, WorkItemRequestRefusedError } from '../devops';
import { ConfigurationError, failureKindOf } from '../errors';
import type { EventEnvelope } from '../events';
import type { OrganizationDirectory, OrganizationSettings, WorkItemSyncState } from '../organizations';
import type { QueueSender } from '../queue';
import { settingsDigest } from './workItemSettings';

/**
 * Configuration failures that do not flood (docs/work-items.md, "When the settings are wrong"): a
 * missing required field, an unknown type, area path or project, a 403 or a rejected credential
 * parks the first message with one reason naming the setting, marks the organization's sync
 * failing (in its settings document, so `vigil status` and `vigil orgs show` say so), and raises
 * one alert (`workitems.sync-failing` on the alerts queue). Every later message is parked with the
 * same reason without calling Azure DevOps, until the settings change or an operator runs
 * `vigil workitems retry`.
 */
export class WorkItemSyncFailingError extends ConfigurationError {}

/** The reason a sync failed because of its configuration, naming the setting; undefined for any other failure. */
export function configurationReason(error: unknown, organization: string, type: string): string | undefined {
  const fix = (what: string) => `${what}; then run vigil workitems retry --org ${organization}`;
  if (error instanceof WorkItemRequestRefusedError) {
    const refused = `Azure DevOps refused ${error.resource} (${error.code ? '' : `HTTP ${error.statusCode}: `}${error.serverMessage})`;
    if (error.statusCode === 403) {
      return fix(
        `${refused}: give Vigil's identity "View work items in this node" and "Edit work items in this node" on the area path (a PAT needs the Work Items read & write scope)`,
      );
    }
    switch (error.code) {
      case 'VS402323':
        return fix(
          `${refused}: work item type '${type}' does not exist there; choose one that does with vigil orgs work-items ${organization} --type TYPE`,
        );
      case 'TF200016':
        return fix(`${refused}: no such project; choose one with vigil orgs work-items ${organization} --project NAME`);
      case 'TF401347':
        return fix(
          `${refused}: the area or iteration path is not the project's; fix --area-path, --iteration-path or --route with vigil orgs work-items ${organization}`,
        );
      case 'TF401320':
        return fix(
          `${refused}: a field of type '${type}' is required or limited to other values; give it a default in the process, choose another type (--type) or fix the state mapping (--state)`,
        );
      case 'TF51535':
      case 'TF401326':
        return fix(
          `${refused}: type '${type}' does not take a field Vigil sets; choose another type with vigil orgs work-items ${organization} --type TYPE`,
        );
      default:
        return undefined;
    }
  }
  if (error instanceof WorkItemSyncFailingError) return undefined;
  if (error instanceof AzureDevOpsAuthError) return fix(error.message);
  if (failureKindOf(error) === 'configuration' && error instanceof Error) return fix(error.message);
  return undefined;
}

/** Why the organization's sync is failing, when it is failing with the settings it has now. */
export function failingReason(settings: OrganizationSettings): string | undefined {
  const state = settings.workItemSync;
  return state && state.settingsDigest === settingsDigest(settings) ? state.reason : undefined;
}

export function parkedReason(organization: string, reason: string): string {
  return `work-item sync of organization '${organization}' is failing: ${reason}`;
}

/**
 * Marks the sync failing; true when this call did (the first failure with these settings), false
 * when it was failing already. Only the first raises the alert.
 */
export async function markFailing(
  deps: { organizations: OrganizationDirectory; queue: Pick<QueueSender, 'send'>; clock: Clock },
  organization: string,
  reason: string,
): Promise<{ first: boolean; state: WorkItemSyncState }> {
  let first = false;
  const since = new Date(deps.clock.now()).toISOString();
  const updated = await deps.organizations.update(
    organization,
    (current) => {
      const digest = settingsDigest(current);
      if (current.workItemSync?.settingsDigest === digest) {
        first = false;
        return undefined;
      }
      first = true;
      return { ...current, workItemSync: { status: 'failing', reason: reason.slice(0, 4000), since, settingsDigest: digest } };
    },
    { touch: false },
  );
  const state: WorkItemSyncState = updated.workItemSync ?? { status: 'failing', reason, since, settingsDigest: settingsDigest(updated) };
  if (first) await announceFailing(deps, organization, state);
  return { first, state };
}

/** Clears the mark (an operator retries, or the settings changed). True when there was one. */
export async function clearFailing(organizations: OrganizationDirectory, organization: string): Promise<boolean> {
  let cleared = false;
  await organizations.update(
    organization,
    (current) => {
      if (!current.workItemSync) return undefined;
      cleared = true;
      const { workItemSync: _gone, ...rest } = current;
      return rest as OrganizationSettings;
    },
    { touch: false },
  );
  return cleared;
}

/** One `workitems.sync-failing` per failure (its time is in the id, so a repeat is dropped by the queue). */
async function announceFailing(
  deps: { queue: Pick<QueueSender, 'send'>; clock: Clock },
  organization: string,
  state: WorkItemSyncState,
): Promise<void> {
  const envelope: EventEnvelope = {
    id: `workitems.sync-failing:${organization}:${state.since}`,
    source: 'vigil',
    type: 'workitems.sync-failing',
    organization,
    subject: { since: state.since },
    receivedAt: new Date(deps.clock.now()).toISOString(),
  };
  for (const queue of queuesFor(envelope)) await deps.queue.send(queue, [{ messageId: envelope.id, body: envelope }]);
}
