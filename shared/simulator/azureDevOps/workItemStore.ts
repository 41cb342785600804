import { AdoRequestError } from './adoErrors';
import { projectIdFor } from './azureDevOpsServer';
import type { LoopbackIdentity } from './identities';
import {
  type ProcessName,
  processTemplate,
  recordedFieldEntries,
  systemFieldNames,
  type WorkItemFieldDefinition,
  type WorkItemTypeDefinition,
} from './workItemProcesses';

/**
 * The work items of the loopback Azure DevOps, in memory: every revision of every work item (who
 * made it, when, its fields and relations), comments, and the recycle bin. Changes arrive as JSON
 * Patch documents applied the way Azure DevOps applies them — all or nothing; `test` on `/rev`
 * (or a field) failing with 412; `add` on `/fields/System.Tags` adding to the tags already there
 * while `replace` sets them and `remove` clears them (tags are one `; `-separated field);
 * `System.History` becoming a comment; read-only and unknown fields, states the type does not
 * have, values outside a field's allowed values, empty required fields and unknown area or
 * iteration paths refused with Azure DevOps' own messages; a patch that changes nothing making no
 * new revision. HTTP lives in workItemRoutes.ts; this file knows nothing of requests.
 */
export interface WorkItemProject {
  name: string;
  /** Defaults to the id the loopback server gives a project of that name. */
  id?: string;
  /** A system process, or the types of a custom one (default Agile). */
  process?: ProcessName | WorkItemTypeDefinition[];
  /** Area paths a work item may use (the project's root is always one); any path under the project when not given. */
  areaPaths?: string[];
  iterationPaths?: string[];
}

export interface WorkItemRelation {
  rel: string;
  url: string;
  attributes?: Record<string, unknown>;
}

export interface WorkItemRevision {
  rev: number;
  /** Field values as stored: identities as LoopbackIdentity, dates as ISO strings. */
  fields: Record<string, unknown>;
  relations: WorkItemRelation[];
  by: LoopbackIdentity;
  date: string;
}

export interface WorkItemComment {
  commentId: number;
  version: number;
  text: string;
  createdBy: LoopbackIdentity;
  createdDate: string;
  modifiedBy: LoopbackIdentity;
  modifiedDate: string;
  isDeleted: boolean;
}

export interface StoredWorkItem {
  id: number;
  project: Required<Pick<WorkItemProject, 'name' | 'id'>>;
  revisions: WorkItemRevision[];
  comments: WorkItemComment[];
  /** Set while the work item is in the recycle bin. */
  deleted?: { by: LoopbackIdentity; date: string };
}

/** What happened to a work item, in order, so service hooks can be sent for it. */
export interface WorkItemChange {
  kind: 'created' | 'updated' | 'deleted' | 'restored' | 'commented';
  id: number;
  /** The work item as it is now (kept even when it was destroyed). */
  item: StoredWorkItem;
  rev: number;
  by: LoopbackIdentity;
  date: string;
}

export interface JsonPatchOperation {
  op: string | number;
  path: string;
  value?: unknown;
  from?: string | null;
}

export interface ApplyOptions {
  bypassRules?: boolean;
  validateOnly?: boolean;
}

const readOnlyFields = new Set([
  'System.Id',
  'System.Rev',
  'System.CreatedDate',
  'System.CreatedBy',
  'System.ChangedDate',
  'System.ChangedBy',
  'System.AuthorizedDate',
  'System.AuthorizedAs',
  'System.RevisedDate',
  'System.Watermark',
  'System.CommentCount',
  'System.TeamProject',
  'System.AreaId',
  'System.IterationId',
  'System.BoardColumn',
  'System.BoardColumnDone',
  'System.BoardLane',
]);
/** Read-only fields `bypassRules` may set, as migrations do. */
const bypassableFields = new Set(['System.CreatedDate', 'System.CreatedBy', 'System.ChangedDate', 'System.ChangedBy']);
const patchOps = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

export class WorkItemStore {
  readonly items = new Map<number, StoredWorkItem>();
  readonly changes: WorkItemChange[] = [];
  /** Called after each change (service hooks sent as changes happen listen here). */
  readonly listeners: Array<(change: WorkItemChange) => void> = [];
  private readonly projects: Array<{
    name: string;
    id: string;
    types: WorkItemTypeDefinition[];
    areaPaths?: string[];
    iterationPaths?: string[];
  }>;
  private nextId: number;
  private nextCommentId = 1;
  private watermark = 0;
  private lastTime = 0;

