import { scrubSecrets } from '../logging';
import type { AzureDevOpsTransport } from './azureDevOpsTransport';
import { WorkItemRequestRefusedError } from './errors';
import { HttpAnswerError } from './httpAnswers';

/**
 * Azure Boards work items (`_apis/wit`), for the risk ⇄ work item sync (docs/work-items.md):
 * create and update with JSON Patch (`application/json-patch+json`, which node-api's typed client
 * does not send as Azure DevOps wants it), read one or up to 200 at once, WIQL, and a type's
 * states and fields. Every call is a raw request on the shared transport (retries, throttling,
 * error mapping), so no route look-up is ever sent. A 412 on an update whose patch tests `/rev`
 * is an AzureDevOpsConflictError: read again and write again. A 400, 403 or 404 that names what
 * is wrong is a WorkItemRequestRefusedError with Azure DevOps' code.
 */
export interface WorkItem {
  id: number;
  rev: number;
  /** Field values by reference name; identities as IdentityRef objects (`{ id, displayName, uniqueName }`). */
  fields: Record<string, unknown>;
  relations?: Array<{ rel: string; url: string; attributes?: Record<string, unknown> }>;
  url?: string;
  _links?: { html?: { href?: string } };
}

export interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test';
  path: string;
  value?: unknown;
}

export interface WorkItemTypeState {
  name: string;
  /** Proposed, InProgress, Resolved, Completed or Removed. */
  category: string;
}

export interface WorkItemTypeField {
  referenceName: string;
  name: string;
  alwaysRequired: boolean;
  defaultValue?: unknown;
  allowedValues: string[];
}

export interface WorkItemsClient {
  /** `POST {project}/_apis/wit/workitems/${type}`. */
  createWorkItem(project: string, type: string, operations: JsonPatchOperation[]): Promise<WorkItem>;
  /** `PATCH _apis/wit/workitems/{id}`; put `{ op: 'test', path: '/rev', value }` first to write only over what was read. */
  updateWorkItem(id: number, operations: JsonPatchOperation[]): Promise<WorkItem>;
  /** One work item with its relations; undefined when it does not exist or is in the recycle bin. */
  getWorkItem(id: number): Promise<WorkItem | undefined>;
  /** Many work items, 200 ids a request (Azure DevOps' limit), only `fields`; a deleted one is undefined in its place. */
  getWorkItems(ids: readonly number[], fields: readonly string[]): Promise<Array<WorkItem | undefined>>;
  /** The ids a flat WIQL query selects, in its order (at most `top`; without it Azure DevOps refuses more than 20,000). */
  queryIds(wiql: string, options?: { top?: number }): Promise<number[]>;
  getTypeStates(project: string, type: string): Promise<WorkItemTypeState[]>;
  getTypeFields(project: string, type: string): Promise<WorkItemTypeField[]>;
}

/** Azure DevOps' limit on ids per `workitemsbatch` request (VS403474 beyond it). */
export const workItemBatchLimit = 200;
const jsonPatch = 'application/json-patch+json';

export function createWorkItemsClient(transport: AzureDevOpsTransport): WorkItemsClient {
  const segment = (text: string) => encodeURIComponent(text);
  /** Runs one request inside the transport's retry loop; a refusal that names what is wrong becomes a WorkItemRequestRefusedError. */
  const request = <T>(
    resource: string,
    idempotent: boolean,
    send: () => Promise<T | undefined>,
    options: { absentOn404?: boolean } = {},
  ): Promise<T | undefined> =>
    transport.call({ resource, idempotent }, async () => {
      try {
        return await send();
      } catch (error) {
        if (error instanceof HttpAnswerError && error.statusCode === 404 && options.absentOn404) return undefined;
        if (error instanceof HttpAnswerError && (error.statusCode === 400 || error.statusCode === 403 || error.statusCode === 404)) {
          const message = oneLine(error.message);
          throw new WorkItemRequestRefusedError(
            transport.organization,
            resource,
            error.statusCode,
            /^(TF|VS)\d+/.exec(message)?.[0],
            message,
          );
        }
        throw error;
      }
    });
  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new WorkItemRequestRefusedError(transport.organization, what, 404, undefined, 'empty answer');
    return value;
  };

  return {
    async createWorkItem(project, type, operations) {
      const resource = `a new ${type} in project '${project}'`;
      // Not idempotent: a create repeated after a lost answer would make a second work item; the sync recovers by its marker tag instead.
      return required(
        await request(resource, false, () =>
          transport.send<WorkItem>('POST', `${segment(project)}/_apis/wit/workitems/$${segment(type)}`, {}, operations, {
            contentType: jsonPatch,
          }),
        ),
        resource,
      );
    },

    async updateWorkItem(id, operations) {
      const resource = `work item ${id}`;
      return required(
        await request(resource, true, () =>
          transport.send<WorkItem>('PATCH', `_apis/wit/workitems/${id}`, {}, operations, { contentType: jsonPatch }),
        ),
        resource,
      );
    },

    getWorkItem: (id) =>
      request(`work item ${id}`, true, () => transport.send<WorkItem>('GET', `_apis/wit/workitems/${id}`, { $expand: 'relations' }), {
        absentOn404: true,
      }),

    async getWorkItems(ids, fields) {
      const found: Array<WorkItem | undefined> = [];
      for (let start = 0; start < ids.length; start += workItemBatchLimit) {
        const batch = ids.slice(start, start + workItemBatchLimit);
        const answer = await request(`${batch.length} work item(s)`, true, () =>
          transport.send<{ value?: Array<WorkItem | null> }>(
            'POST',
            '_apis/wit/workitemsbatch',
            {},
            { ids: batch, fields, errorPolicy: 'omit' },
          ),
        );
        const byId = new Map((answer?.value ?? []).flatMap((item) => (item ? [[item.id, item] as const] : [])));
        for (const id of batch) found.push(byId.get(id));
      }
      return found;
    },

    async queryIds(wiql, options = {}) {
      const answer = await request('a WIQL query', true, () =>
        transport.send<{ workItems?: Array<{ id: number }> }>('POST', '_apis/wit/wiql', options.top ? { $top: String(options.top) } : {}, {
          query: wiql,
        }),
      );
      return (answer?.workItems ?? []).map((item) => item.id);
    },

    async getTypeStates(project, type) {
      const resource = `the states of work item type '${type}' in project '${project}'`;
      const answer = await request(resource, true, () =>
        transport.send<{ value?: WorkItemTypeState[] }>('GET', `${segment(project)}/_apis/wit/workitemtypes/${segment(type)}/states`),
      );
      return (answer?.value ?? []).map((state) => ({ name: state.name, category: state.category }));
    },

    async getTypeFields(project, type) {
      const resource = `the fields of work item type '${type}' in project '${project}'`;
      const answer = await request(resource, true, () =>
        transport.send<{ value?: Array<Partial<WorkItemTypeField> & { referenceName: string; allowedValues?: unknown[] }> }>(
          'GET',
          `${segment(project)}/_apis/wit/workitemtypes/${segment(type)}/fields`,
          { $expand: 'allowedValues' },
        ),
      );
      return (answer?.value ?? []).map((field) => ({
        referenceName: field.referenceName,
        name: field.name ?? field.referenceName,
        alwaysRequired: field.alwaysRequired === true,
        ...(field.defaultValue !== undefined && field.defaultValue !== null ? { defaultValue: field.defaultValue } : {}),
        allowedValues: (field.allowedValues ?? []).filter((value): value is string => typeof value === 'string'),
      }));
    },
  };
}

function oneLine(text: string): string {
  const line = scrubSecrets(text).replace(/\s+/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}
