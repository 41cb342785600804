import type { ServiceEndpoint, ServiceEndpointExecutionRecord } from 'azure-devops-node-api/interfaces/ServiceEndpointInterfaces';
import type { AzureDevOpsTransport } from './azureDevOpsTransport';

export type { ServiceEndpoint, ServiceEndpointExecutionRecord };

/** `GET {project}/_apis/pipelines/pipelinePermissions/endpoint/{id}` (no node-api method). */
export interface ResourcePipelinePermissions {
  resource?: { type?: string; id?: string };
  allPipelines?: { authorized?: boolean; authorizedBy?: unknown; authorizedOn?: string };
  pipelines?: Array<{ id: number; authorized?: boolean; authorizedBy?: unknown; authorizedOn?: string }>;
}

/** Service connections and who may use them: pipeline permissions, approvals and checks, execution history. */
export interface ServiceEndpointsClient {
  listServiceEndpoints(project: string): Promise<ServiceEndpoint[]>;
  /** One service connection by id, without confidential data (PermanentError when it does not exist). */
  getServiceEndpoint(project: string, endpointId: string): Promise<ServiceEndpoint>;
  getPipelinePermissionsForEndpoint(project: string, endpointId: string): Promise<ResourcePipelinePermissions>;
  /** The newest `top` uses of a service connection, newest first (`executionhistory`). */
  listServiceEndpointExecutions(project: string, endpointId: string, top: number): Promise<ServiceEndpointExecutionRecord[]>;
  /** The approvals and checks on a resource, settings included (`pipelines/checks/configurations`); raw JSON, validate before use. */
  listCheckConfigurations(project: string, resourceType: string, resourceId: string): Promise<Array<Record<string, unknown>>>;
}

const pipelinePermissionsApiVersion = '7.1-preview.1';

export function createServiceEndpointsClient(transport: AzureDevOpsTransport): ServiceEndpointsClient {
  const endpoints = () => transport.serviceEndpointApi();
  return {
    listServiceEndpoints: (project) =>
      transport.callTyped({ resource: `service connections of project '${project}'` }, async () =>
        (await endpoints()).getServiceEndpoints(project, undefined, undefined, undefined, undefined, undefined, true),
      ),

    // No actionFilter and no loadConfidentialData: the audit needs settings, never credentials.
    getServiceEndpoint: (project, endpointId) =>
      transport.callTyped({ resource: `service connection ${endpointId} in project '${project}'` }, async () =>
        (await endpoints()).getServiceEndpointDetails(project, endpointId),
      ),

    getPipelinePermissionsForEndpoint: (project, endpointId) =>
      transport.call({ resource: `pipeline permissions of service connection ${endpointId} in project '${project}'` }, () =>
        transport.getJson<ResourcePipelinePermissions>(
          `${encodeURIComponent(project)}/_apis/pipelines/pipelinePermissions/endpoint/${encodeURIComponent(endpointId)}`,
          { 'api-version': pipelinePermissionsApiVersion },
        ),
      ),

    async listServiceEndpointExecutions(project, endpointId, top) {
      const records = await transport.callTyped(
        { resource: `execution history of service connection ${endpointId} in project '${project}'` },
        async () => (await endpoints()).getServiceEndpointExecutionRecords(project, endpointId, top),
      );
      return [...records];
    },

    async listCheckConfigurations(project, resourceType, resourceId) {
      // No node-api method; `$expand=settings` is what carries the approvers and the allowed branches.
      const list = await transport.call({ resource: `checks on ${resourceType} ${resourceId} in project '${project}'` }, () =>
        transport.getJson<{ value?: Array<Record<string, unknown>> }>(
          `${encodeURIComponent(project)}/_apis/pipelines/checks/configurations`,
          {
            resourceType,
            resourceId,
            $expand: 'settings',
            'api-version': '7.1-preview.1', // the Approvals and Checks area has no GA version
          },
        ),
      );
      return list.value ?? [];
    },
  };
}