  constructor(
    projects: WorkItemProject[],
    private readonly options: { firstId?: number; now?: () => Date } = {},
  ) {
    this.projects = projects.map((p) => ({
      name: p.name,
      id: p.id ?? projectIdFor(p.name),
      types: typeof p.process === 'object' ? p.process : processTemplate(p.process ?? 'Agile'),
      ...(p.areaPaths ? { areaPaths: p.areaPaths } : {}),
      ...(p.iterationPaths ? { iterationPaths: p.iterationPaths } : {}),
    }));
    this.nextId = options.firstId ?? 1;
  }

  /** A strictly increasing clock, so every revision has its own ChangedDate. */
  now(): string {
    const wanted = (this.options.now?.() ?? new Date()).getTime();
    this.lastTime = Math.max(wanted, this.lastTime + 1);
    return new Date(this.lastTime).toISOString();
  }

  project(nameOrId: string) {
    const wanted = nameOrId.toLowerCase();
    const found = this.projects.find((p) => p.name.toLowerCase() === wanted || p.id.toLowerCase() === wanted);
    if (!found) {
      throw new AdoRequestError(
        404,
        'ProjectDoesNotExistWithNameException',
        `TF200016: The following project does not exist: ${nameOrId}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server.`,
        { namespace: 'Microsoft.TeamFoundation.Core.WebApi' },
      );
    }
    return found;
  }

  projectList() {
    return this.projects;
  }

  type(project: string, name: string): WorkItemTypeDefinition {
    const p = this.project(project);
    const found = p.types.find((t) => t.name.toLowerCase() === name.toLowerCase() || t.referenceName.toLowerCase() === name.toLowerCase());
    if (!found) {
      throw new AdoRequestError(
        404,
        'WorkItemTypeNotFoundException',
        `VS402323: Work item type ${name} does not exist in project ${p.name} or you do not have permission to access it.`,
      );
    }
    return found;
  }

  /** The field entries of a type: the System ones, then the type's own. */
  fieldsOf(type: WorkItemTypeDefinition): WorkItemFieldDefinition[] {
    const recorded = recordedFieldEntries();
    const system = systemFieldNames.map((referenceName): WorkItemFieldDefinition => {
      const entry = recorded.find((f) => f.referenceName === referenceName);
      const name = entry?.name ?? referenceName.replace(/^System\./, '').replace(/([a-z])([A-Z])/g, '$1 $2');
      if (referenceName === 'System.State') {
        return {
          referenceName,
          name,
          alwaysRequired: true,
          allowedValues: type.states.map((s) => s.name),
          defaultValue: type.states[0]?.name ?? null,
        };
      }
      return {
        referenceName,
        name,
        ...(referenceName === 'System.Title' ? { alwaysRequired: true } : {}),
        ...(entry?.helpText ? { helpText: entry.helpText } : {}),
      };
    });
    return [...system, ...type.fields.filter((f) => !systemFieldNames.includes(f.referenceName))];
  }

  /** A live work item (404 TF401232 when it does not exist or is in the recycle bin). */
  get(id: number): StoredWorkItem {
    const item = this.items.get(id);
    if (!item || item.deleted) throw notFound(id);
    return item;
  }

  latest(item: StoredWorkItem): WorkItemRevision {
    return item.revisions[item.revisions.length - 1];
  }

  /** The revision in effect at a time (for `asOf`). */
  revisionAt(item: StoredWorkItem, asOf: Date): WorkItemRevision | undefined {
    return [...item.revisions].reverse().find((r) => Date.parse(r.date) <= asOf.getTime());
  }

  typeOf(item: StoredWorkItem, revision = this.latest(item)): WorkItemTypeDefinition {
    return this.type(item.project.name, String(revision.fields['System.WorkItemType']));
  }

