import type * as http from 'node:http';
import { AdoRequestError } from './adoErrors';
import { type LoopbackExtension, type LoopbackRequest, routeLocation, sendJson } from './azureDevOpsServer';
import { identityText, type LoopbackIdentity, person, vigilIdentity } from './identities';
import {
  commentJson,
  deletedJson,
  expandOf,
  fieldExpandOf,
  revisionJson,
  stateJson,
  typeFieldJson,
  typeJson,
  updateJson,
  workItemJson,
  workItemUrl,
} from './workItemJson';
import {
  type ApplyOptions,
  type JsonPatchOperation,
  joinTags,
  type StoredWorkItem,
  splitTags,
  type WorkItemProject,
  type WorkItemRelation,
  WorkItemStore,
} from './workItemStore';
import { parseWiql, runWiql, type WiqlRow } from './workItemWiql';

/**
 * Azure Boards for the loopback Azure DevOps (test/support/azureDevOpsServer.ts), for
 * azure-devops-node-api's WorkItemTrackingApi and for raw REST, with or without a project in the
 * URL: create (`POST {project}/_apis/wit/workitems/$Type`, JSON Patch), update (`PATCH
 * _apis/wit/workitems/{id}`), get (`$expand`, `fields`, `asOf`), list (`?ids=`) and batch get
 * (`POST _apis/wit/workitemsbatch`), both at most 200 ids (VS403474) with `errorPolicy`; WIQL
 * (`POST {project}/_apis/wit/wiql`, see workItemWiql.ts), capped at 20,000 results (VS402337)
 * unless `$top` is given; work item types, their states with state categories and their fields;
 * comments (add, list with paging, update, delete); updates and revisions; delete into the
 * recycle bin, which then answers 404 for the work item, and restore from it (`PATCH
 * _apis/wit/recyclebin/{id}`). Requests are made as the token's identity (`identity`, Vigil's
 * own by default); `as(person)` lets a test change work items as someone else. State lives in
 * `store` (workItemStore.ts) for a test to seed and inspect.
 */
export interface WorkItemRoutesOptions {
  /** Projects and the process each uses (default: one Agile project 'Fabrikam-Fiber-Git'). */
  projects?: WorkItemProject[];
  /** Who requests are made as: the identity behind the PAT (default vigilIdentity, as connectionData answers). */
  identity?: LoopbackIdentity;
  /** The first work item id handed out (default 1). */
  firstId?: number;
  /** Largest WIQL result without `$top` (default 20,000, as Azure DevOps). */
  wiqlLimit?: number;
  /** The clock work item dates come from (each revision still gets its own millisecond). */
  now?: () => Date;
}

export interface SeedWorkItem {
  project: string;
  type: string;
  title: string;
  /** More fields by reference name. */
  fields?: Record<string, unknown>;
  tags?: string[];
  relations?: WorkItemRelation[];
  /** Who created it (default Jamal Hartnett, the person of Microsoft's samples). */
  by?: LoopbackIdentity;
}

/** A work item as a test reads it back: identities as display names, tags as a list. */
export interface WorkItemSnapshot {
  id: number;
  rev: number;
  project: string;
  type: string;
  state: string;
  title: string;
  tags: string[];
  fields: Record<string, unknown>;
  relations: WorkItemRelation[];
  comments: Array<{ text: string; by: string }>;
  changedBy: string;
  deleted: boolean;
}

/** Changes a test makes as a person, straight into the store (no HTTP call is recorded). */
export interface PersonActions {
  update(id: number, operations: JsonPatchOperation[]): WorkItemSnapshot;
  /** Sets fields by reference name (`replace`), e.g. `{ 'System.State': 'Closed', 'System.Reason': 'Fixed' }`. */
  setFields(id: number, fields: Record<string, unknown>): WorkItemSnapshot;
  addTags(id: number, tags: string[]): WorkItemSnapshot;
  /** Removes tags the way the web UI does: the whole field replaced with the rest. */
  removeTags(id: number, tags: string[]): WorkItemSnapshot;
  comment(id: number, text: string): void;
  delete(id: number): void;
  restore(id: number): void;
}

export const jamalHartnett = person('Jamal Hartnett');

const wit = (id: string, resource: string, template: string) => routeLocation(id, 'wit', resource, template);

