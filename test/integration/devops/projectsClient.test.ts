import { describe, expect, it } from 'vitest';
import { useLoopbackAzureDevOps } from '../../support/azureDevOps/loopbackConnection';

/** The projects client (the organization, its projects, who the credential is) against the loopback Azure DevOps. */
const { server, connect } = useLoopbackAzureDevOps();

describe('the projects client against the loopback Azure DevOps', () => {
  it('lists every project across continuation pages', async () => {
    const projects = Array.from({ length: 250 }, (_, i) => ({ name: `project-${String(i).padStart(3, '0')}` }));
    const ado = await server({ projects, maxProjectsPage: 100 });
    const client = (await connect(ado)).projects;

    const names: string[] = [];
    for await (const p of client.listProjects({ pageSize: 100 })) names.push(p.name ?? '');
    expect(names).toEqual(projects.map((p) => p.name));
    const pages = ado.callsTo('/_apis/projects', 'GET');
    expect(pages.map((c) => c.query.continuationToken)).toEqual([undefined, '100', '200']);
  });

  it('names the identity the credential authenticates as, asking Azure DevOps once per connection', async () => {
    const ado = await server();
    const connection = await connect(ado, { verify: false });

    const identity = await connection.projects.authenticatedIdentity();
    expect(identity).toEqual({ id: 'aaaaaaaa-0000-4000-8000-000000000001', displayName: 'Vigil' });
    expect(await Promise.all([connection.projects.authenticatedIdentity(), connection.projects.authenticatedIdentity()])).toEqual([
      identity,
      identity,
    ]);
    expect(ado.callsTo('/_apis/connectionData', 'GET')).toHaveLength(1);

    // Another connection asks again: the identity belongs to the credential, which may have changed.
    const other = await connect(ado, { verify: false });
    expect(await other.projects.authenticatedIdentity()).toEqual(identity);
    expect(ado.callsTo('/_apis/connectionData', 'GET')).toHaveLength(2);
  });

  it('asks for the identity again after a failed attempt, instead of keeping the failure', async () => {
    const ado = await server();
    const connection = await connect(ado, { verify: false, retry: { maxAttempts: 1 } });
    ado.injectFault({ path: '/_apis/connectionData', status: 500, times: 1 });

    await expect(connection.projects.authenticatedIdentity()).rejects.toThrow('HTTP 500');
    expect((await connection.projects.authenticatedIdentity()).displayName).toBe('Vigil');
    expect(ado.callsTo('/_apis/connectionData', 'GET')).toHaveLength(2);
  });
});