  create(
    projectName: string,
    typeName: string,
    operations: JsonPatchOperation[],
    by: LoopbackIdentity,
    options: ApplyOptions = {},
  ): StoredWorkItem {
    const project = this.project(projectName);
    const type = this.type(project.name, typeName);
    const date = this.now();
    const initial: Record<string, unknown> = {
      'System.AreaPath': project.name,
      'System.TeamProject': project.name,
      'System.IterationPath': project.name,
      'System.WorkItemType': type.name,
      'System.State': type.states[0]?.name,
      'System.Reason': 'New',
      'System.CreatedDate': date,
      'System.CreatedBy': by,
    };
    for (const field of type.fields)
      if (field.defaultValue !== undefined && field.defaultValue !== null) initial[field.referenceName] = defaultValueOf(field);
    const draft = { fields: initial, relations: [] as WorkItemRelation[], history: undefined as string | undefined };
    this.applyOperations(draft, operations, { rev: 0, project: project.name, itemId: -1 }, options);
    const id = this.nextId;
    this.validate(project.name, -1, draft.fields, undefined, options);
    const item: StoredWorkItem = { id, project: { name: project.name, id: project.id }, revisions: [], comments: [] };
    if (options.validateOnly) return { ...item, revisions: [this.revision(item, draft, 1, by, date, undefined)] };
    this.nextId++;
    this.items.set(id, item);
    item.revisions.push(this.revision(item, draft, 1, by, date, undefined));
    if (draft.history) this.comment(item, draft.history, by, date);
    this.record({ kind: 'created', id, item, rev: 1, by, date });
    return item;
  }

  /** Applies a JSON Patch as one new revision; returns the item (unchanged when the patch changes nothing). */
  update(id: number, operations: JsonPatchOperation[], by: LoopbackIdentity, options: ApplyOptions = {}): StoredWorkItem {
    const item = this.get(id);
    const current = this.latest(item);
    const draft = {
      fields: { ...current.fields },
      relations: current.relations.map((r) => ({ ...r, ...(r.attributes ? { attributes: { ...r.attributes } } : {}) })),
      history: undefined as string | undefined,
    };
    delete draft.fields['System.History'];
    this.applyOperations(draft, operations, { rev: current.rev, project: item.project.name, itemId: id }, options);
    this.validate(item.project.name, id, draft.fields, current.fields, options);
    const changed =
      draft.history !== undefined ||
      JSON.stringify(withoutHistory(current.fields)) !== JSON.stringify(draft.fields) ||
      JSON.stringify(current.relations) !== JSON.stringify(draft.relations);
    if (!changed || options.validateOnly) return item;
    const date = this.now();
    item.revisions.push(this.revision(item, draft, current.rev + 1, by, date, current));
    if (draft.history) this.comment(item, draft.history, by, date);
    this.record({ kind: 'updated', id, item, rev: current.rev + 1, by, date });
    return item;
  }

  addComment(id: number, text: string, by: LoopbackIdentity): WorkItemComment {
    const item = this.get(id);
    const date = this.now();
    const comment = this.comment(item, text, by, date);
    this.record({ kind: 'commented', id, item, rev: this.latest(item).rev, by, date });
    return comment;
  }

  updateComment(id: number, commentId: number, text: string, by: LoopbackIdentity): WorkItemComment {
    const comment = this.get(id).comments.find((c) => c.commentId === commentId && !c.isDeleted);
    if (!comment)
      throw new AdoRequestError(
        404,
        'WorkItemCommentNotFoundException',
        `VS403408: Comment ${commentId} of work item ${id} does not exist.`,
      );
    comment.text = text;
    comment.version++;
    comment.modifiedBy = by;
    comment.modifiedDate = this.now();
    return comment;
  }

  deleteComment(id: number, commentId: number, by: LoopbackIdentity): void {
    const item = this.get(id);
    const comment = this.updateComment(id, commentId, item.comments.find((c) => c.commentId === commentId)?.text ?? '', by);
    comment.isDeleted = true;
    this.setCommentCount(item);
  }

  /** Moves a work item to the recycle bin (or destroys it for good). */
  delete(id: number, by: LoopbackIdentity, destroy = false): StoredWorkItem {
    const item = this.items.get(id);
    if (!item || (item.deleted && !destroy)) throw notFound(id);
    const date = this.now();
    if (destroy) this.items.delete(id);
    else item.deleted = { by, date };
    this.record({ kind: 'deleted', id, item, rev: this.latest(item).rev, by, date });
    return item;
  }

  /** Takes a work item out of the recycle bin. */
  restore(id: number, by: LoopbackIdentity): StoredWorkItem {
    const item = this.deletedItem(id);
    delete item.deleted;
    this.record({ kind: 'restored', id, item, rev: this.latest(item).rev, by, date: this.now() });
    return item;
  }

  deletedItem(id: number): StoredWorkItem {
    const item = this.items.get(id);
    if (!item?.deleted)
      throw new AdoRequestError(
        404,
        'WorkItemNotFoundException',
        `TF401232: Work item ${id} does not exist in the recycle bin, or you do not have permissions to read it.`,
      );
    return item;
  }