export class WorkItemRoutes implements LoopbackExtension {
  readonly store: WorkItemStore;
  readonly identity: LoopbackIdentity;
  readonly locations = {
    wit: [
      wit('72c7ddf8-2cdc-4f60-90cd-ab71c14a399b', 'workItems', '{project}/_apis/wit/workitems/{id}'),
      wit('62d3d110-0047-428c-ad3c-4fe872c91c74', 'workItems', '{project}/_apis/wit/workitems/${type}'),
      wit('908509b6-4248-4475-a1cd-829139ba419f', 'workItemsBatch', '{project}/_apis/wit/workitemsbatch'),
      wit('1a9c53f7-f243-4447-b110-35ef023636e4', 'wiql', '{project}/{team}/_apis/wit/wiql/{id}'),
      wit('7c8d7a76-4a09-43e8-b5df-bd792f4ac6aa', 'workItemTypes', '{project}/_apis/wit/workitemtypes/{type}'),
      wit('7c9d7a76-4a09-43e8-b5df-bd792f4ac6aa', 'workItemTypeStates', '{project}/_apis/wit/workitemtypes/{type}/states'),
      wit('bd293ce5-3d25-4192-8e67-e8092e879efb', 'workItemTypesField', '{project}/_apis/wit/workitemtypes/{type}/fields/{field}'),
      wit('608aac0a-32e1-4493-a863-b9cf4566d257', 'comments', '{project}/_apis/wit/workItems/{workItemId}/comments/{commentId}'),
      wit('b70d8d39-926c-465e-b927-b1bf0e5ca0e0', 'recyclebin', '{project}/_apis/wit/recyclebin/{id}'),
      wit('6570bf97-d02c-4a91-8d93-3abe9895b1a9', 'updates', '{project}/_apis/wit/workItems/{id}/updates/{updateNumber}'),
      wit('a00c85a5-80fa-4565-99c3-bcd2181434bb', 'revisions', '{project}/_apis/wit/workItems/{id}/revisions/{revisionNumber}'),
    ],
  };
  private readonly wiqlLimit: number;

