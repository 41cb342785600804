import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { rewrite } from './azureDevOpsServer';
import { identityRef, identityText, type LoopbackIdentity } from './identities';
import { recordedShapesDir } from './recordedShapes';
import type { WorkItemFieldDefinition, WorkItemTypeDefinition } from './workItemProcesses';
import type { StoredWorkItem, WorkItemComment, WorkItemRevision, WorkItemStore } from './workItemStore';

/**
 * The loopback's work items written out in the shapes of the recorded Azure DevOps answers
 * (test/fixtures/azure-devops/rest/wit.*): work items with identity fields as IdentityRef objects
 * and `_links` as wit.workitem.get.json has them, comments as wit.comment.add.json, work item
 * types as wit.workitemtype.get.json (plus the `states` array 7.x answers carry), type fields as
 * wit.workitemtype.fields.list-expand.json, updates as wit.updates.list.json and revisions as
 * wit.revisions.list.json.
 */
const fixturesDir = recordedShapesDir('rest');
const recordedBody = (name: string): Record<string, unknown> => {
  const data = JSON.parse(readFileSync(path.join(fixturesDir, name), 'utf8')) as {
    responses: Record<string, { body: Record<string, unknown> }>;
  };
  return (data.responses['200'] ?? Object.values(data.responses)[0]).body;
};
let typeTemplate: Record<string, unknown> | undefined;

/** Fields Azure DevOps leaves out of a work item unless they are asked for by name. */
const hiddenUnlessAsked = new Set([
  'System.Id',
  'System.Rev',
  'System.Watermark',
  'System.AuthorizedAs',
  'System.AuthorizedDate',
  'System.RevisedDate',
]);

export type Expand = 'none' | 'relations' | 'fields' | 'links' | 'all';

/** `$expand` as a name or node-api's enum number (None 0, Relations 1, Fields 2, Links 3, All 4). */
export function expandOf(value: unknown): Expand {
  const text = String(value ?? 'none').toLowerCase();
  return (
    ({ '0': 'none', '1': 'relations', '2': 'fields', '3': 'links', '4': 'all' } as Record<string, Expand>)[text] ??
    (['none', 'relations', 'fields', 'links', 'all'] as const).find((e) => e === text) ??
    'none'
  );
}

function isIdentity(value: unknown): value is LoopbackIdentity {
  return typeof value === 'object' && value !== null && 'id' in value && 'displayName' in value && 'uniqueName' in value;
}

/** A stored field value as REST answers carry it. */
export function restValue(value: unknown, orgUrl: string): unknown {
  return isIdentity(value) ? identityRef(value, orgUrl) : value;
}

/** A stored field value as service-hook payloads carry it (identities as `Name <unique name>`). */
export function hookValue(value: unknown): unknown {
  return isIdentity(value) ? identityText(value) : value;
}

export function workItemUrl(orgUrl: string, id: number): string {
  return `${orgUrl}/_apis/wit/workItems/${id}`;
}

export function workItemJson(
  store: WorkItemStore,
  item: StoredWorkItem,
  orgUrl: string,
  options: { revision?: WorkItemRevision; expand?: Expand; fields?: string[]; links?: boolean; relations?: boolean } = {},
) {
  const revision = options.revision ?? store.latest(item);
  const expand = options.expand ?? 'none';
  const wanted = options.fields?.map((f) => f.toLowerCase());
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(revision.fields)) {
    if (wanted ? !wanted.includes(name.toLowerCase()) : hiddenUnlessAsked.has(name)) continue;
    fields[name] = restValue(value, orgUrl);
  }
  const url = workItemUrl(orgUrl, item.id);
  const withRelations = expand === 'relations' || expand === 'all' || (options.relations === true && revision.relations.length > 0);
  const withLinks = expand === 'links' || expand === 'all' || options.links === true;
  return {
    id: item.id,
    rev: revision.rev,
    fields,
    ...(withRelations
      ? { relations: revision.relations.map((r) => ({ rel: r.rel, url: r.url, attributes: { isLocked: false, ...(r.attributes ?? {}) } })) }
      : {}),
    ...(withLinks ? { _links: workItemLinks(item, orgUrl, String(revision.fields['System.WorkItemType'])) } : {}),
    url,
  };
}

export function workItemLinks(item: StoredWorkItem, orgUrl: string, typeName: string) {
  const url = workItemUrl(orgUrl, item.id);
  return {
    self: { href: url },
    workItemUpdates: { href: `${url}/updates` },
    workItemRevisions: { href: `${url}/revisions` },
    workItemComments: { href: `${url}/comments` },
    html: { href: `${orgUrl}/web/wi.aspx?pcguid=bbbbbbbb-0000-4000-8000-000000000002&id=${item.id}` },
    workItemType: { href: `${orgUrl}/${item.project.id}/_apis/wit/workItemTypes/${encodeURIComponent(typeName)}` },
    fields: { href: `${orgUrl}/_apis/wit/fields` },
  };
}

export function commentJson(item: StoredWorkItem, comment: WorkItemComment, orgUrl: string) {
  return {
    workItemId: item.id,
    // The recorded examples say `commentId`; 7.x answers (and node-api's Comment type) say `id`: both, so either client reads it.
    id: comment.commentId,
    commentId: comment.commentId,
    version: comment.version,
    text: comment.text,
    createdBy: identityRef(comment.createdBy, orgUrl),
    createdDate: comment.createdDate,
    modifiedBy: identityRef(comment.modifiedBy, orgUrl),
    modifiedDate: comment.modifiedDate,
    isDeleted: comment.isDeleted,
    url: `${orgUrl}/${item.project.id}/_apis/wit/workItems/${item.id}/comments/${comment.commentId}`,
  };
}