  /** Field changes between a revision and the one before it: reference name → old and new value. */
  fieldChanges(item: StoredWorkItem, rev: number): Record<string, { oldValue?: unknown; newValue?: unknown }> {
    const after = item.revisions.find((r) => r.rev === rev);
    if (!after) return {};
    const before = item.revisions.find((r) => r.rev === rev - 1);
    const changes: Record<string, { oldValue?: unknown; newValue?: unknown }> = {};
    for (const key of new Set([...Object.keys(before?.fields ?? {}), ...Object.keys(after.fields)])) {
      const oldValue = key === 'System.History' ? undefined : before?.fields[key];
      const newValue = after.fields[key];
      if (JSON.stringify(oldValue) === JSON.stringify(newValue)) continue;
      changes[key] = { ...(oldValue !== undefined ? { oldValue } : {}), ...(newValue !== undefined ? { newValue } : {}) };
    }
    return changes;
  }

  /** Relations added and removed by a revision. */
  relationChanges(item: StoredWorkItem, rev: number): { added: WorkItemRelation[]; removed: WorkItemRelation[] } {
    const after = item.revisions.find((r) => r.rev === rev)?.relations ?? [];
    const before = item.revisions.find((r) => r.rev === rev - 1)?.relations ?? [];
    const key = (r: WorkItemRelation) => `${r.rel}|${r.url}`;
    return {
      added: after.filter((r) => !before.some((b) => key(b) === key(r))),
      removed: before.filter((r) => !after.some((a) => key(a) === key(r))),
    };
  }

  private record(change: WorkItemChange): void {
    this.changes.push(change);
    for (const listener of this.listeners) listener(change);
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────────
  private revision(
    item: StoredWorkItem,
    draft: { fields: Record<string, unknown>; relations: WorkItemRelation[]; history?: string },
    rev: number,
    by: LoopbackIdentity,
    date: string,
    previous: WorkItemRevision | undefined,
  ): WorkItemRevision {
    const fields: Record<string, unknown> = { ...draft.fields };
    const type = this.type(item.project.name, String(fields['System.WorkItemType']));
    if (previous && previous.fields['System.State'] !== fields['System.State']) {
      if (fields['System.Reason'] === previous.fields['System.Reason'])
        fields['System.Reason'] = `Moved to state ${String(fields['System.State'])}`;
      if (type.fields.some((f) => f.referenceName === 'Microsoft.VSTS.Common.StateChangeDate'))
        fields['Microsoft.VSTS.Common.StateChangeDate'] = date;
    } else if (!previous && type.fields.some((f) => f.referenceName === 'Microsoft.VSTS.Common.StateChangeDate')) {
      fields['Microsoft.VSTS.Common.StateChangeDate'] = date;
    }
    if (!fields['System.ChangedBy'] || !previous || fields['System.ChangedBy'] === previous.fields['System.ChangedBy'])
      fields['System.ChangedBy'] = by;
    if (!previous || fields['System.ChangedDate'] === previous.fields['System.ChangedDate']) fields['System.ChangedDate'] = date;
    fields['System.AuthorizedAs'] = by;
    fields['System.AuthorizedDate'] = date;
    fields['System.RevisedDate'] = '9999-01-01T00:00:00Z';
    fields['System.Rev'] = rev;
    fields['System.Id'] = item.id;
    fields['System.Watermark'] = ++this.watermark;
    fields['System.CommentCount'] = item.comments.filter((c) => !c.isDeleted).length + (draft.history ? 1 : 0);
    if (draft.history !== undefined) fields['System.History'] = draft.history;
    if (previous) previous.fields['System.RevisedDate'] = date;
    return { rev, fields, relations: draft.relations, by, date };
  }

  private comment(item: StoredWorkItem, text: string, by: LoopbackIdentity, date: string): WorkItemComment {
    const comment: WorkItemComment = {
      commentId: this.nextCommentId++,
      version: 1,
      text,
      createdBy: by,
      createdDate: date,
      modifiedBy: by,
      modifiedDate: date,
      isDeleted: false,
    };
    item.comments.push(comment);
    this.setCommentCount(item);
    return comment;
  }

  private setCommentCount(item: StoredWorkItem): void {
    this.latest(item).fields['System.CommentCount'] = item.comments.filter((c) => !c.isDeleted).length;
  }

