import { describe, expect, it } from 'vitest';
import { project, useLoopbackAzureDevOps } from '../../support/azureDevOps/loopbackConnection';

/** The service endpoints client (service connections and who may use them) against the loopback Azure DevOps. */
const { server, connect } = useLoopbackAzureDevOps();

describe('the service endpoints client against the loopback Azure DevOps', () => {
  it('lists service connections and their pipeline permissions', async () => {
    const ado = await server({ openEndpoints: { '5e47a0d8-c745-44f8-8f93-784f18ff31c4': true } });
    const client = (await connect(ado)).serviceEndpoints;
    const endpoints = await client.listServiceEndpoints(project);
    expect(endpoints.map((e) => e.id)).toEqual(['5e47a0d8-c745-44f8-8f93-784f18ff31c4']);
    expect(ado.callsTo('/_apis/serviceendpoint/endpoints', 'GET')[0]?.query.includeDetails).toBe('true');
    const permissions = await client.getPipelinePermissionsForEndpoint(project, endpoints[0].id ?? '');
    expect(permissions.allPipelines?.authorized).toBe(true);
    expect(permissions.resource).toEqual({ type: 'endpoint', id: '5e47a0d8-c745-44f8-8f93-784f18ff31c4' });
    expect(ado.callsTo('/pipelinePermissions/endpoint/')[0]?.query['api-version']).toBe('7.1-preview.1');
  });
});
