import { randomUUID } from 'node:crypto';
import { identityRef, identityText } from './identities';
import { postServiceHook, resourceContainers, type ServiceHookTarget } from './serviceHookDelivery';
import { hookValue, workItemLinks, workItemUrl } from './workItemJson';
import type { WorkItemRoutes } from './workItemRoutes';
import type { StoredWorkItem, WorkItemChange, WorkItemRevision } from './workItemStore';

export type { ServiceHookTarget };

/**
 * Azure DevOps service hooks for the loopback's work items: `workitem.updated`, `.deleted`,
 * `.restored` (and `.created`, `.commented`) posted to a webhook URL the way a Web Hooks
 * subscription posts them — Basic auth with any user name and the hook secret as the password,
 * the envelope of the recorded samples (test/fixtures/azure-devops/service-hooks/workitem.*.json)
 * with the revision's real content: for an update, `resource.id` is the update number,
 * `workItemId`, `rev`, `revisedBy` (the person who made it), `fields` with `oldValue`/`newValue`
 * for each changed field, and `revision` with the work item's fields at that revision;
 * `resourceContainers` carry the organization's `baseUrl`, as real deliveries do. Work item
 * fields in payloads hold identities as `Name <unique name>`, as service hooks write them.
 *
 * By default nothing is sent until a test asks (`emitUpdated`, ...), so a test decides what
 * arrives and when; with `automatic: true` every change is sent as it happens (as Azure DevOps
 * would, including the echo of Vigil's own updates), and `settled()` waits for those posts.
 */
export type WorkItemEventType = 'workitem.created' | 'workitem.updated' | 'workitem.deleted' | 'workitem.restored' | 'workitem.commented';

export interface WorkItemServiceHooksOptions {
  /** The organization URL (the loopback server's `url`), for links and `resourceContainers.*.baseUrl`. */
  orgUrl: string;
  target: ServiceHookTarget;
  /** Send every change as it happens (default false: only what the test emits). */
  automatic?: boolean;
  /** Event types sent automatically (default updated, deleted, restored). */
  events?: WorkItemEventType[];
}

export interface HookDelivery {
  eventType: WorkItemEventType;
  payload: Record<string, unknown>;
  status: number;
  responseBody: string;
}

const subscriptionIds: Record<WorkItemEventType, string> = {
  'workitem.created': 'cccccccc-0000-4000-8000-000000000001',
  'workitem.updated': 'cccccccc-0000-4000-8000-000000000002',
  'workitem.deleted': 'cccccccc-0000-4000-8000-000000000003',
  'workitem.restored': 'cccccccc-0000-4000-8000-000000000004',
  'workitem.commented': 'cccccccc-0000-4000-8000-000000000005',
};

export class WorkItemServiceHooks {
  readonly deliveries: HookDelivery[] = [];
  private readonly pending: Array<Promise<unknown>> = [];
  private notificationId = 1;
  private readonly listener?: (change: WorkItemChange) => void;

  constructor(
    private readonly routes: WorkItemRoutes,
    private readonly options: WorkItemServiceHooksOptions,
  ) {
    if (options.automatic) {
      const events = new Set(options.events ?? ['workitem.updated', 'workitem.deleted', 'workitem.restored']);
      this.listener = (change) => {
        const eventType = `workitem.${change.kind}` as WorkItemEventType;
        if (events.has(eventType)) this.pending.push(this.post(eventType, this.payloadFor(change)).catch(() => undefined));
      };
      routes.store.listeners.push(this.listener);
    }
  }

  /** Sends `workitem.updated` for a revision (default: the latest). */
  emitUpdated(id: number, rev?: number): Promise<HookDelivery> {
    const item = this.item(id);
    const revision = rev === undefined ? this.routes.store.latest(item) : item.revisions.find((r) => r.rev === rev);
    if (!revision) throw new Error(`work item ${id} has no revision ${String(rev)}`);
    return this.post('workitem.updated', this.updatedPayload(item, revision));
  }

