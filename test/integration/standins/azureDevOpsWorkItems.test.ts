import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as azdev from 'azure-devops-node-api';
import { Operation } from 'azure-devops-node-api/interfaces/common/VSSInterfaces';
import {
  CommentSortOrder,
  WorkItemErrorPolicy,
  WorkItemExpand,
  WorkItemTypeFieldsExpandLevel,
} from 'azure-devops-node-api/interfaces/WorkItemTrackingInterfaces';
import type { IWorkItemTrackingApi } from 'azure-devops-node-api/WorkItemTrackingApi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertReceiver, startAlertReceiver } from '../../support/alertReceiver';
import { connectionDataRoutes, type LoopbackIdentity, person } from '../../support/azureDevOps/identities';
import { customType } from '../../support/azureDevOps/workItemProcesses';
import { WorkItemRoutes } from '../../support/azureDevOps/workItemRoutes';
import { WorkItemServiceHooks } from '../../support/azureDevOps/workItemServiceHooks';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { recordedRequestText } from '../../support/recordedRequests';

/**
 * The loopback Azure Boards (test/support/azureDevOps/workItemRoutes.ts) driven by the real
 * azure-devops-node-api WorkItemTrackingApi and by raw REST: each call answers in the recorded
 * shape (test/fixtures/azure-devops/rest/wit.*), changes persist as revisions, Azure DevOps'
 * refusals come with its messages, faults fire as injected, and the service-hook emitter posts
 * payloads shaped like the recorded workitem.* samples.
 */
const fixtures = join(__dirname, '..', '..', 'fixtures', 'azure-devops');
const recorded = (name: string) => {
  const data = JSON.parse(readFileSync(join(fixtures, 'rest', name), 'utf8')) as {
    responses: Record<string, { body: Record<string, unknown> }>;
  };
  return (data.responses['200'] ?? Object.values(data.responses)[0]).body;
};
const sample = (name: string) =>
  JSON.parse(readFileSync(join(fixtures, 'service-hooks', name), 'utf8')) as Record<string, unknown> & {
    resource: Record<string, unknown>;
  };

const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const vigil: LoopbackIdentity = {
  id: 'dddddddd-0000-4000-8000-00000000abcd',
  displayName: 'Vigil Service',
  uniqueName: 'vigil-svc@contoso.example',
};
const dana = person('Dana Reviewer');
const projects = [
  { name: 'Fabrikam', process: 'Agile' as const, areaPaths: ['Fabrikam\\Security'] },
  { name: 'ScrumTeam', process: 'Scrum' as const },
  { name: 'CmmiTeam', process: 'CMMI' as const },
  { name: 'BasicTeam', process: 'Basic' as const },
  {
    name: 'Custom',
    process: [
      customType(
        'Security Finding',
        [
          ['Triage', 'Proposed'],
          ['Fixing', 'InProgress'],
          ['Fixed', 'Completed'],
          ['Accepted Risk', 'Removed'],
        ],
        [{ referenceName: 'Custom.Owner', name: 'Owner', alwaysRequired: true }],
      ),
    ],
  },
];

let devops: AzureDevOpsServer;
let boards: WorkItemRoutes;
let api: azdev.WebApi;
let wit: IWorkItemTrackingApi;

beforeAll(async () => {
  boards = new WorkItemRoutes({ projects, identity: vigil });
  devops = await startAzureDevOpsServer({
    organization: 'contoso',
    pat,
    projects: projects.map((p) => ({ name: p.name })),
    extensions: [connectionDataRoutes(vigil), boards],
  });
  api = new azdev.WebApi(devops.url, azdev.getPersonalAccessTokenHandler(pat));
  wit = await api.getWorkItemTrackingApi();
});
afterAll(async () => {
  await devops.close();
});

const add = (path: string, value: unknown) => ({ op: Operation.Add, path, value });
const keysOf = (value: unknown) => Object.keys(value as object).sort();