  constructor(options: WorkItemRoutesOptions = {}) {
    this.store = new WorkItemStore(options.projects ?? [{ name: 'Fabrikam-Fiber-Git' }], {
      ...(options.firstId ? { firstId: options.firstId } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
    this.identity = options.identity ?? vigilIdentity;
    this.wiqlLimit = options.wiqlLimit ?? 20_000;
  }

  // ── seeding and inspection ──────────────────────────────────────────────────────────────────
  /** Creates a work item as if someone had filed it before the test; returns its id. */
  seed(input: SeedWorkItem): number {
    const operations: JsonPatchOperation[] = [
      { op: 'add', path: '/fields/System.Title', value: input.title },
      ...Object.entries(input.fields ?? {}).map(([name, value]) => ({ op: 'add', path: `/fields/${name}`, value })),
      ...(input.tags?.length ? [{ op: 'add', path: '/fields/System.Tags', value: input.tags.join('; ') }] : []),
      ...(input.relations ?? []).map((value) => ({ op: 'add', path: '/relations/-', value })),
    ];
    return this.store.create(input.project, input.type, operations, input.by ?? jamalHartnett).id;
  }

  workItem(id: number): WorkItemSnapshot {
    const item = this.store.items.get(id);
    if (!item) throw new Error(`no work item ${id} in the loopback Azure DevOps`);
    return snapshot(this.store, item);
  }

  workItems(): WorkItemSnapshot[] {
    return [...this.store.items.values()].map((item) => snapshot(this.store, item));
  }

  as(identity: LoopbackIdentity): PersonActions {
    const store = this.store;
    const read = (id: number) => snapshot(store, store.items.get(id)!);
    return {
      update: (id, operations) => (store.update(id, operations, identity), read(id)),
      setFields: (id, fields) => (
        store.update(
          id,
          Object.entries(fields).map(([name, value]) => ({ op: 'replace', path: `/fields/${name}`, value })),
          identity,
        ),
        read(id)
      ),
      addTags: (id, tags) => (store.update(id, [{ op: 'add', path: '/fields/System.Tags', value: tags.join('; ') }], identity), read(id)),
      removeTags: (id, tags) => {
        const current = splitTags(store.latest(store.get(id)).fields['System.Tags']);
        const rest = current.filter((t) => !tags.some((r) => r.toLowerCase() === t.toLowerCase()));
        store.update(id, [{ op: 'replace', path: '/fields/System.Tags', value: joinTags(rest) }], identity);
        return read(id);
      },
      comment: (id, text) => void store.addComment(id, text, identity),
      delete: (id) => void store.delete(id, identity),
      restore: (id) => void store.restore(id, identity),
    };
  }

  // ── HTTP ────────────────────────────────────────────────────────────────────────────────────
  async handle(request: LoopbackRequest, res: http.ServerResponse): Promise<boolean> {
    const match = request.route.match(/^(?:\/([^/]+))?(?:\/([^/]+))?\/_apis\/wit\/(.+?)\/?$/i);
    if (!match) return false;
    const [, first, second, rest] = match;
    // `{project}/{team}/_apis/wit/wiql` carries a team; every other route at most a project.
    const project = first !== undefined && first.toLowerCase() !== '_apis' ? decodeURIComponent(first) : undefined;
    if (second !== undefined && !/^wiql$/i.test(rest)) return false;
    try {
      return this.route(request, res, project, rest);
    } catch (error) {
      if (error instanceof AdoRequestError) return error.send(res);
      throw error;
    }
  }

  private route(request: LoopbackRequest, res: http.ServerResponse, project: string | undefined, rest: string): boolean {
    const { method, url, orgUrl } = request;
    const query = url.searchParams;
    let m: RegExpMatchArray | null;
    if (project !== undefined) this.store.project(project); // 404 TF200016 for an unknown project

    if (method === 'POST' && (m = rest.match(/^workitems\/(?:\$|%24)(.+)$/i))) {
      const item = this.store.create(
        this.needProject(project),
        decodeURIComponent(m[1]),
        this.patchBody(request),
        this.identity,
        applyOptions(query),
      );
      return json(res, workItemJson(this.store, item, orgUrl, { expand: expandOf(query.get('$expand')), links: true, relations: true }));
    }
    if ((m = rest.match(/^workitems\/(\d+)$/i))) {
      const id = Number(m[1]);
      if (method === 'GET') return this.getOne(res, id, query, orgUrl);
      if (method === 'PATCH') {
        const item = this.store.update(id, this.patchBody(request), this.identity, applyOptions(query));
        return json(res, workItemJson(this.store, item, orgUrl, { expand: expandOf(query.get('$expand')), links: true, relations: true }));
      }
      if (method === 'DELETE') {
        const destroy = query.get('destroy') === 'true';
        const item = this.store.delete(id, this.identity, destroy);
        if (destroy) {
          res.writeHead(204);
          res.end();
          return true;
        }
        return json(res, deletedJson(this.store, item, orgUrl, false));
      }
    }
    if (method === 'GET' && /^workitems$/i.test(rest)) {
      const ids = (query.get('ids') ?? '').split(',').filter(Boolean).map(Number);
      return this.many(
        res,
        ids,
        {
          fields: query.get('fields')?.split(',').filter(Boolean),
          asOf: query.get('asOf') ?? undefined,
          expand: query.get('$expand'),
          errorPolicy: query.get('errorPolicy'),
        },
        orgUrl,
      );
    }
    if (method === 'POST' && /^workitemsbatch$/i.test(rest)) {
      const body = parseJson(request.body) as {
        ids?: number[];
        fields?: string[];
        asOf?: string;
        $expand?: unknown;
        errorPolicy?: unknown;
      };
      return this.many(
        res,
        body.ids ?? [],
        { fields: body.fields, asOf: body.asOf, expand: body.$expand, errorPolicy: body.errorPolicy },
        orgUrl,
      );
    }
    if (method === 'POST' && /^wiql$/i.test(rest)) return this.wiql(request, res, project);
    if (method === 'GET' && (m = rest.match(/^workitemtypes(?:\/([^/]+))?(?:\/(states|fields)(?:\/([^/]+))?)?$/i))) {
      const p = this.store.project(this.needProject(project));
      if (!m[1]) {
        const value = p.types.map((t) => typeJson(this.store, p, t, orgUrl));
        return json(res, { count: value.length, value });
      }
      const type = this.store.type(p.name, decodeURIComponent(m[1]));
      if (!m[2]) return json(res, typeJson(this.store, p, type, orgUrl));
      if (m[2].toLowerCase() === 'states') {
        const value = stateJson(type);
        return json(res, { count: value.length, value });
      }
      const expand = fieldExpandOf(query.get('$expand'));
      const fields = this.store.fieldsOf(type);
      if (m[3]) {
        const name = decodeURIComponent(m[3]).toLowerCase();
        const field = fields.find((f) => f.referenceName.toLowerCase() === name || f.name.toLowerCase() === name);
        if (!field)
          throw new AdoRequestError(
            404,
            'WorkItemTrackingFieldDefinitionNotFoundException',
            `TF51535: Cannot find field ${decodeURIComponent(m[3])}.`,
          );
        return json(res, typeFieldJson(field, orgUrl, expand));
      }
      const value = fields.map((f) => typeFieldJson(f, orgUrl, expand));
      return json(res, { count: value.length, value });
    }
    if ((m = rest.match(/^workitems\/(\d+)\/comments(?:\/(\d+))?$/i)))
      return this.comments(request, res, Number(m[1]), m[2] ? Number(m[2]) : undefined);
    if (method === 'GET' && (m = rest.match(/^workitems\/(\d+)\/(updates|revisions)(?:\/(\d+))?$/i))) {
      const item = this.store.get(Number(m[1]));
      const render = m[2].toLowerCase() === 'updates' ? updateJson : revisionJson;
      if (m[3]) {
        const revision = item.revisions.find((r) => r.rev === Number(m![3]));
        if (!revision)
          throw new AdoRequestError(
            404,
            'WorkItemRevisionNotFoundException',
            `VS402330: Revision ${m[3]} of work item ${item.id} does not exist.`,
          );
        return json(res, render(this.store, item, revision, orgUrl));
      }
      const skip = Number(query.get('$skip') ?? '0') || 0;
      const top = Number(query.get('$top') ?? '200') || 200;
      const value = item.revisions.slice(skip, skip + top).map((r) => render(this.store, item, r, orgUrl));
      return json(res, { count: value.length, value });
    }
    if ((m = rest.match(/^recyclebin(?:\/(\d+))?$/i))) return this.recycleBin(request, res, project, m[1] ? Number(m[1]) : undefined);
    return false;
  }

  private getOne(res: http.ServerResponse, id: number, query: URLSearchParams, orgUrl: string): boolean {
    const item = this.store.get(id);
    const asOf = query.get('asOf');
    const revision = asOf ? this.store.revisionAt(item, new Date(asOf)) : undefined;
    if (asOf && !revision)
      throw new AdoRequestError(
        404,
        'WorkItemUnauthorizedAccessException',
        `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`,
      );
    const fields = query.get('fields')?.split(',').filter(Boolean);
    return json(
      res,
      workItemJson(this.store, item, orgUrl, {
        expand: expandOf(query.get('$expand')),
        links: true,
        ...(fields ? { fields } : {}),
        ...(revision ? { revision } : {}),
      }),
    );
  }

  private many(
    res: http.ServerResponse,
    ids: number[],
    options: { fields?: string[]; asOf?: string; expand?: unknown; errorPolicy?: unknown },
    orgUrl: string,
  ): boolean {
    if (ids.length > 200)
      throw new AdoRequestError(
        400,
        'WorkItemsBatchSizeExceededException',
        `VS403474: You requested ${ids.length} work items which exceeds the limit of 200`,
      );
    // errorPolicy: Fail (1, the default) answers 404 for the first missing id; Omit (2) answers null in its place.
    const omit = ['omit', '2'].includes(String(options.errorPolicy ?? '').toLowerCase());
    const expand = expandOf(options.expand);
    if (options.fields?.length && expand !== 'none')
      throw new AdoRequestError(
        400,
        'ConflictingParametersException',
        'VS403437: The expand parameter can not be used with the fields parameter.',
      );
    const value = ids.map((id) => {
      const item = this.store.items.get(id);
      if (!item || item.deleted) {
        if (omit) return null;
        throw new AdoRequestError(
          404,
          'WorkItemUnauthorizedAccessException',
          `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`,
        );
      }
      const revision = options.asOf ? this.store.revisionAt(item, new Date(options.asOf)) : undefined;
      if (options.asOf && !revision) return null;
      return workItemJson(this.store, item, orgUrl, {
        expand,
        ...(options.fields?.length ? { fields: options.fields } : {}),
        ...(revision ? { revision } : {}),
      });
    });
    return json(res, { count: value.length, value });
  }

  private wiql(request: LoopbackRequest, res: http.ServerResponse, project: string | undefined): boolean {
    const body = parseJson(request.body) as { query?: unknown };
    if (typeof body.query !== 'string' || !body.query.trim())
      throw new AdoRequestError(400, 'ArgumentNullException', 'Value cannot be null.\r\nParameter name: wiql', { namespace: 'System' });
    const query = request.url.searchParams;
    const fieldNames = new Map<string, string>();
    for (const p of this.store.projectList())
      for (const t of p.types)
        for (const f of this.store.fieldsOf(t)) {
          fieldNames.set(f.referenceName.toLowerCase(), f.referenceName);
          fieldNames.set(f.name.toLowerCase(), f.referenceName);
        }
    const context = {
      ...(project ? { project: this.store.project(project).name } : {}),
      me: this.identity.displayName,
      timePrecision: query.get('timePrecision') === 'true',
      now: new Date(this.store.now()),
      resolveField: (name: string) => fieldNames.get(name.toLowerCase()),
    };
    const parsed = parseWiql(body.query, context);
    const rows: WiqlRow[] = [...this.store.items.values()]
      .filter((item) => !item.deleted)
      .map((item) => {
        const fields = this.store.latest(item).fields;
        return {
          id: item.id,
          field: (name: string) => {
            const v = fields[name];
            return typeof v === 'object' && v !== null && 'displayName' in v ? identityText(v as LoopbackIdentity) : v;
          },
        };
      });
    let ids = runWiql(parsed, rows, context);
    const top = query.get('$top');
    if (top !== null) ids = ids.slice(0, Number(top) || 0);
    else if (ids.length > this.wiqlLimit) {
      throw new AdoRequestError(
        400,
        'WorkItemTrackingQueryResultSizeLimitExceededException',
        `VS402337: The number of work items returned exceeds the size limit of ${this.wiqlLimit}. Change the query to return fewer work items.`,
      );
    }
    const column = (referenceName: string) => {
      const definition = [...this.store.projectList()]
        .flatMap((p) => p.types)
        .flatMap((t) => this.store.fieldsOf(t))
        .find((f) => f.referenceName === referenceName);
      return { referenceName, name: definition?.name ?? referenceName, url: `${request.orgUrl}/_apis/wit/fields/${referenceName}` };
    };
    return json(res, {
      queryType: 'flat',
      queryResultType: 'workItem',
      asOf: context.now.toISOString(),
      columns: parsed.columns.map(column),
      sortColumns: parsed.orderBy.map((o) => ({ field: column(o.field), descending: o.descending })),
      workItems: ids.map((id) => ({ id, url: workItemUrl(request.orgUrl, id) })),
    });
  }

  private comments(request: LoopbackRequest, res: http.ServerResponse, id: number, commentId: number | undefined): boolean {
    const { method, orgUrl } = request;
    const item = this.store.get(id);
    if (commentId === undefined && method === 'POST') {
      const body = parseJson(request.body) as { text?: unknown };
      if (typeof body.text !== 'string' || !body.text)
        throw new AdoRequestError(400, 'ArgumentNullException', 'Value cannot be null.\r\nParameter name: request.Text', {
          namespace: 'System',
        });
      return json(res, commentJson(item, this.store.addComment(id, body.text, this.identity), orgUrl));
    }
    if (commentId === undefined && method === 'GET') {
      const query = request.url.searchParams;
      const includeDeleted = query.get('includeDeleted') === 'true';
      const ascending = (query.get('order') ?? 'desc').toLowerCase() === 'asc' || query.get('order') === '1';
      const all = item.comments
        .filter((c) => includeDeleted || !c.isDeleted)
        .sort((a, b) => (ascending ? a.commentId - b.commentId : b.commentId - a.commentId));
      const top = Math.min(Number(query.get('$top') ?? query.get('top') ?? '200') || 200, 200);
      const start = Number(query.get('continuationToken') ?? '0') || 0;
      const page = all.slice(start, start + top);
      const more = start + top < all.length;
      const next = new URL(`${request.url.pathname}${request.url.search}`, new URL(orgUrl).origin);
      next.searchParams.set('continuationToken', String(start + top));
      return json(res, {
        totalCount: all.length,
        count: page.length,
        comments: page.map((c) => commentJson(item, c, orgUrl)),
        ...(more ? { nextPage: next.toString(), continuationToken: String(start + top) } : {}),
      });
    }
    if (commentId !== undefined) {
      const comment = item.comments.find((c) => c.commentId === commentId && !c.isDeleted);
      if (!comment)
        throw new AdoRequestError(
          404,
          'WorkItemCommentNotFoundException',
          `VS403408: Comment ${commentId} of work item ${id} does not exist.`,
        );
      if (method === 'GET') return json(res, commentJson(item, comment, orgUrl));
      if (method === 'PATCH') {
        const body = parseJson(request.body) as { text?: unknown };
        return json(res, commentJson(item, this.store.updateComment(id, commentId, String(body.text ?? ''), this.identity), orgUrl));
      }
      if (method === 'DELETE') {
        this.store.deleteComment(id, commentId, this.identity);
        res.writeHead(200, { 'content-length': '0' });
        res.end();
        return true;
      }
    }
    return false;
  }

  private recycleBin(request: LoopbackRequest, res: http.ServerResponse, project: string | undefined, id: number | undefined): boolean {
    const { method, orgUrl } = request;
    if (id === undefined) {
      if (method !== 'GET') return false;
      const ids = request.url.searchParams.get('ids')?.split(',').filter(Boolean).map(Number);
      const deleted = [...this.store.items.values()].filter(
        (i) =>
          i.deleted &&
          (!project || i.project.name.toLowerCase() === this.store.project(project).name.toLowerCase()) &&
          (!ids || ids.includes(i.id)),
      );
      const value = ids
        ? deleted.map((i) => deletedJson(this.store, i, orgUrl, true))
        : deleted.map((i) => ({ id: i.id, url: `${orgUrl}/${i.project.id}/_apis/wit/recyclebin/${i.id}` }));
      return json(res, { count: value.length, value });
    }
    if (method === 'GET') return json(res, deletedJson(this.store, this.store.deletedItem(id), orgUrl, true));
    if (method === 'PATCH') {
      const body = parseJson(request.body) as { isDeleted?: unknown };
      if (body.isDeleted !== false)
        throw new AdoRequestError(400, 'ArgumentException', 'VS403432: Only restoring a work item (isDeleted: false) is supported.', {
          namespace: 'System',
        });
      const item = this.store.restore(id, this.identity);
      return json(res, { ...deletedJson(this.store, item, orgUrl, false), url: workItemUrl(orgUrl, id) });
    }
    if (method === 'DELETE') {
      this.store.deletedItem(id);
      this.store.delete(id, this.identity, true);
      res.writeHead(204);
      res.end();
      return true;
    }
    return false;
  }

  private needProject(project: string | undefined): string {
    if (!project)
      throw new AdoRequestError(400, 'ArgumentNullException', 'Value cannot be null.\r\nParameter name: project', { namespace: 'System' });
    return project;
  }

  private patchBody(request: LoopbackRequest): JsonPatchOperation[] {
    const body = parseJson(request.body);
    if (!Array.isArray(body))
      throw new AdoRequestError(400, 'VssPropertyValidationException', 'You must pass a valid patch document in the body of the request.', {
        namespace: 'Microsoft.VisualStudio.Services.Common',
      });
    return body as JsonPatchOperation[];
  }
}

function applyOptions(query: URLSearchParams): ApplyOptions {
  return { bypassRules: query.get('bypassRules') === 'true', validateOnly: query.get('validateOnly') === 'true' };
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new AdoRequestError(400, 'VssRequestContentException', 'The request body is not valid JSON.', {
      namespace: 'Microsoft.VisualStudio.Services.WebApi',
    });
  }
}

function json(res: http.ServerResponse, body: unknown): boolean {
  sendJson(res, 200, body);
  return true;
}

function displayOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'displayName' in value ? (value as LoopbackIdentity).displayName : value;
}

export function snapshot(store: WorkItemStore, item: StoredWorkItem): WorkItemSnapshot {
  const latest = store.latest(item);
  const fields = Object.fromEntries(Object.entries(latest.fields).map(([k, v]) => [k, displayOf(v)]));
  return {
    id: item.id,
    rev: latest.rev,
    project: item.project.name,
    type: String(latest.fields['System.WorkItemType']),
    state: String(latest.fields['System.State']),
    title: String(latest.fields['System.Title'] ?? ''),
    tags: splitTags(latest.fields['System.Tags']),
    fields,
    relations: latest.relations.map((r) => ({ ...r })),
    comments: item.comments.filter((c) => !c.isDeleted).map((c) => ({ text: c.text, by: c.createdBy.displayName })),
    changedBy: String(displayOf(latest.fields['System.ChangedBy'])),
    deleted: item.deleted !== undefined,
  };
}