  emitCreated(id: number): Promise<HookDelivery> {
    return this.post('workitem.created', this.itemPayload('workitem.created', this.item(id), 'created'));
  }

  /** Sends `workitem.deleted` for a work item in the recycle bin. */
  emitDeleted(id: number): Promise<HookDelivery> {
    return this.post('workitem.deleted', this.itemPayload('workitem.deleted', this.item(id), 'deleted'));
  }

  emitRestored(id: number): Promise<HookDelivery> {
    return this.post('workitem.restored', this.itemPayload('workitem.restored', this.item(id), 'restored'));
  }

  /** Posts a delivery's payload again, unchanged, as Azure DevOps does when it retries. */
  redeliver(delivery: HookDelivery): Promise<HookDelivery> {
    return this.post(delivery.eventType, delivery.payload);
  }

  /** Waits for every automatic delivery started so far. */
  async settled(): Promise<void> {
    while (this.pending.length) await Promise.allSettled(this.pending.splice(0));
  }

  stop(): void {
    const listeners = this.routes.store.listeners;
    if (this.listener && listeners.includes(this.listener)) listeners.splice(listeners.indexOf(this.listener), 1);
  }

  /** The payload a change would be sent with (without sending it). */
  payloadFor(change: Pick<WorkItemChange, 'kind' | 'id' | 'rev' | 'item'>): Record<string, unknown> {
    if (change.kind === 'updated')
      return this.updatedPayload(
        change.item,
        change.item.revisions.find((r) => r.rev === change.rev) ?? this.routes.store.latest(change.item),
      );
    return this.itemPayload(`workitem.${change.kind}` as WorkItemEventType, change.item, change.kind);
  }

  // ── payloads ────────────────────────────────────────────────────────────────────────────────
  private updatedPayload(item: StoredWorkItem, revision: WorkItemRevision): Record<string, unknown> {
    const { orgUrl } = this.options;
    const store = this.routes.store;
    const url = workItemUrl(orgUrl, item.id);
    const changes = store.fieldChanges(item, revision.rev);
    const relations = store.relationChanges(item, revision.rev);
    const changed = Object.entries(changes).filter(([k]) =>
      ['System.State', 'System.Reason', 'System.AssignedTo', 'System.Tags', 'System.Title'].includes(k),
    );
    const details = changed.map(([k, c]) => `${k.replace(/^System\./, 'New ')}: ${String(hookValue(c.newValue) ?? '')}`);
    const later = item.revisions.find((r) => r.rev === revision.rev + 1);
    return {
      ...this.envelope('workitem.updated', item, revision, 'updated', details),
      resource: {
        id: revision.rev,
        workItemId: item.id,
        rev: revision.rev,
        revisedBy: { ...identityRef(revision.by, orgUrl), name: identityText(revision.by) },
        revisedDate: later ? later.date : '9999-01-01T00:00:00Z',
        fields: Object.fromEntries(
          Object.entries(changes).map(([k, c]) => [
            k,
            {
              ...(c.oldValue !== undefined ? { oldValue: hookValue(c.oldValue) } : {}),
              ...(c.newValue !== undefined ? { newValue: hookValue(c.newValue) } : {}),
            },
          ]),
        ),
        ...(relations.added.length || relations.removed.length
          ? {
              relations: {
                ...(relations.added.length ? { added: relations.added } : {}),
                ...(relations.removed.length ? { removed: relations.removed } : {}),
              },
            }
          : {}),
        _links: { self: { href: `${url}/updates/${revision.rev}` }, parent: { href: url }, workItemUpdates: { href: `${url}/updates` } },
        url: `${url}/updates/${revision.rev}`,
        revision: { id: item.id, rev: revision.rev, fields: this.fieldsOf(revision), url: `${url}/revisions/${revision.rev}` },
      },
    };
  }