  private applyOperations(
    draft: { fields: Record<string, unknown>; relations: WorkItemRelation[]; history: string | undefined },
    operations: JsonPatchOperation[],
    context: { rev: number; project: string; itemId: number },
    options: ApplyOptions,
  ): void {
    if (!Array.isArray(operations) || operations.length === 0) {
      throw new AdoRequestError(400, 'VssPropertyValidationException', 'You must pass a valid patch document in the body of the request.', {
        namespace: 'Microsoft.VisualStudio.Services.Common',
      });
    }
    const type = this.type(context.project, String(draft.fields['System.WorkItemType']));
    for (const operation of operations) {
      const op = typeof operation.op === 'number' ? patchOps[operation.op] : String(operation.op).toLowerCase();
      const path = String(operation.path ?? '');
      if (!op || !patchOps.includes(op)) throw patchFailed(`Operation '${String(operation.op)}' is not supported.`);
      if (op === 'move' || op === 'copy') throw patchFailed(`the loopback Azure DevOps does not apply '${op}' operations (path ${path}).`);
      if (/^\/rev$/i.test(path) || /^\/id$/i.test(path)) {
        if (op !== 'test') throw readOnly(path.slice(1) === 'id' ? 'System.Id' : 'System.Rev');
        const actual = /^\/rev$/i.test(path) ? context.rev : context.itemId;
        if (Number(operation.value) !== actual) throw testFailed(path, actual, operation.value);
        continue;
      }
      const field = path.match(/^\/fields\/(.+)$/i);
      if (field) {
        const name = this.resolveField(type, decodeURIComponent(field[1]));
        if (op === 'test') {
          if (JSON.stringify(draft.fields[name] ?? null) !== JSON.stringify(operation.value ?? null))
            throw testFailed(path, draft.fields[name], operation.value);
          continue;
        }
        if (readOnlyFields.has(name) && !(options.bypassRules && bypassableFields.has(name))) throw readOnly(name);
        if (op === 'remove') {
          if (operation.value !== undefined && operation.value !== null) throw patchFailed('Remove requires Value to be null.');
          delete draft.fields[name];
          continue;
        }
        if (name === 'System.History') {
          draft.history = String(operation.value ?? '');
          continue;
        }
        if (name === 'System.Tags') {
          const given = splitTags(operation.value);
          draft.fields[name] = joinTags(op === 'add' ? [...splitTags(draft.fields[name]), ...given] : given);
          if (draft.fields[name] === '') delete draft.fields[name];
          continue;
        }
        draft.fields[name] = operation.value;
        continue;
      }
      if (/^\/relations\/-$/.test(path) && op === 'add') {
        const relation = operation.value as Partial<WorkItemRelation> | undefined;
        if (!relation?.rel || !relation.url) throw patchFailed('A relation needs rel and url.');
        if (draft.relations.some((r) => r.rel === relation.rel && r.url.toLowerCase() === String(relation.url).toLowerCase())) {
          throw new AdoRequestError(
            400,
            'WorkItemLinkAlreadyExistsException',
            `TF201035: Relation already exists: ${relation.rel} ${relation.url}`,
          );
        }
        draft.relations.push({
          rel: relation.rel,
          url: relation.url,
          ...(relation.attributes ? { attributes: { ...relation.attributes } } : {}),
        });
        continue;
      }
      const relation = path.match(/^\/relations\/(\d+)(\/attributes\/(\w+))?$/);
      if (relation) {
        const index = Number(relation[1]);
        if (!draft.relations[index]) throw patchFailed(`There is no relation at index ${index}.`);
        if (op === 'remove' && !relation[2]) draft.relations.splice(index, 1);
        else if ((op === 'replace' || op === 'add') && relation[2])
          draft.relations[index].attributes = { ...draft.relations[index].attributes, [relation[3]]: operation.value };
        else throw patchFailed(`the loopback Azure DevOps does not apply '${op}' to ${path}.`);
        continue;
      }
      if (/^\/multilineFieldsFormat\//i.test(path)) continue; // Markdown or HTML: both stored as sent
      throw patchFailed(`the loopback Azure DevOps does not apply patches to ${path}.`);
    }
  }

  private resolveField(type: WorkItemTypeDefinition, name: string): string {
    const fields = this.fieldsOf(type);
    const found = fields.find((f) => f.referenceName.toLowerCase() === name.toLowerCase() || f.name.toLowerCase() === name.toLowerCase());
    if (!found) throw new AdoRequestError(400, 'WorkItemFieldInvalidException', `TF51535: Cannot find field ${name}.`);
    return found.referenceName;
  }

  private validate(
    projectName: string,
    itemId: number,
    fields: Record<string, unknown>,
    previous: Record<string, unknown> | undefined,
    options: ApplyOptions,
  ): void {
    const project = this.project(projectName);
    const type = this.type(projectName, String(fields['System.WorkItemType']));
    if (options.bypassRules) return;
    for (const [field, paths] of [
      ['System.AreaPath', project.areaPaths],
      ['System.IterationPath', project.iterationPaths],
    ] as const) {
      const value = String(fields[field] ?? '');
      const root = project.name.toLowerCase();
      const valid =
        value.toLowerCase() === root ||
        (paths ? paths.some((p) => p.toLowerCase() === value.toLowerCase()) : value.toLowerCase().startsWith(`${root}\\`));
      if (!valid)
        throw new AdoRequestError(
          400,
          'WorkItemTrackingTreeNodeNotFoundException',
          `TF401347: Invalid tree name given for work item ${itemId}, field '${field}'.`,
        );
    }
    for (const definition of this.fieldsOf(type)) {
      const value = fields[definition.referenceName];
      const empty = value === undefined || value === null || value === '';
      if (definition.alwaysRequired && empty && !readOnlyFields.has(definition.referenceName)) {
        throw ruleError(definition, 'Required, InvalidEmpty', 'required, invalidEmpty');
      }
      if (
        !empty &&
        definition.allowedValues?.length &&
        previous?.[definition.referenceName] !== value &&
        !definition.allowedValues.some((v) => v.toLowerCase() === String(value).toLowerCase())
      ) {
        throw ruleError(
          definition,
          'Required, HasValues, LimitedToValues, AllowsOldValue, InvalidListValue',
          'required, hasValues, limitedToValues, allowsOldValue, invalidListValue',
        );
      }
    }
  }
}

function defaultValueOf(field: WorkItemFieldDefinition): unknown {
  const value = field.defaultValue ?? undefined;
  return value !== undefined && /^\d+$/.test(value) && field.referenceName === 'Microsoft.VSTS.Common.Priority' ? Number(value) : value;
}

function withoutHistory(fields: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...fields };
  delete copy['System.History'];
  return copy;
}

/** Tags as Azure DevOps keeps them: `; `-separated, trimmed, each once (case-insensitively), sorted. */
export function splitTags(value: unknown): string[] {
  return String(value ?? '')
    .split(';')
    .map((t) => t.trim())
    .filter(Boolean);
}

export function joinTags(tags: string[]): string {
  const unique = new Map<string, string>();
  for (const tag of tags) if (!unique.has(tag.toLowerCase())) unique.set(tag.toLowerCase(), tag);
  return [...unique.values()].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())).join('; ');
}