export function stateJson(type: WorkItemTypeDefinition) {
  return type.states.map((s) => ({ name: s.name, color: s.color, category: s.category }));
}

/** `$expand` of type fields as a name or node-api's enum number (None 0, AllowedValues 1, DependentFields 2, All 3). */
export function fieldExpandOf(value: string | null): { allowedValues: boolean; dependentFields: boolean } {
  const text = (value ?? 'none').toLowerCase();
  const all = text === 'all' || text === '3';
  return {
    allowedValues: all || text === 'allowedvalues' || text === '1',
    dependentFields: all || text === 'dependentfields' || text === '2',
  };
}

export function typeFieldJson(
  field: WorkItemFieldDefinition,
  orgUrl: string,
  expand: { allowedValues: boolean; dependentFields: boolean },
) {
  return {
    ...(field.helpText ? { helpText: field.helpText } : {}),
    alwaysRequired: field.alwaysRequired ?? false,
    defaultValue: field.defaultValue ?? null,
    ...(expand.allowedValues ? { allowedValues: field.allowedValues ?? [] } : {}),
    ...(expand.dependentFields ? { dependentFields: [] } : {}),
    referenceName: field.referenceName,
    name: field.name,
    url: `${orgUrl}/_apis/wit/fields/${field.referenceName}`,
  };
}

/** A type as wit.workitemtype.get.json has it (without its 27 KB `xmlForm`), with `states`. */
export function typeJson(store: WorkItemStore, project: { id: string }, type: WorkItemTypeDefinition, orgUrl: string) {
  typeTemplate ??= recordedBody('wit.workitemtype.get.json');
  const template = rewrite(typeTemplate, orgUrl) as { icon?: Record<string, unknown> };
  const fields = store.fieldsOf(type).map((f) => ({
    ...(f.helpText ? { helpText: f.helpText } : {}),
    alwaysRequired: f.alwaysRequired ?? false,
    referenceName: f.referenceName,
    name: f.name,
    url: `${orgUrl}/_apis/wit/fields/${f.referenceName}`,
  }));
  const url = `${orgUrl}/${project.id}/_apis/wit/workItemTypes/${encodeURIComponent(type.name)}`;
  return {
    name: type.name,
    referenceName: type.referenceName,
    description: type.description ?? `Tracks ${type.name.toLowerCase()} work.`,
    color: type.color ?? 'CC293D',
    icon: { ...(template.icon ?? {}), url: `${orgUrl}/_apis/wit/workItemIcons/icon_clipboard?color=${type.color ?? 'CC293D'}&v=2` },
    isDisabled: false,
    fields,
    fieldInstances: fields,
    transitions: Object.fromEntries(
      ['', ...type.states.map((s) => s.name)].map((from) => [
        from,
        type.states.filter((s) => s.name !== from).map((s) => ({ to: s.name, actions: null })),
      ]),
    ),
    states: stateJson(type),
    _links: { self: { href: url } },
    url,
  };
}

export function revisionJson(_store: WorkItemStore, item: StoredWorkItem, revision: WorkItemRevision, orgUrl: string) {
  const fields = Object.fromEntries(
    Object.entries(revision.fields)
      .filter(([k]) => !['System.Id', 'System.Rev', 'System.Watermark'].includes(k))
      .map(([k, v]) => [k, restValue(v, orgUrl)]),
  );
  return { id: item.id, rev: revision.rev, fields, url: `${workItemUrl(orgUrl, item.id)}/revisions/${revision.rev}` };
}

export function updateJson(store: WorkItemStore, item: StoredWorkItem, revision: WorkItemRevision, orgUrl: string) {
  const changes = store.fieldChanges(item, revision.rev);
  const relations = store.relationChanges(item, revision.rev);
  const render = (value: unknown) => restValue(value, orgUrl);
  return {
    id: revision.rev,
    workItemId: item.id,
    rev: revision.rev,
    revisedBy: { ...identityRef(revision.by, orgUrl), name: identityText(revision.by) },
    revisedDate:
      revision.rev === store.latest(item).rev
        ? '9999-01-01T00:00:00Z'
        : String(item.revisions.find((r) => r.rev === revision.rev + 1)?.date),
    fields: Object.fromEntries(
      Object.entries(changes).map(([k, c]) => [
        k,
        {
          ...(c.oldValue !== undefined ? { oldValue: render(c.oldValue) } : {}),
          ...(c.newValue !== undefined ? { newValue: render(c.newValue) } : {}),
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
    url: `${workItemUrl(orgUrl, item.id)}/updates/${revision.rev}`,
  };
}

/** A recycle-bin entry (WorkItemDelete). */
export function deletedJson(store: WorkItemStore, item: StoredWorkItem, orgUrl: string, withResource: boolean) {
  const latest = store.latest(item);
  return {
    id: item.id,
    code: 200,
    deletedBy: item.deleted ? identityText(item.deleted.by) : undefined,
    deletedDate: item.deleted?.date,
    name: String(latest.fields['System.Title'] ?? ''),
    project: item.project.name,
    type: String(latest.fields['System.WorkItemType']),
    url: `${orgUrl}/${item.project.id}/_apis/wit/recyclebin/${item.id}`,
    ...(withResource ? { resource: workItemJson(store, item, orgUrl, { relations: true }) } : {}),
  };
}
