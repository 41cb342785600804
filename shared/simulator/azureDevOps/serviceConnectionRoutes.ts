import type * as http from 'node:http';
import { fixtureBody, type LoopbackExtension, type LoopbackRequest, projectIdFor, routeLocation, sendJson } from './azureDevOpsServer';

/**
 * Service connections for the loopback Azure DevOps, from per-test data: an endpoint by id and
 * the project's list, its pipeline permissions, its execution history and its approvals and
 * checks. Every answer is built from a recorded shape in test/fixtures/azure-devops/rest/ with
 * the test's values put in, so each audit check can be made to pass and fail through the real
 * client. Tests change a connection between audits with `update`.
 */

export type EndpointJson = Record<string, unknown> & { id: string; name: string };

export interface LoopbackServiceConnection {
  /** The endpoint as the API answers it: build it with the functions below. */
  endpoint: EndpointJson;
  /** Projects (name or id) whose list includes it; those of its `serviceEndpointProjectReferences` when absent. */
  projects?: string[];
  /** `allPipelines.authorized`; the answer has no `allPipelines` when undefined (as for a new connection). */
  allPipelines?: boolean;
  /** Pipelines authorised one by one. */
  pipelines?: number[];
  /** Newest first; a use without `finishTime` is running. */
  executions?: Array<{ finishTime?: string }>;
  /** Check configurations (see `approvalCheck`, `branchControlCheck`, `businessHoursCheck`). */
  checks?: Array<Record<string, unknown>>;
  /** Answer this status instead, as for an identity that lacks the permission. */
  refuse?: Partial<Record<'pipelinePermissions' | 'executionHistory' | 'checks', 403 | 404>>;
}

export class ServiceConnectionRoutes implements LoopbackExtension {
  private readonly connections = new Map<string, LoopbackServiceConnection>();

  /** node-api's route for `getServiceEndpointExecutionRecords` (location id from ServiceEndpointApiBase.js). */
  readonly locations = {
    serviceendpoint: [
      routeLocation(
        '10a16738-9299-4cd1-9a81-fd23ad6200d0',
        'serviceendpoint',
        'executionhistory',
        '{project}/_apis/serviceendpoint/{endpointId}/{resource}',
      ),
    ],
  };

  constructor(connections: LoopbackServiceConnection[] = []) {
    for (const connection of connections) this.set(connection);
  }

  set(connection: LoopbackServiceConnection): void {
    this.connections.set(connection.endpoint.id, structuredClone(connection));
  }

  /** Change a connection in place (the next audit sees the change). */
  update(id: string, change: (connection: LoopbackServiceConnection) => void): void {
    const connection = this.connections.get(id);
    if (!connection) throw new Error(`no loopback service connection ${id}`);
    change(connection);
  }

  remove(id: string): void {
    this.connections.delete(id);
  }

  handle(request: LoopbackRequest, res: http.ServerResponse): boolean {
    const route = request.projectRoute;
    if (request.method !== 'GET' || !route || !request.project) return false;
    let match: RegExpMatchArray | null;
    if (/^\/_apis\/serviceendpoint\/endpoints\/?$/i.test(route)) {
      const value = [...this.connections.values()].filter((c) => listedIn(c, request.project!)).map((c) => c.endpoint);
      sendJson(res, 200, { count: value.length, value });
      return true;
    }
    if ((match = route.match(/^\/_apis\/serviceendpoint\/endpoints\/([^/]+)\/?$/i))) {
      const connection = this.connections.get(decodeURIComponent(match[1]));
      if (!connection) sendJson(res, 404, { message: `Service connection ${match[1]} not found.` });
      else sendJson(res, 200, connection.endpoint);
      return true;
    }
    if ((match = route.match(/^\/_apis\/serviceendpoint\/([^/]+)\/executionhistory\/?$/i))) {
      return this.answer(res, decodeURIComponent(match[1]), 'executionHistory', (c) => {
        const top = Number(request.url.searchParams.get('top') ?? '50') || 50;
        const value = executionHistoryAnswer(c).slice(0, top);
        return { count: value.length, value };
      });
    }
    if ((match = route.match(/^\/_apis\/pipelines\/pipelinePermissions\/endpoint\/([^/]+)\/?$/i))) {
      return this.answer(res, decodeURIComponent(match[1]), 'pipelinePermissions', (c) => pipelinePermissionsAnswer(c));
    }
    if (/^\/_apis\/pipelines\/checks\/configurations\/?$/i.test(route)) {
      const query = request.url.searchParams;
      if (query.get('resourceType') !== 'endpoint') return false;
      return this.answer(res, query.get('resourceId') ?? '', 'checks', (c) => {
        // Without $expand=settings Azure DevOps leaves the settings out, approvers and branches with them.
        const expand = query.get('$expand') === 'settings';
        const value = (c.checks ?? []).map((check) => (expand ? check : withoutSettings(check)));
        return { count: value.length, value };
      });
    }
    return false;
  }