  private itemPayload(eventType: WorkItemEventType, item: StoredWorkItem, verb: string): Record<string, unknown> {
    const { orgUrl } = this.options;
    const revision = this.routes.store.latest(item);
    const type = String(revision.fields['System.WorkItemType']);
    const details = [
      `Area: ${String(revision.fields['System.AreaPath'])}`,
      `Iteration: ${String(revision.fields['System.IterationPath'])}`,
      `State: ${String(revision.fields['System.State'])}`,
    ];
    const recycleBin = `${orgUrl}/_apis/wit/recyclebin/${item.id}`;
    const links =
      eventType === 'workitem.deleted'
        ? {
            self: { href: recycleBin },
            workItemType: workItemLinks(item, orgUrl, type).workItemType,
            fields: { href: `${orgUrl}/_apis/wit/fields` },
          }
        : workItemLinks(item, orgUrl, type);
    return {
      ...this.envelope(eventType, item, revision, verb, details),
      resource: {
        id: item.id,
        rev: revision.rev,
        fields: this.fieldsOf(revision),
        _links: links,
        url: eventType === 'workitem.deleted' ? recycleBin : workItemUrl(orgUrl, item.id),
      },
    };
  }

  private envelope(eventType: WorkItemEventType, item: StoredWorkItem, revision: WorkItemRevision, verb: string, details: string[]) {
    const { orgUrl } = this.options;
    const type = String(revision.fields['System.WorkItemType']);
    const title = String(revision.fields['System.Title'] ?? '');
    const who =
      (verb === 'deleted' ? item.deleted?.by : undefined) ??
      (verb === 'restored' ? this.routes.store.changes.filter((c) => c.kind === 'restored' && c.id === item.id).at(-1)?.by : undefined) ??
      revision.by;
    const link = `${orgUrl}/web/wi.aspx?pcguid=bbbbbbbb-0000-4000-8000-000000000002&id=${item.id}`;
    const text = `${type} #${item.id} (${title}) ${verb} by ${who.displayName}.`;
    return {
      subscriptionId: this.options.target.subscriptionId ?? subscriptionIds[eventType],
      notificationId: this.notificationId++,
      id: randomUUID(),
      eventType,
      publisherId: 'tfs',
      scope: 'all',
      message: {
        text: `${text}\r\n(${link})`,
        html: `<a href="${link}">${type} #${item.id}</a> (${title}) ${verb} by ${who.displayName}.`,
        markdown: `[${type} #${item.id}](${link}) (${title}) ${verb} by ${who.displayName}.`,
      },
      detailedMessage: {
        text: `${text}\r\n(${link})\r\n\r\n${details.map((d) => `- ${d}\r\n`).join('')}`,
        html: `<a href="${link}">${type} #${item.id}</a> (${title}) ${verb} by ${who.displayName}.<ul>\r\n${details.map((d) => `<li>${d}</li>`).join('')}</ul>`,
        markdown: `[${type} #${item.id}](${link}) (${title}) ${verb} by ${who.displayName}.\r\n\r\n${details.map((d) => `* ${d}\r\n`).join('')}`,
      },
      resourceVersion: '1.0',
      resourceContainers: resourceContainers(orgUrl, item.project.id),
      createdDate: new Date().toISOString(),
    };
  }

  private fieldsOf(revision: WorkItemRevision): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(revision.fields)
        .filter(
          ([k]) =>
            !['System.Id', 'System.Rev', 'System.Watermark', 'System.AuthorizedAs', 'System.AuthorizedDate', 'System.RevisedDate'].includes(
              k,
            ),
        )
        .map(([k, v]) => [k, hookValue(v)]),
    );
  }

  private item(id: number): StoredWorkItem {
    const item = this.routes.store.items.get(id) ?? this.routes.store.changes.find((c) => c.id === id)?.item;
    if (!item) throw new Error(`no work item ${id} in the loopback Azure DevOps`);
    return item;
  }

  private async post(eventType: WorkItemEventType, payload: Record<string, unknown>): Promise<HookDelivery> {
    const delivery: HookDelivery = { eventType, payload, ...(await postServiceHook(this.options.target, payload)) };
    this.deliveries.push(delivery);
    return delivery;
  }
}
