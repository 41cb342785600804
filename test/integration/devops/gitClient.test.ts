import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../shared/errors';
import { project, rejection, useLoopbackAzureDevOps } from '../../support/azureDevOps/loopbackConnection';

/** The git client (repositories, pushes, commits, content) against the loopback Azure DevOps. */
const { server, connect } = useLoopbackAzureDevOps();

describe('the git client against the loopback Azure DevOps', () => {
  it('lists repositories', async () => {
    const ado = await server({ repositories: { [project]: [{ name: 'web' }, { name: 'old', isDisabled: true }] } });
    const client = (await connect(ado)).git;
    const repositories = await client.listRepositories(project);
    expect(repositories.map((r) => [r.name, r.isDisabled ?? false])).toEqual([
      ['web', false],
      ['old', true],
    ]);
  });

  it("reads a push, a commit's changes and a file at that commit", async () => {
    const ado = await server({
      commits: [
        {
          commitId: 'c0ffee'.padEnd(40, '0'),
          repositoryId: 'repo-1',
          files: { '/src/app.ts': 'export const x = 1;\n', '/README.md': '# hi\n' },
        },
      ],
    });
    const client = (await connect(ado)).git;
    const push = await client.getPush(project, 'repo-1', 17);
    expect(push.pushId).toBe(17);
    expect(push.commits?.map((c) => c.commitId)).toEqual(['c0ffee'.padEnd(40, '0')]);
    const changes = await client.getCommitChanges(project, 'repo-1', 'c0ffee'.padEnd(40, '0'));
    expect(changes.map((c) => c.item?.path)).toEqual(['/src/app.ts', '/README.md']);
    let content = '';
    for await (const chunk of await client.streamItem(project, 'repo-1', '/src/app.ts', 'c0ffee'.padEnd(40, '0'))) content += String(chunk);
    expect(content).toBe('export const x = 1;\n');
    const missing = await rejection(client.streamItem(project, 'repo-1', '/nope.txt'));
    expect(missing).toBeInstanceOf(PermanentError);
  });
});