  private answer(
    res: http.ServerResponse,
    endpointId: string,
    part: keyof NonNullable<LoopbackServiceConnection['refuse']>,
    body: (connection: LoopbackServiceConnection) => unknown,
  ): boolean {
    const connection = this.connections.get(endpointId);
    if (!connection) {
      sendJson(res, 404, { message: `Service connection ${endpointId} not found.` });
      return true;
    }
    const refused = connection.refuse?.[part];
    if (refused) sendJson(res, refused, { message: `TF400813: The user is not authorized to access this resource (${part}).` });
    else sendJson(res, 200, body(connection));
    return true;
  }
}

function listedIn(connection: LoopbackServiceConnection, project: string): boolean {
  const references =
    (connection.endpoint.serviceEndpointProjectReferences as Array<{ projectReference?: { id?: string; name?: string } }> | undefined) ??
    [];
  const projects =
    connection.projects ?? references.flatMap((r) => [r.projectReference?.name, r.projectReference?.id]).filter((p): p is string => !!p);
  return projects.some((p) => p === project || projectIdFor(p) === project);
}

function withoutSettings(check: Record<string, unknown>): Record<string, unknown> {
  const { settings: _settings, ...rest } = check;
  return rest;
}

// ── answers built from recorded shapes ──────────────────────────────────────────────────────────

type Json = Record<string, unknown>;

const recorded = (name: string): Json => structuredClone(fixtureBody(name)) as Json;

/** The pipeline permissions answer for a connection. */
export function pipelinePermissionsAnswer(connection: LoopbackServiceConnection): Json {
  // pipelinepermissions.get.json: the recorded answer lists pipelines like these (no published example has allPipelines).
  const [template] = (recorded('pipelinepermissions.get.json').pipelines as Json[]) ?? [];
  return {
    resource: { type: 'endpoint', id: connection.endpoint.id },
    pipelines: (connection.pipelines ?? []).map((id) => ({ ...template, id, authorized: true })),
    ...(connection.allPipelines === undefined
      ? {}
      : {
          allPipelines: { authorized: connection.allPipelines, authorizedBy: template?.authorizedBy, authorizedOn: '2026-01-05T08:00:00Z' },
        }),
  };
}

/** The execution history records for a connection, newest first. */
export function executionHistoryAnswer(connection: LoopbackServiceConnection): Json[] {
  return (connection.executions ?? []).map((e, index) => executionRecord(connection.endpoint.id, index + 1, e.finishTime));
}

function executionRecord(endpointId: string, id: number, finishTime: string | undefined): Json {
  // serviceendpoint.executionhistory.list.json
  const [template] = recorded('serviceendpoint.executionhistory.list.json').value as Json[];
  const data: Json = { ...(template.data as Json), id };
  if (finishTime) {
    data.finishTime = finishTime;
    data.startTime = new Date(Date.parse(finishTime) - 60_000).toISOString();
  } else {
    delete data.finishTime;
    delete data.result;
    data.startTime = '2026-11-20T09:59:00.000Z';
  }
  return { endpointId, data };
}

export interface AzureRmOptions {
  id: string;
  name: string;
  scheme?: 'ServicePrincipal' | 'WorkloadIdentityFederation' | 'ManagedServiceIdentity' | 'PublishProfile';
  /** Only for ServicePrincipal; undefined leaves the parameter out (older connections). */
  authenticationType?: 'spnKey' | 'spnCertificate';
  scopeLevel?: 'Subscription' | 'ManagementGroup' | 'AzureMLWorkspace';
  /** A resource group scope: `/subscriptions/{id}/resourcegroups/{name}`. */
  scope?: string;
  creationMode?: 'Automatic' | 'Manual';
  subscriptionName?: string;
  managementGroupName?: string;
  projects?: string[];
  /** Put into `authorization.parameters.serviceprincipalkey`, as a careless API might: the audit must never keep it. */
  secret?: string;
  creationDate?: string;
}

