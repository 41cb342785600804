import { describe, expect, it } from 'vitest';
import { AzureDevOpsConflictError, WorkItemRequestRefusedError } from '../../../shared/devops/errors';
import { connectionDataRoutes, person } from '../../support/azureDevOps/identities';
import { rejection, useLoopbackAzureDevOps } from '../../support/azureDevOps/loopbackConnection';
import { WorkItemRoutes } from '../../support/azureDevOps/workItemRoutes';

/** The work items client against the loopback Azure Boards, on the shared transport. */
const { server, connect } = useLoopbackAzureDevOps();
const dana = person('Dana Reviewer');

async function boards(options: ConstructorParameters<typeof WorkItemRoutes>[0] = {}) {
  const routes = new WorkItemRoutes({
    projects: [
      { name: 'Web', process: 'Agile', areaPaths: ['Web\\Security'] },
      { name: 'Ops', process: 'Basic' },
    ],
    ...options,
  });
  const ado = await server({ extensions: [connectionDataRoutes(), routes] });
  return { routes, ado, client: (await connect(ado)).workItems };
}

describe('the work items client against the loopback Azure DevOps', () => {
  it('creates a work item from a JSON Patch sent as application/json-patch+json, with tags and a hyperlink', async () => {
    const { routes, ado, client } = await boards();
    const created = await client.createWorkItem('Web', 'Bug', [
      { op: 'add', path: '/fields/System.Title', value: 'Leaked token' },
      { op: 'add', path: '/fields/System.Tags', value: 'vigil; vigil-risk-0123456789abcdef' },
      { op: 'add', path: '/relations/-', value: { rel: 'Hyperlink', url: 'https://example.com/build/7' } },
    ]);
    expect(created).toMatchObject({ id: expect.any(Number), rev: 1, fields: { 'System.Title': 'Leaked token', 'System.State': 'New' } });
    expect(routes.workItem(created.id)).toMatchObject({
      tags: ['vigil', 'vigil-risk-0123456789abcdef'],
      relations: [{ rel: 'Hyperlink', url: 'https://example.com/build/7' }],
    });
    const [call] = ado.callsTo('/_apis/wit/workitems/$Bug', 'POST');
    expect(call.path).toBe('/contoso/Web/_apis/wit/workitems/$Bug');
  });

  it('updates with test /rev, and answers a stale rev with AzureDevOpsConflictError, changing nothing', async () => {
    const { routes, client } = await boards();
    const id = routes.seed({ project: 'Web', type: 'Bug', title: 'x' });
    const updated = await client.updateWorkItem(id, [
      { op: 'test', path: '/rev', value: 1 },
      { op: 'add', path: '/fields/System.State', value: 'Active' },
    ]);
    expect(updated).toMatchObject({ rev: 2, fields: { 'System.State': 'Active' } });
    routes.as(dana).setFields(id, { 'System.State': 'Resolved' });
    const stale = await rejection(
      client.updateWorkItem(id, [
        { op: 'test', path: '/rev', value: 2 },
        { op: 'add', path: '/fields/System.State', value: 'Closed' },
      ]),
    );
    expect(stale).toBeInstanceOf(AzureDevOpsConflictError);
    expect(routes.workItem(id)).toMatchObject({ rev: 3, state: 'Resolved' });
  });

  it('reads one work item with its relations, and undefined for one in the recycle bin', async () => {
    const { routes, client } = await boards();
    const id = routes.seed({ project: 'Web', type: 'Bug', title: 'x', relations: [{ rel: 'Hyperlink', url: 'https://example.com/e' }] });
    expect((await client.getWorkItem(id))?.relations).toEqual([
      expect.objectContaining({ rel: 'Hyperlink', url: 'https://example.com/e' }),
    ]);
    routes.as(dana).delete(id);
    expect(await client.getWorkItem(id)).toBeUndefined();
  });

  it('reads many work items 200 at a time, a deleted one undefined in its place', async () => {
    const { routes, ado, client } = await boards();
    const ids = Array.from({ length: 450 }, (_, n) => routes.seed({ project: 'Web', type: 'Task', title: `t${n}` }));
    routes.as(dana).delete(ids[3]);
    const found = await client.getWorkItems(ids, ['System.Id', 'System.State', 'System.Rev']);
    expect(found).toHaveLength(450);
    expect(found[3]).toBeUndefined();
    expect(found[4]).toMatchObject({ id: ids[4], fields: { 'System.State': 'New' } });
    expect(ado.callsTo('/_apis/wit/workitemsbatch', 'POST')).toHaveLength(3);
  });

  it('runs WIQL and returns the ids, a whole tag matched', async () => {
    const { routes, client } = await boards();
    const tagged = routes.seed({ project: 'Web', type: 'Bug', title: 'a', tags: ['vigil-risk-aa'] });
    routes.seed({ project: 'Web', type: 'Bug', title: 'b', tags: ['vigil-risk-aab'] });
    expect(
      await client.queryIds("SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'vigil-risk-aa' ORDER BY [System.Id]"),
    ).toEqual([tagged]);
  });

  it("reads a type's states with their categories and its fields with allowed values", async () => {
    const { client } = await boards();
    expect(await client.getTypeStates('Ops', 'Issue')).toEqual([
      { name: 'To Do', category: 'Proposed' },
      { name: 'Doing', category: 'InProgress' },
      { name: 'Done', category: 'Completed' },
    ]);
    const fields = await client.getTypeFields('Web', 'Bug');
    expect(fields.find((f) => f.referenceName === 'System.Title')).toMatchObject({ alwaysRequired: true });
    expect(fields.find((f) => f.referenceName === 'Microsoft.VSTS.Common.Severity')?.allowedValues).toContain('2 - High');
  });

  it("names Azure DevOps' code when it refuses: an unknown type, an unknown area path, no permission", async () => {
    const { ado, client } = await boards();
    const type = await rejection(client.getTypeStates('Web', 'Risk'));
    expect(type).toMatchObject({ statusCode: 404, code: 'VS402323' });
    const area = await rejection(
      client.createWorkItem('Web', 'Bug', [
        { op: 'add', path: '/fields/System.Title', value: 't' },
        { op: 'add', path: '/fields/System.AreaPath', value: 'Web\\Nowhere' },
      ]),
    );
    expect(area).toBeInstanceOf(WorkItemRequestRefusedError);
    expect(area).toMatchObject({ statusCode: 400, code: 'TF401347' });
    ado.injectFault({ path: '/_apis/wit/workitems/', method: 'POST', status: 403 });
    const denied = await rejection(client.createWorkItem('Web', 'Bug', [{ op: 'add', path: '/fields/System.Title', value: 't' }]));
    expect(denied).toMatchObject({ statusCode: 403, code: 'TF237111' });
  });
});