export function notFound(id: number): AdoRequestError {
  return new AdoRequestError(
    404,
    'WorkItemUnauthorizedAccessException',
    `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`,
  );
}

function readOnly(field: string): AdoRequestError {
  return new AdoRequestError(400, 'RuleValidationException', `TF401326: Invalid field status 'ReadOnly' for field '${field}'.`);
}

function testFailed(path: string, actual: unknown, expected: unknown): AdoRequestError {
  return new AdoRequestError(
    412,
    'TestPatchOperationFailedException',
    `VS403351: Test Operation for path ${path} failed, value ${JSON.stringify(actual ?? null)} was not equal to test value ${JSON.stringify(expected ?? null)}.`,
    { namespace: 'Microsoft.VisualStudio.Services.WebApi.Patch' },
  );
}

function patchFailed(message: string): AdoRequestError {
  return new AdoRequestError(400, 'PatchOperationFailedException', message, { namespace: 'Microsoft.VisualStudio.Services.WebApi.Patch' });
}

function ruleError(field: WorkItemFieldDefinition, code: string, flags: string): AdoRequestError {
  const message = `TF401320: Rule Error for field ${field.name}. Error code: ${code}.`;
  return new AdoRequestError(400, 'RuleValidationException', message, {
    customProperties: {
      FieldReferenceName: field.referenceName,
      FieldStatusFlags: flags,
      ErrorMessage: message,
      RuleValidationErrors: [{ fieldReferenceName: field.referenceName, fieldStatusFlags: flags, errorMessage: message }],
    },
  });
}