/** An Azure Resource Manager connection, after serviceendpoint.endpoint.create-azurerm.json. */
export function azureRmEndpoint(options: AzureRmOptions): EndpointJson {
  const body = recorded('serviceendpoint.endpoint.create-azurerm.json');
  const scheme = options.scheme ?? 'ServicePrincipal';
  const recordedParameters = (body.authorization as { parameters: Json }).parameters;
  const parameters: Json = { tenantid: recordedParameters.tenantid };
  if (scheme === 'ServicePrincipal' || scheme === 'WorkloadIdentityFederation')
    parameters.serviceprincipalid = recordedParameters.serviceprincipalid;
  if (scheme === 'ServicePrincipal') {
    if (options.authenticationType) parameters.authenticationType = options.authenticationType;
    parameters.serviceprincipalkey = options.secret ?? null;
  } else if (options.secret) {
    parameters.serviceprincipalkey = options.secret;
  }
  if (scheme === 'WorkloadIdentityFederation') {
    parameters.workloadIdentityFederationIssuer = 'https://vstoken.dev.azure.com/00000000-0000-4000-8000-000000000001';
    parameters.workloadIdentityFederationSubject = `sc://contoso/web/${options.name}`;
  }
  if (options.scope) parameters.scope = options.scope;
  const data: Json = { ...(body.data as Json), creationMode: options.creationMode ?? 'Automatic' };
  if (options.scopeLevel) data.scopeLevel = options.scopeLevel;
  else delete data.scopeLevel;
  if (options.subscriptionName) data.subscriptionName = options.subscriptionName;
  if (options.scopeLevel === 'ManagementGroup') {
    delete data.subscriptionId;
    delete data.subscriptionName;
    data.managementGroupId = 'contoso-root';
    data.managementGroupName = options.managementGroupName ?? 'Contoso root';
  }
  return {
    ...body,
    id: options.id,
    name: options.name,
    data,
    authorization: { parameters, scheme },
    serviceEndpointProjectReferences: projectReferences(options.projects, options.name),
    ...(options.creationDate ? { creationDate: options.creationDate } : {}),
  };
}

export interface GenericOptions {
  id: string;
  name: string;
  type?: string;
  url?: string;
  scheme?: string;
  projects?: string[];
  /** A password parameter, as a careless API might return it. */
  secret?: string;
  creationDate?: string;
}

/** Any other connection type, after the Generic one in serviceendpoint.endpoints.list.json. */
export function genericEndpoint(options: GenericOptions): EndpointJson {
  const [body] = recorded('serviceendpoint.endpoints.list.json').value as Json[];
  const parameters: Json = { ...((body.authorization as { parameters: Json }).parameters ?? {}) };
  if (options.secret) parameters.password = options.secret;
  return {
    ...body,
    id: options.id,
    name: options.name,
    type: options.type ?? body.type,
    url: options.url ?? body.url,
    authorization: { parameters, scheme: options.scheme ?? (body.authorization as Json).scheme },
    serviceEndpointProjectReferences: projectReferences(options.projects, options.name),
    ...(options.creationDate ? { creationDate: options.creationDate } : {}),
  };
}

/** A classic Azure (ASM) connection, after serviceendpoint.endpoints.list-by-type.json. */
export function classicAzureEndpoint(options: {
  id: string;
  name: string;
  scheme?: 'Certificate' | 'UsernamePassword';
  projects?: string[];
}): EndpointJson {
  const [body] = recorded('serviceendpoint.endpoints.list-by-type.json').value as Json[];
  return {
    ...body,
    id: options.id,
    name: options.name,
    authorization: { scheme: options.scheme ?? 'Certificate' },
    serviceEndpointProjectReferences: projectReferences(options.projects, options.name),
  };
}

function projectReferences(projects: string[] | undefined, name: string): Json[] {
  return (projects ?? ['web']).map((project) => ({ projectReference: { id: projectIdFor(project), name: project }, name }));
}

/** An Approval check, after checks.configuration.create-approval.json. */
export function approvalCheck(endpointId: string, id = 19): Json {
  return { ...recorded('checks.configuration.create-approval.json'), id, resource: { type: 'endpoint', id: endpointId, name: endpointId } };
}

/** A Business hours task check (not an approval, not a branch control), after checks.configuration.create-task-check.json. */
export function businessHoursCheck(endpointId: string, id = 23): Json {
  return {
    ...recorded('checks.configuration.create-task-check.json'),
    id,
    resource: { type: 'endpoint', id: endpointId, name: endpointId },
  };
}

/**
 * A Branch control check: the recorded task check with the branch control task in it. No published
 * example exists; its task id and name are those the Azure DevOps UI and ADOScanner use.
 */
export function branchControlCheck(endpointId: string, allowedBranches: string, id = 31): Json {
  const check = businessHoursCheck(endpointId, id);
  return {
    ...check,
    settings: {
      displayName: 'Branch control',
      definitionRef: { id: '86b05a0c-73e6-4f7d-b3cf-e38f3b39a75b', name: 'evaluatebranchProtection', version: '0.0.1' },
      inputs: { allowedBranches, ensureProtectionOfBranch: 'true', allowUnknownStatusBranch: 'false' },
      retryInterval: 5,
    },
  };
}
