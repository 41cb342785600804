import { describe, expect, it } from 'vitest';
import { pat, project, useLoopbackAzureDevOps } from '../../support/azureDevOps/loopbackConnection';

/** The builds client with the real azure-devops-node-api over HTTP against the loopback Azure DevOps. */
const { server, connect } = useLoopbackAzureDevOps();

describe('the builds client against the loopback Azure DevOps', () => {
  it('gets a build and lists its logs with PAT auth, through node-api route negotiation', async () => {
    const ado = await server({
      builds: [
        {
          id: 391,
          project,
          logs: [
            { id: 1, sizeBytes: 1000 },
            { id: 2, sizeBytes: 2000 },
          ],
        },
      ],
    });
    const client = (await connect(ado)).builds;

    const build = await client.getBuild(project, 391);
    expect(build.id).toBe(391);
    expect(build.buildNumber).toBe('2025.391');
    expect(build.url).toContain(ado.url);
    const logs = await client.listBuildLogs(project, 391);
    expect(logs.map((log) => log.id)).toEqual([1, 2]);

    const expected = `Basic ${Buffer.from(`PAT:${pat}`).toString('base64')}`;
    expect(ado.calls.length).toBeGreaterThan(0);
    expect(ado.calls.every((call) => call.authorization === expected)).toBe(true);
    expect(ado.callsTo('/_apis/connectionData')).toHaveLength(1);
    expect(ado.callsTo('/_apis/build', 'OPTIONS')).toHaveLength(1); // node-api's route table, fetched once
    expect(ado.callsTo(`/${project}/_apis/build/builds/391`, 'GET').map((c) => c.path)).toEqual([
      `/contoso/${project}/_apis/build/builds/391`,
      `/contoso/${project}/_apis/build/builds/391/logs`,
    ]);
  });

  it('streams a 50 MB log in chunks, never whole in memory', async () => {
    const size = 50 * 1024 * 1024;
    const ado = await server({ builds: [{ id: 7, project, logs: [{ id: 3, sizeBytes: size }] }] });
    const client = (await connect(ado)).builds;

    const stream = await client.streamBuildLog(project, 7, 3);
    let bytes = 0;
    let chunks = 0;
    let largest = 0;
    let lastLine = '';
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      chunks++;
      largest = Math.max(largest, buffer.length);
      if (chunks === 1) lastLine = buffer.toString('utf8', 0, 60);
    }
    expect(bytes).toBe(size);
    expect(chunks).toBeGreaterThanOrEqual(50); // blocks of at most 1 MiB from the download thread
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
    expect(lastLine).toMatch(/^2025-01-01T00:00:00\.0000000Z ##\[section\] step output line 0/);
  });
});