/** Raw REST with the PAT, for what node-api hides (status codes, headers, string ops). */
async function rest(method: string, path: string, body?: unknown, contentType = 'application/json-patch+json') {
  const response = await fetch(`${devops.url}/${path}`, {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}`,
      ...(body === undefined ? {} : { 'content-type': contentType }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

describe('identity', () => {
  it('answers connectionData with the configured identity as the authenticated user', async () => {
    const connection = await api.connect();
    expect(connection.authenticatedUser?.id).toBe(vigil.id);
    expect(connection.authenticatedUser?.providerDisplayName).toBe(vigil.displayName);
  });
});

describe('create, get and update', () => {
  it('creates a work item from a JSON Patch in the recorded shape, made by the token identity', async () => {
    const created = await wit.createWorkItem(
      null,
      [add('/fields/System.Title', 'Leaked npm token in build 42'), add('/fields/System.Tags', 'vigil; vigil-risk-abc123')],
      'Fabrikam',
      'Bug',
    );
    expect(keysOf(created)).toEqual(expect.arrayContaining(keysOf(recorded('wit.workitem.create.json'))));
    expect(created.rev).toBe(1);
    expect(created.fields?.['System.State']).toBe('New');
    expect(created.fields?.['System.WorkItemType']).toBe('Bug');
    expect(created.fields?.['System.TeamProject']).toBe('Fabrikam');
    expect(created.fields?.['System.Tags']).toBe('vigil; vigil-risk-abc123');
    expect(created.fields?.['System.CreatedBy']).toMatchObject({
      id: vigil.id,
      displayName: vigil.displayName,
      uniqueName: vigil.uniqueName,
    });
    expect(keysOf(created.fields?.['System.CreatedBy'])).toEqual(
      keysOf((recorded('wit.workitem.create.json').fields as Record<string, unknown>)['System.CreatedBy']),
    );
    expect(created.url).toBe(`${devops.url}/_apis/wit/workItems/${created.id}`);
    expect(boards.workItem(created.id!).changedBy).toBe(vigil.displayName);
  });

  it('gets a work item with its fields, and its relations only with $expand=relations', async () => {
    const id = boards.seed({
      project: 'Fabrikam',
      type: 'Bug',
      title: 'With evidence',
      relations: [{ rel: 'Hyperlink', url: 'https://example.com/evidence/1' }],
    });
    const plain = await wit.getWorkItem(id);
    expect(keysOf(plain)).toEqual(expect.arrayContaining(keysOf(recorded('wit.workitem.get.json'))));
    expect(plain.relations).toBeUndefined();
    const expanded = await wit.getWorkItem(id, undefined, undefined, WorkItemExpand.Relations, 'Fabrikam');
    expect(expanded.relations).toEqual([{ rel: 'Hyperlink', url: 'https://example.com/evidence/1', attributes: { isLocked: false } }]);
    const some = await wit.getWorkItem(id, ['System.Title', 'System.State']);
    expect(Object.keys(some.fields ?? {}).sort()).toEqual(['System.State', 'System.Title']);
  });

  it('updates with test /rev and answers a stale rev with 412 and Azure DevOps’ message, changing nothing', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Concurrency' });
    const updated = await wit.updateWorkItem(
      null,
      [{ op: Operation.Test, path: '/rev', value: 1 }, add('/fields/System.State', 'Active')],
      id,
    );
    expect(updated.rev).toBe(2);
    expect(updated.fields?.['System.State']).toBe('Active');
    const stale = await wit
      .updateWorkItem(null, [{ op: Operation.Test, path: '/rev', value: 1 }, add('/fields/System.State', 'Closed')], id)
      .catch((e: unknown) => e);
    expect(stale).toMatchObject({ statusCode: 412 });
    expect((stale as { result: { typeKey: string; message: string } }).result).toMatchObject({
      typeKey: 'TestPatchOperationFailedException',
      message: expect.stringMatching(/^VS403351: Test Operation for path \/rev failed, value 2 was not equal to test value 1\.$/),
    });
    expect(boards.workItem(id)).toMatchObject({ rev: 2, state: 'Active' });
  });

  it('keeps tags as one "; " field: add adds to what is there, replace sets, remove clears', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Tags', tags: ['team-payments'] });
    boards.as(dana).addTags(id, ['Needs-Review']);
    const added = await rest('PATCH', `Fabrikam/_apis/wit/workitems/${id}?api-version=7.1`, [
      { op: 'add', path: '/fields/System.Tags', value: 'vigil; severity-high; TEAM-payments' },
    ]);
    expect(added.status).toBe(200);
    expect((added.body.fields as Record<string, unknown>)['System.Tags']).toBe('Needs-Review; severity-high; team-payments; vigil');
    await rest('PATCH', `_apis/wit/workitems/${id}`, [
      { op: 'replace', path: '/fields/System.Tags', value: 'Needs-Review; team-payments' },
    ]);
    expect(boards.workItem(id).tags).toEqual(['Needs-Review', 'team-payments']);
    await rest('PATCH', `_apis/wit/workitems/${id}`, [{ op: 'remove', path: '/fields/System.Tags' }]);
    expect(boards.workItem(id).tags).toEqual([]);
    expect(boards.workItem(id).rev).toBe(5);
  });

  it('makes no new revision for a patch that changes nothing', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Same', tags: ['vigil'] });
    const again = await wit.updateWorkItem(null, [add('/fields/System.Tags', 'vigil'), add('/fields/System.Title', 'Same')], id);
    expect(again.rev).toBe(1);
  });

  it('refuses an unknown type, an empty required field, a state the type lacks, an unknown area path, a read-only field and an unknown field, creating nothing', async () => {
    const before = boards.workItems().length;
    const cases: Array<[string, unknown[], number, RegExp]> = [
      [
        'Fabrikam/_apis/wit/workitems/$Risk',
        [{ op: 'add', path: '/fields/System.Title', value: 'x' }],
        404,
        /^VS402323: Work item type Risk does not exist in project Fabrikam/,
      ],
      [
        'Custom/_apis/wit/workitems/$Security%20Finding',
        [{ op: 'add', path: '/fields/System.Title', value: 'x' }],
        400,
        /^TF401320: Rule Error for field Owner\. Error code: Required, InvalidEmpty\.$/,
      ],
      [
        'Fabrikam/_apis/wit/workitems/$Bug',
        [
          { op: 'add', path: '/fields/System.Title', value: 'x' },
          { op: 'add', path: '/fields/System.State', value: 'Done' },
        ],
        400,
        /^TF401320: Rule Error for field State\. .*InvalidListValue\.$/,
      ],
      [
        'Fabrikam/_apis/wit/workitems/$Bug',
        [
          { op: 'add', path: '/fields/System.Title', value: 'x' },
          { op: 'add', path: '/fields/System.AreaPath', value: 'Fabrikam\\Nowhere' },
        ],
        400,
        /^TF401347: Invalid tree name given for work item -1, field 'System.AreaPath'\.$/,
      ],
      [
        'Fabrikam/_apis/wit/workitems/$Bug',
        [
          { op: 'add', path: '/fields/System.Title', value: 'x' },
          { op: 'add', path: '/fields/System.ChangedBy', value: 'Someone' },
        ],
        400,
        /^TF401326: Invalid field status 'ReadOnly' for field 'System.ChangedBy'\.$/,
      ],
      [
        'Fabrikam/_apis/wit/workitems/$Bug',
        [
          { op: 'add', path: '/fields/System.Title', value: 'x' },
          { op: 'add', path: '/fields/Microsoft.VSTS.Common.Nope', value: 1 },
        ],
        400,
        /^TF51535: Cannot find field Microsoft\.VSTS\.Common\.Nope\.$/,
      ],
      [
        'Nowhere/_apis/wit/workitems/$Bug',
        [{ op: 'add', path: '/fields/System.Title', value: 'x' }],
        404,
        /^TF200016: The following project does not exist: Nowhere\./,
      ],
    ];
    for (const [path, body, status, message] of cases) {
      const answer = await rest('POST', path, body);
      expect({ path, status: answer.status }).toEqual({ path, status });
      expect(String(answer.body.message)).toMatch(message);
      expect(keysOf(answer.body)).toEqual(
        expect.arrayContaining(['$id', 'innerException', 'message', 'typeName', 'typeKey', 'errorCode', 'eventId']),
      );
    }
    expect(boards.workItems()).toHaveLength(before);
    const scrum = await rest('POST', 'ScrumTeam/_apis/wit/workitems/$Product%20Backlog%20Item', [
      { op: 'add', path: '/fields/Microsoft.VSTS.Common.Priority', value: 1 },
      { op: 'add', path: '/fields/System.Title', value: 'x' },
    ]);
    expect(scrum.status).toBe(400); // Scrum backlog items have no Priority: a sync must skip fields the type lacks
    const area = await rest('POST', 'Fabrikam/_apis/wit/workitems/$Bug', [
      { op: 'add', path: '/fields/System.Title', value: 'x' },
      { op: 'add', path: '/fields/System.AreaPath', value: 'Fabrikam\\Security' },
    ]);
    expect(area.status).toBe(200);
  });

  it('records a person’s update as a new revision changed by that person, with updates and revisions to match', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Person edits', by: vigil });
    boards.as(dana).setFields(id, { 'System.State': 'Resolved', 'System.Reason': 'Fixed' });
    const item = await wit.getWorkItem(id);
    expect(item.rev).toBe(2);
    expect(item.fields?.['System.ChangedBy']).toMatchObject({ id: dana.id, displayName: dana.displayName });
    expect(item.fields?.['System.CreatedBy']).toMatchObject({ id: vigil.id });
    const updates = await wit.getUpdates(id);
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatchObject({
      rev: 2,
      workItemId: id,
      revisedBy: { id: dana.id },
      fields: { 'System.State': { oldValue: 'New', newValue: 'Resolved' }, 'System.Reason': { oldValue: 'New', newValue: 'Fixed' } },
    });
    expect(keysOf(updates[1])).toEqual(
      expect.arrayContaining(keysOf((recorded('wit.updates.list.json').value as unknown[])[1]).filter((k) => k !== 'relations')),
    );
    const revisions = await wit.getRevisions(id);
    expect(revisions.map((r) => [r.rev, r.fields?.['System.State']])).toEqual([
      [1, 'New'],
      [2, 'Resolved'],
    ]);
  });
});

describe('reading many', () => {
  it('batch-gets up to 200 ids in the recorded shape, with only the fields asked for', async () => {
    const ids = [
      boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'one' }),
      boards.seed({ project: 'Fabrikam', type: 'Task', title: 'two' }),
    ];
    const items = await wit.getWorkItemsBatch({ ids, fields: ['System.Id', 'System.Title', 'System.WorkItemType'] });
    const shape = (recorded('wit.workitems.batch-get.json').value as Array<Record<string, unknown>>)[0];
    expect(items.map((i) => keysOf(i))).toEqual([keysOf(shape), keysOf(shape)]);
    expect(items.map((i) => i.fields)).toEqual([
      { 'System.Id': ids[0], 'System.Title': 'one', 'System.WorkItemType': 'Bug' },
      { 'System.Id': ids[1], 'System.Title': 'two', 'System.WorkItemType': 'Task' },
    ]);
    const listed = await wit.getWorkItems(ids, ['System.Title']);
    expect(listed.map((i) => i.fields?.['System.Title'])).toEqual(['one', 'two']);
  });

  it('refuses more than 200 ids with VS403474, and answers a missing id with 404 or, with errorPolicy Omit, null', async () => {
    const tooMany = await rest(
      'POST',
      '_apis/wit/workitemsbatch',
      { ids: Array.from({ length: 201 }, (_, i) => i + 1) },
      'application/json',
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toBe('VS403474: You requested 201 work items which exceeds the limit of 200');
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'present' });
    const failing = await rest('POST', '_apis/wit/workitemsbatch', { ids: [id, 999_999] }, 'application/json');
    expect(failing.status).toBe(404);
    const omitted = await wit.getWorkItemsBatch({ ids: [id, 999_999], errorPolicy: WorkItemErrorPolicy.Omit, fields: ['System.Title'] });
    expect(omitted.map((i) => i?.id ?? null)).toEqual([id, null]);
  });
});

describe('WIQL', () => {
  const query = (wiql: string, project = 'Fabrikam', timePrecision?: boolean, top?: number) =>
    wit.queryByWiql({ query: wiql }, { project }, timePrecision, top);

  it('finds work items by whole tag, id list, project and changed date, in the recorded shape', async () => {
    const tagged = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'tagged', tags: ['vigil-risk-0f0f0f', 'vigil'] });
    boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'prefix only', tags: ['vigil-risk-0f0f0f0f'] });
    boards.seed({ project: 'ScrumTeam', type: 'Bug', title: 'other project', tags: ['vigil-risk-0f0f0f'] });
    const byTag = await query(
      "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project AND [System.Tags] CONTAINS 'VIGIL-RISK-0f0f0f'",
    );
    expect(byTag.workItems?.map((w) => w.id)).toEqual([tagged]);
    expect(byTag.workItems?.[0]).toEqual({ id: tagged, url: `${devops.url}/_apis/wit/workItems/${tagged}` });
    expect(keysOf(byTag)).toEqual(expect.arrayContaining(keysOf(recorded('wit.wiql.query.json'))));
    const anywhere = await query("SELECT [System.Id] FROM WorkItems WHERE [System.Tags] Contains 'vigil-risk-0f0f0f'");
    expect(anywhere.workItems).toHaveLength(2); // the project in the URL does not filter by itself
    const byIds = await query(
      `SELECT [System.Id], [System.Title] FROM WorkItems WHERE [System.Id] IN (${tagged}, 999999) AND [System.State] <> 'Removed' ORDER BY [System.Id] DESC`,
    );
    expect(byIds.workItems?.map((w) => w.id)).toEqual([tagged]);
    expect(byIds.columns?.map((c) => c.referenceName)).toEqual(['System.Id', 'System.Title']);
    const today = new Date().toISOString().slice(0, 10);
    const recent = await query(
      `SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = 'Fabrikam' AND [System.ChangedDate] >= '${today}' AND [System.Tags] CONTAINS 'vigil-risk-0f0f0f'`,
    );
    expect(recent.workItems?.map((w) => w.id)).toEqual([tagged]);
    const future = await query(
      `SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] > '${new Date(Date.now() + 60_000).toISOString()}'`,
      'Fabrikam',
      true,
    );
    expect(future.workItems).toEqual([]);
  });

  it('refuses a time with a date unless timePrecision is on, and syntax it does not answer, with a 400 naming the clause', async () => {
    const withTime = await rest(
      'POST',
      'Fabrikam/_apis/wit/wiql',
      { query: "SELECT [System.Id] FROM WorkItems WHERE [System.ChangedDate] > '2026-03-25T13:11:27Z'" },
      'application/json',
    );
    expect(withTime.status).toBe(400);
    expect(withTime.body.message).toBe(
      "You cannot supply a time with the date when running a query using date precision. The error is caused by «[System.ChangedDate] > '2026-03-25T13:11:27Z'».",
    );
    const or = await rest(
      'POST',
      'Fabrikam/_apis/wit/wiql',
      { query: "SELECT [System.Id] FROM WorkItems WHERE [System.State] = 'New' OR [System.State] = 'Active'" },
      'application/json',
    );
    expect(or.status).toBe(400);
    expect(String(or.body.message)).toMatch(/does not understand .*OR/);
    const unknownField = await rest(
      'POST',
      'Fabrikam/_apis/wit/wiql',
      { query: 'SELECT [System.Id] FROM WorkItems WHERE [Custom.Nope] = 1' },
      'application/json',
    );
    expect(unknownField.body.message).toBe(
      'TF51005: The query references a field that does not exist. The error is caused by «[Custom.Nope]».',
    );
  });

  it('caps results at the limit with VS402337 unless $top is given', async () => {
    const small = new WorkItemRoutes({ projects: [{ name: 'Fabrikam' }], wiqlLimit: 3 });
    const server = await startAzureDevOpsServer({ organization: 'capped', pat, extensions: [small] });
    try {
      for (let i = 0; i < 4; i++) small.seed({ project: 'Fabrikam', type: 'Task', title: `t${i}` });
      const capped = await new azdev.WebApi(server.url, azdev.getPersonalAccessTokenHandler(pat)).getWorkItemTrackingApi();
      const refused = await capped
        .queryByWiql({ query: 'SELECT [System.Id] FROM WorkItems' }, { project: 'Fabrikam' })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({
        statusCode: 400,
        result: {
          message: 'VS402337: The number of work items returned exceeds the size limit of 3. Change the query to return fewer work items.',
        },
      });
      const topped = await capped.queryByWiql(
        { query: 'SELECT [System.Id] FROM WorkItems ORDER BY [System.Id]' },
        { project: 'Fabrikam' },
        undefined,
        2,
      );
      expect(topped.workItems?.map((w) => w.id)).toEqual([1, 2]);
    } finally {
      await server.close();
    }
  });

  it('caps results at 20,000 by default, as Azure DevOps does', async () => {
    const full = new WorkItemRoutes({ projects: [{ name: 'Big' }] });
    for (let i = 0; i < 20_001; i++) full.seed({ project: 'Big', type: 'Task', title: `t${i}` });
    const server = await startAzureDevOpsServer({ organization: 'big', pat, extensions: [full] });
    try {
      const big = await new azdev.WebApi(server.url, azdev.getPersonalAccessTokenHandler(pat)).getWorkItemTrackingApi();
      const refused = await big
        .queryByWiql({ query: 'SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = @project' }, { project: 'Big' })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({ statusCode: 400, result: { message: expect.stringMatching(/^VS402337: .* size limit of 20000\./) } });
      const paged = await big.queryByWiql(
        { query: 'SELECT [System.Id] FROM WorkItems WHERE [System.Id] > 19990 ORDER BY [System.Id]' },
        { project: 'Big' },
      );
      expect(paged.workItems).toHaveLength(11);
    } finally {
      await server.close();
    }
  });
});

describe('work item types', () => {
  it('gives each process’s states with their state categories, in the recorded shape', async () => {
    const bug = await wit.getWorkItemTypeStates('Fabrikam', 'Bug');
    const recordedStates = (recorded('wit.workitemtype.states.list.json').value as Array<Record<string, unknown>>).filter(
      (s) => s.name !== 'CustomState',
    );
    expect(bug).toEqual(recordedStates); // the recorded Agile Bug, without its custom state
    const categories = async (project: string, type: string) =>
      Object.fromEntries((await wit.getWorkItemTypeStates(project, type)).map((s) => [s.name, s.category]));
    expect(await categories('ScrumTeam', 'Product Backlog Item')).toEqual({
      New: 'Proposed',
      Approved: 'Proposed',
      Committed: 'InProgress',
      Done: 'Completed',
      Removed: 'Removed',
    });
    expect(await categories('CmmiTeam', 'Task')).toEqual({
      Proposed: 'Proposed',
      Active: 'InProgress',
      Resolved: 'InProgress',
      Closed: 'Completed',
    });
    expect(await categories('CmmiTeam', 'Bug')).toMatchObject({ Resolved: 'Resolved' });
    expect(await categories('BasicTeam', 'Issue')).toEqual({ 'To Do': 'Proposed', Doing: 'InProgress', Done: 'Completed' });
    expect(await categories('Fabrikam', 'User Story')).toMatchObject({ Removed: 'Removed', Closed: 'Completed' });
    expect(await categories('Custom', 'Security Finding')).toEqual({
      Triage: 'Proposed',
      Fixing: 'InProgress',
      Fixed: 'Completed',
      'Accepted Risk': 'Removed',
    });
    const types = await wit.getWorkItemTypes('ScrumTeam');
    expect(types.map((t) => t.name)).toEqual(['Product Backlog Item', 'Bug', 'Task', 'Impediment']);
    const one = await wit.getWorkItemType('Fabrikam', 'Bug');
    expect(keysOf(one)).toEqual(expect.arrayContaining(keysOf(recorded('wit.workitemtype.get.json')).filter((k) => k !== 'xmlForm')));
  });

  it('lists a type’s fields with $expand=All in the recorded shape, and only the fields that type has', async () => {
    const fields = await wit.getWorkItemTypeFieldsWithReferences('Fabrikam', 'Bug', WorkItemTypeFieldsExpandLevel.All);
    const shape = (recorded('wit.workitemtype.fields.list-expand.json').value as Array<Record<string, unknown>>).find(
      (f) => f.referenceName === 'Microsoft.VSTS.Common.Severity',
    )!;
    const severity = fields.find((f) => f.referenceName === 'Microsoft.VSTS.Common.Severity')!;
    expect(keysOf(severity)).toEqual(keysOf(shape));
    expect(severity.allowedValues).toEqual(['1 - Critical', '2 - High', '3 - Medium', '4 - Low']);
    const plain = await rest('GET', 'Fabrikam/_apis/wit/workitemtypes/Bug/fields');
    const iterationPath = (list: unknown) =>
      (list as Array<Record<string, unknown>>).find((f) => f.referenceName === 'System.IterationPath');
    expect(keysOf(iterationPath(plain.body.value))).toEqual(keysOf(iterationPath(recorded('wit.workitemtype.fields.list.json').value)));
    const basic = await wit.getWorkItemTypeFieldsWithReferences('BasicTeam', 'Issue');
    expect(basic.map((f) => f.referenceName)).toContain('Microsoft.VSTS.Common.Priority');
    expect(basic.map((f) => f.referenceName)).not.toContain('Microsoft.VSTS.Common.Severity');
    const custom = await wit.getWorkItemTypeFieldsWithReferences('Custom', 'Security Finding');
    expect(custom.find((f) => f.referenceName === 'Custom.Owner')?.alwaysRequired).toBe(true);
  });
});

describe('comments', () => {
  it('adds and lists comments in the recorded shapes, newest first, paged with a continuation token', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Commented' });
    const added = await wit.addComment({ text: 'Vigil saw this secret again in build 43.' }, 'Fabrikam', id);
    expect(keysOf(added)).toEqual(expect.arrayContaining(keysOf(recorded('wit.comment.add.json'))));
    expect(added.createdBy?.id).toBe(vigil.id);
    const edited = await wit.updateComment({ text: 'Vigil saw this secret again in build 43 (redacted).' }, 'Fabrikam', id, added.id!);
    expect(keysOf(edited)).toEqual(expect.arrayContaining(keysOf(recorded('wit.comment.update.json'))));
    expect([edited.version, edited.text]).toEqual([2, 'Vigil saw this secret again in build 43 (redacted).']);
    boards.as(dana).comment(id, 'Rotating it now.');
    await wit.updateWorkItem(null, [add('/fields/System.History', 'Moved by Vigil: resolved.')], id);
    const first = await wit.getComments('Fabrikam', id, 2);
    expect(keysOf(first)).toEqual(keysOf(recorded('wit.comments.list.json')));
    expect(first.totalCount).toBe(3);
    expect(first.comments?.map((c) => c.text)).toEqual(['Moved by Vigil: resolved.', 'Rotating it now.']);
    const second = await wit.getComments('Fabrikam', id, 2, first.continuationToken);
    expect(keysOf(second)).toEqual(keysOf(recorded('wit.comments.list.page2.json')));
    expect(second.comments?.map((c) => c.text)).toEqual(['Vigil saw this secret again in build 43 (redacted).']);
    const ascending = await wit.getComments('Fabrikam', id, undefined, undefined, undefined, undefined, CommentSortOrder.Asc);
    expect(ascending.comments?.map((c) => c.createdBy?.displayName)).toEqual([vigil.displayName, dana.displayName, vigil.displayName]);
  });
});

describe('recycle bin', () => {
  it('moves a deleted work item to the recycle bin (404 for the item, out of WIQL) and restores it', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Deleted later', tags: ['vigil-risk-dead01'] });
    const deleted = await wit.deleteWorkItem(id, 'Fabrikam');
    expect(deleted).toMatchObject({ id, code: 200, name: 'Deleted later', project: 'Fabrikam', type: 'Bug' });
    expect(await wit.getWorkItem(id)).toBeNull(); // node-api answers 404 with null
    expect((await rest('GET', `_apis/wit/workitems/${id}`)).body.message).toBe(
      `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`,
    );
    const wiql = await wit.queryByWiql(
      { query: "SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS 'vigil-risk-dead01'" },
      { project: 'Fabrikam' },
    );
    expect(wiql.workItems).toEqual([]);
    expect((await wit.getDeletedWorkItem(id, 'Fabrikam')).id).toBe(id);
    const restored = await wit.restoreWorkItem({ isDeleted: false }, id, 'Fabrikam');
    expect(restored.id).toBe(id);
    expect((await wit.getWorkItem(id)).fields?.['System.Title']).toBe('Deleted later');
    boards.as(dana).delete(id);
    expect(boards.workItem(id).deleted).toBe(true);
  });
});

describe('faults and recording', () => {
  it('answers injected faults — 429 with Retry-After, 403 on writes, 503 — for as many calls as asked', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Faulty' });
    devops.injectFault({ path: `/_apis/wit/workitems/${id}`, method: 'PATCH', status: 403, times: 1 });
    devops.injectFault({ path: '/_apis/wit/wiql', status: 429, retryAfterSeconds: 7, times: 1 });
    devops.injectFault({ path: '/_apis/wit/workitemsbatch', status: 503, times: 2 });
    const denied = await rest('PATCH', `Fabrikam/_apis/wit/workitems/${id}`, [
      { op: 'add', path: '/fields/System.State', value: 'Active' },
    ]);
    expect(denied.status).toBe(403);
    expect(denied.body.message).toMatch(/^TF237111: /);
    expect((await rest('GET', `_apis/wit/workitems/${id}`)).status).toBe(200); // reads were not denied
    const throttled = await rest('POST', 'Fabrikam/_apis/wit/wiql', { query: 'SELECT [System.Id] FROM WorkItems' }, 'application/json');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '7']);
    expect((await rest('POST', '_apis/wit/workitemsbatch', { ids: [id] }, 'application/json')).status).toBe(503);
    expect((await rest('POST', '_apis/wit/workitemsbatch', { ids: [id] }, 'application/json')).status).toBe(503);
    expect((await rest('POST', '_apis/wit/workitemsbatch', { ids: [id] }, 'application/json')).status).toBe(200);
    expect(boards.workItem(id).rev).toBe(1);
    devops.clearFaults();
  });

  it('records every call with its body, and gives them all back as text for secret checks', async () => {
    const marker = `ghp_${randomBytes(18).toString('hex')}`;
    await wit.createWorkItem(
      null,
      [add('/fields/System.Title', 'Recorded'), add('/fields/System.Description', `<p>${marker}</p>`)],
      'Fabrikam',
      'Task',
    );
    const create = devops.calls.find((c) => c.method === 'POST' && c.path.endsWith('/_apis/wit/workitems/$Task'));
    expect(create?.body).toContain(marker);
    expect(recordedRequestText(devops.calls)).toContain(marker);
    expect(recordedRequestText(devops.calls)).not.toContain(pat);
  });
});

describe('service hooks', () => {
  let receiver: AlertReceiver;
  let hooks: WorkItemServiceHooks;
  const secret = `hook-${randomBytes(8).toString('hex')}`;
  beforeAll(async () => {
    receiver = await startAlertReceiver();
    hooks = new WorkItemServiceHooks(boards, { orgUrl: devops.url, target: { url: receiver.url, secret } });
  });
  afterAll(async () => {
    hooks.stop();
    await receiver.close();
  });

  const keysDeep = (value: Record<string, unknown>, depth = 2): string[] =>
    Object.entries(value).flatMap(([k, v]) => [
      k,
      ...(depth > 1 && v && typeof v === 'object' && !Array.isArray(v)
        ? keysDeep(v as Record<string, unknown>, depth - 1).map((c) => `${k}.${c}`)
        : []),
    ]);

  it('posts workitem.updated for a person’s change with Basic auth, the revision’s real content and the organization’s baseUrl', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Hooked', by: vigil });
    boards.as(dana).setFields(id, { 'System.State': 'Closed', 'System.Reason': 'Fixed' });
    const delivery = await hooks.emitUpdated(id);
    expect(delivery.status).toBe(204);
    const received = receiver.alerts.at(-1)!;
    expect(Buffer.from(received.headers.authorization.replace(/^Basic /, ''), 'base64').toString()).toBe(`vigil:${secret}`);
    const payload = JSON.parse(received.body) as Record<string, unknown> & {
      resource: Record<string, unknown> & { revision: Record<string, unknown> };
      resourceContainers: Record<string, { baseUrl: string }>;
    };
    const recordedSample = sample('workitem.updated.json');
    expect(keysDeep(payload)).toEqual(
      expect.arrayContaining(
        keysDeep(recordedSample).filter(
          (k) =>
            !k.startsWith('resource.fields.') &&
            !k.startsWith('resource.revision.') &&
            !k.startsWith('resource._links.') &&
            k !== 'resource.revisedBy',
        ),
      ),
    );
    expect(payload).toMatchObject({ eventType: 'workitem.updated', publisherId: 'tfs', resourceVersion: '1.0' });
    expect(payload.resource).toMatchObject({ id: 2, workItemId: id, rev: 2, revisedBy: { id: dana.id, displayName: dana.displayName } });
    expect((payload.resource.fields as Record<string, unknown>)['System.State']).toEqual({ oldValue: 'New', newValue: 'Closed' });
    expect((payload.resource.fields as Record<string, unknown>)['System.Rev']).toEqual({ oldValue: 1, newValue: 2 });
    expect((payload.resource.revision.fields as Record<string, unknown>)['System.ChangedBy']).toBe(
      `${dana.displayName} <${dana.uniqueName}>`,
    );
    expect(payload.resourceContainers.account.baseUrl).toBe(`${devops.url}/`);
    expect(payload.resourceContainers.project).toMatchObject({ id: boards.store.project('Fabrikam').id });
    // A retry is the same event again.
    await hooks.redeliver(delivery);
    expect(JSON.parse(receiver.alerts.at(-1)!.body).id).toBe(payload.id);
  });

  it('posts workitem.updated for an older revision, e.g. the echo of Vigil’s own update', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Echo', by: vigil });
    await wit.updateWorkItem(null, [add('/fields/System.State', 'Active')], id);
    boards.as(dana).setFields(id, { 'System.State': 'Resolved' });
    const echo = await hooks.emitUpdated(id, 2);
    expect(echo.payload.resource).toMatchObject({
      rev: 2,
      revisedBy: { id: vigil.id },
      fields: { 'System.State': { oldValue: 'New', newValue: 'Active' } },
    });
  });

  it('posts workitem.deleted and workitem.restored shaped like the recorded samples', async () => {
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Bin' });
    boards.as(dana).delete(id);
    const deleted = await hooks.emitDeleted(id);
    boards.as(dana).restore(id);
    const restored = await hooks.emitRestored(id);
    for (const [delivery, name] of [
      [deleted, 'workitem.deleted.json'],
      [restored, 'workitem.restored.json'],
    ] as const) {
      expect(delivery.status).toBe(204);
      const recordedSample = sample(name);
      expect(keysDeep(delivery.payload)).toEqual(
        expect.arrayContaining(
          keysDeep(recordedSample).filter((k) => !k.startsWith('resource.fields.') && !k.startsWith('resource._links.')),
        ),
      );
      expect(delivery.payload.resource).toMatchObject({ id, rev: 1, fields: { 'System.Title': 'Bin', 'System.State': 'New' } });
      expect((delivery.payload.message as { text: string }).text).toMatch(
        new RegExp(`^Bug #${id} \\(Bin\\) (deleted|restored) by Dana Reviewer\\.`),
      );
    }
    expect((deleted.payload.resource as { url: string }).url).toBe(`${devops.url}/_apis/wit/recyclebin/${id}`);
  });

  it('sends every change as it happens when automatic, and settles', async () => {
    const auto = new WorkItemServiceHooks(boards, { orgUrl: devops.url, target: { url: receiver.url, secret }, automatic: true });
    const before = receiver.alerts.length;
    const id = boards.seed({ project: 'Fabrikam', type: 'Bug', title: 'Auto' });
    await wit.updateWorkItem(null, [add('/fields/System.State', 'Active')], id);
    boards.as(dana).delete(id);
    await auto.settled();
    auto.stop();
    expect(receiver.alerts.slice(before).map((a) => (JSON.parse(a.body) as { eventType: string }).eventType)).toEqual([
      'workitem.updated',
      'workitem.deleted',
    ]);
  });
});
