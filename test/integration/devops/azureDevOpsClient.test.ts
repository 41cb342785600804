import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { afterEach, describe, expect, it } from 'vitest';
import { connectAzureDevOps, type AzureDevOpsClient, type AzureDevOpsClientOptions } from '../../../shared/devops/azureDevOpsClient';
import { AzureDevOpsAuthError } from '../../../shared/devops/errors';
import { azureDevOpsScope, tokenRefreshMarginMs } from '../../../shared/devops/credentials';
import { failureKindOf, PermanentError, ThrottledError, TransientError } from '../../../shared/errors';
import { createLogger } from '../../../shared/logging/logger';
import type { OrganizationSettings } from '../../../shared/organizations/organizationSettings';
import type { Vault } from '../../../shared/vault/port';
import { TokenNotFoundError } from '../../../shared/vault/errors';
import { ManualClock } from '../../support/manualClock';
import { startAzureDevOpsServer, type AzureDevOpsServer, type AzureDevOpsServerOptions } from '../../support/azureDevOpsServer';

/**
 * Vigil's Azure DevOps client with the real azure-devops-node-api over HTTP against the loopback
 * Azure DevOps. Waits are recorded, not slept.
 */
const pat = `${'q7Rz'.repeat(19)}AZDO${'x9Kp'}`; // new-format PAT shape: 76 + AZDO + 4
const secretName = 'ado-pat-contoso';
const project = 'Fabrikam-Fiber-Git';

const servers: Array<{ close(): Promise<void> }> = [];
const clients: AzureDevOpsClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const server of servers.splice(0)) await server.close();
});

function organization(url: string, auth: 'pat' | 'managed-identity' = 'pat'): OrganizationSettings {
  return {
    id: 'contoso',
    organization: 'contoso',
    azureDevOps: { url, auth: auth === 'pat' ? { mode: 'pat', tokenSecret: secretName } : { mode: 'managed-identity' } },
    alertChannels: [],
    workItems: { workItemType: 'Issue', stateMapping: {} },
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
  };
}

const vault = (values: Record<string, string> = { [secretName]: pat }): Vault => ({ getSecret: async (name) => values[name] });

async function server(options: AzureDevOpsServerOptions = {}): Promise<AzureDevOpsServer> {
  const started = await startAzureDevOpsServer({ pat, ...options });
  servers.push(started);
  return started;
}

async function connect(ado: AzureDevOpsServer, options: AzureDevOpsClientOptions & { waits?: number[] } = {}): Promise<AzureDevOpsClient> {
  const waits = options.waits ?? [];
  const client = await connectAzureDevOps(organization(ado.url), {
    vault: vault(),
    options: { sleep: async (ms) => void waits.push(ms), random: () => 0.5, ...options },
  });
  clients.push(client);
  return client;
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('Azure DevOps client against the loopback Azure DevOps', () => {
  it('gets a build and lists its logs with PAT auth, through node-api route negotiation', async () => {
    const ado = await server({ builds: [{ id: 391, project, logs: [{ id: 1, sizeBytes: 1000 }, { id: 2, sizeBytes: 2000 }] }] });
    const client = await connect(ado);

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
    const client = await connect(ado);

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

  it('lists every project across continuation pages', async () => {
    const projects = Array.from({ length: 250 }, (_, i) => ({ name: `project-${String(i).padStart(3, '0')}` }));
    const ado = await server({ projects, maxProjectsPage: 100 });
    const client = await connect(ado);

    const names: string[] = [];
    for await (const p of client.listProjects({ pageSize: 100 })) names.push(p.name ?? '');
    expect(names).toEqual(projects.map((p) => p.name));
    const pages = ado.callsTo('/_apis/projects', 'GET');
    expect(pages.map((c) => c.query.continuationToken)).toEqual([undefined, '100', '200']);
  });

  it('waits out a 429 a bounded number of times, then throws ThrottledError with the server delay', async () => {
    const ado = await server({ builds: [{ id: 5, project, logs: [{ id: 1, sizeBytes: 10 }] }] });
    const waits: number[] = [];
    const client = await connect(ado, { waits, retry: { maxThrottleWaits: 2 } });
    ado.injectFault({ path: '/builds/5/logs/1', status: 429, retryAfterSeconds: 7 });

    const error = await rejection(client.streamBuildLog(project, 5, 1));
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(7000);
    expect(failureKindOf(error)).toBe('throttled');
    expect(waits).toEqual([7000, 7000]);
    expect(ado.callsTo('/builds/5/logs/1', 'GET')).toHaveLength(3);
  });

  it('honours X-RateLimit-Delay on a 429 from a JSON call', async () => {
    const ado = await server({ builds: [{ id: 5, project, logs: [] }] });
    const waits: number[] = [];
    const client = await connect(ado, { waits });
    ado.injectFault({ path: '/builds/5', method: 'GET', status: 429, rateLimitDelaySeconds: 2.5, times: 1 });

    const build = await client.getBuild(project, 5);
    expect(build.id).toBe(5);
    expect(waits).toEqual([2500]);
  });

  it('does not wait in process for a long Retry-After: ThrottledError at once so the queue reschedules', async () => {
    const ado = await server({ builds: [{ id: 5, project, logs: [] }] });
    const waits: number[] = [];
    const client = await connect(ado, { waits });
    ado.injectFault({ path: '/builds/5', status: 429, retryAfterSeconds: 600 });

    const error = await rejection(client.getBuild(project, 5));
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(600_000);
    expect(waits).toEqual([]);
  });

  it('retries a 503 with backoff and then succeeds', async () => {
    const ado = await server({ builds: [{ id: 8, project, logs: [{ id: 1, sizeBytes: 100 }] }] });
    const waits: number[] = [];
    const client = await connect(ado, { waits });
    ado.injectFault({ path: '/builds/8', method: 'GET', status: 503, times: 2 });

    const build = await client.getBuild(project, 8);
    expect(build.id).toBe(8);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThan(waits[0]);
    expect(ado.callsTo('/builds/8', 'GET').map((c) => c.status)).toEqual([503, 503, 200]);
  });

  it('gives up on a persistent 5xx with a TransientError after the bounded attempts', async () => {
    const ado = await server({ builds: [{ id: 8, project, logs: [{ id: 1, sizeBytes: 100 }] }] });
    const waits: number[] = [];
    const client = await connect(ado, { waits, retry: { maxAttempts: 3 } });
    ado.injectFault({ path: '/builds/8/logs/1', status: 500 });

    const error = await rejection(client.streamBuildLog(project, 8, 1));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain('HTTP 500');
    expect(waits).toHaveLength(2);
  });

  it('turns a 401 into an auth error naming the organization and the secret, never the token', async () => {
    const ado = await server({ pat: 'a-different-pat-than-the-vault-has' });
    const error = await rejection(connect(ado));
    expect(error).toBeInstanceOf(AzureDevOpsAuthError);
    expect(failureKindOf(error)).toBe('configuration');
    expect(error.message).toBe(
      "Azure DevOps rejected the credentials for organization 'contoso' (auth pat, secret 'ado-pat-contoso'; HTTP 401): check the PAT's scopes and expiry",
    );
    expect(error.message).not.toContain(pat);
    expect(JSON.stringify(error)).not.toContain(pat);
  });

  it('turns a 401 on a later call (an expired PAT) into the same auth error', async () => {
    const ado = await server({ builds: [{ id: 9, project, logs: [{ id: 1, sizeBytes: 10 }] }] });
    const client = await connect(ado);
    ado.injectFault({ path: '/builds/9/logs', status: 401 });
    const error = await rejection(client.listBuildLogs(project, 9));
    expect(error).toBeInstanceOf(AzureDevOpsAuthError);
    expect(error.message).toContain("organization 'contoso'");
    expect(error.message).toContain("secret 'ado-pat-contoso'");
    const streamError = await rejection(client.streamBuildLog(project, 9, 1));
    expect(streamError).toBeInstanceOf(AzureDevOpsAuthError);
  });

  it('turns a 203 sign-in page into an auth error, at connect and on later calls', async () => {
    const refused = await server({ pat: 'another-pat-entirely', unauthenticatedAnswer: 203 });
    const atConnect = await rejection(connect(refused));
    expect(atConnect).toBeInstanceOf(AzureDevOpsAuthError);
    expect(atConnect.message).toContain("organization 'contoso' (auth pat, secret 'ado-pat-contoso'; HTTP 203");
    expect(atConnect.message).not.toContain(pat);

    const ado = await server({ builds: [{ id: 10, project, logs: [{ id: 1, sizeBytes: 10 }] }] });
    const client = await connect(ado);
    ado.injectFault({ path: '/contoso/', status: 203 });
    const later = await rejection(client.getBuild(project, 10));
    expect(later).toBeInstanceOf(AzureDevOpsAuthError);
    expect(later.message).not.toContain(pat);
    const stream = await rejection(client.streamBuildLog(project, 10, 1));
    expect(stream).toBeInstanceOf(AzureDevOpsAuthError);

    // Once the credential works again, the client recovers (node-api's poisoned route table is dropped).
    ado.clearFaults();
    expect((await client.getBuild(project, 10)).id).toBe(10);
  });

  it('a missing PAT secret is a TokenNotFoundError naming it', async () => {
    const ado = await server();
    const error = await rejection(connectAzureDevOps(organization(ado.url), { vault: vault({}) }));
    expect(error).toBeInstanceOf(TokenNotFoundError);
    expect(error.message).toContain(secretName);
  });

  it('a 404 is a PermanentError naming the resource', async () => {
    const ado = await server({ builds: [] });
    const client = await connect(ado);
    const error = await rejection(client.getBuild(project, 4242));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toBe(`Azure DevOps has no build 4242 in project '${project}' in organization 'contoso' (HTTP 404)`);
    const stream = await rejection(client.streamBuildLog(project, 4242, 1));
    expect(stream).toBeInstanceOf(PermanentError);
    expect(stream.message).toContain('log 1 of build 4242');
  });

  it('never writes the PAT to the logs, even while retrying and failing', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sink: { write: (line) => lines.push(line) } });
    const ado = await server({ builds: [{ id: 11, project, logs: [{ id: 1, sizeBytes: 10 }] }] });
    const client = await connect(ado, { logger });
    ado.injectFault({ path: '/builds/11', status: 503, times: 2 });
    await client.getBuild(project, 11);
    ado.injectFault({ path: '/builds/11', status: 401 });
    const error = await rejection(client.getBuild(project, 11));
    logger.error('build scan failed', { error, authorization: `Basic ${Buffer.from(`PAT:${pat}`).toString('base64')}`, pat });

    const output = lines.join('');
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
    expect(output).toContain("secret 'ado-pat-contoso'");
    expect(output).not.toContain(pat);
    expect(output).not.toContain(Buffer.from(`PAT:${pat}`).toString('base64'));
  });

  it('managed identity: sends the Entra token as Bearer and refreshes it before expiry', async () => {
    const clock = new ManualClock();
    const scopes: string[] = [];
    let issued = 0;
    const credential: TokenCredential = {
      getToken: async (scope): Promise<AccessToken> => {
        scopes.push(String(scope));
        issued++;
        return { token: `fake-entra-token-${issued}`, expiresOnTimestamp: clock.now() + 60 * 60_000 };
      },
    };
    const ado = await server({ bearerTokens: ['fake-entra-token-1', 'fake-entra-token-2'], builds: [{ id: 12, project, logs: [] }] });
    const client = await connectAzureDevOps(organization(ado.url, 'managed-identity'), {
      vault: vault({}),
      credential,
      clock,
      options: { sleep: async () => undefined },
    });
    clients.push(client);
    await client.getBuild(project, 12);
    expect(scopes).toEqual([azureDevOpsScope]);
    expect(ado.calls.every((call) => call.authorization === 'Bearer fake-entra-token-1')).toBe(true);

    clock.advance(60 * 60_000 - tokenRefreshMarginMs + 1);
    await client.getBuild(project, 12);
    expect(scopes).toHaveLength(2);
    expect(ado.calls.at(-1)?.authorization).toBe('Bearer fake-entra-token-2');
  });

  it('managed identity: a refused token is an auth error naming managed identity', async () => {
    const credential: TokenCredential = { getToken: async () => ({ token: 'unknown-token-xyz-123', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const ado = await server({ bearerTokens: ['only-this-one'] });
    const error = await rejection(connectAzureDevOps(organization(ado.url, 'managed-identity'), { vault: vault({}), credential }));
    expect(error).toBeInstanceOf(AzureDevOpsAuthError);
    expect(error.message).toContain("organization 'contoso' (auth managed-identity; HTTP 401)");
    expect(error.message).not.toContain('unknown-token-xyz-123');
  });

  it('never forwards the credential on a cross-origin redirect', async () => {
    const seen: Array<string | undefined> = [];
    const foreign = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('log from elsewhere\n');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => foreign.close(() => resolve())) });
    const foreignUrl = `http://localhost:${(foreign.address() as AddressInfo).port}/blob/log.txt`;

    const ado = await server({ builds: [{ id: 13, project, logs: [{ id: 1, sizeBytes: 10 }] }] });
    const client = await connect(ado);
    ado.injectFault({ path: '/builds/13/logs/1', status: 302, location: foreignUrl });
    let text = '';
    for await (const chunk of await client.streamBuildLog(project, 13, 1)) text += String(chunk);
    expect(text).toBe('log from elsewhere\n');
    expect(seen).toEqual([undefined]);
    expect(ado.callsTo('/builds/13/logs/1')[0]?.authorization).toMatch(/^Basic /);
  });

  it('lists repositories, service connections and their pipeline permissions', async () => {
    const ado = await server({
      repositories: { [project]: [{ name: 'web' }, { name: 'old', isDisabled: true }] },
      openEndpoints: { '5e47a0d8-c745-44f8-8f93-784f18ff31c4': true },
    });
    const client = await connect(ado);
    const repositories = await client.listRepositories(project);
    expect(repositories.map((r) => [r.name, r.isDisabled ?? false])).toEqual([
      ['web', false],
      ['old', true],
    ]);
    const endpoints = await client.listServiceEndpoints(project);
    expect(endpoints.map((e) => e.id)).toEqual(['5e47a0d8-c745-44f8-8f93-784f18ff31c4']);
    expect(ado.callsTo('/_apis/serviceendpoint/endpoints', 'GET')[0]?.query.includeDetails).toBe('true');
    const permissions = await client.getPipelinePermissionsForEndpoint(project, endpoints[0].id ?? '');
    expect(permissions.allPipelines?.authorized).toBe(true);
    expect(permissions.resource).toEqual({ type: 'endpoint', id: '5e47a0d8-c745-44f8-8f93-784f18ff31c4' });
    expect(ado.callsTo('/pipelinePermissions/endpoint/')[0]?.query['api-version']).toBe('7.1-preview.1');
  });

  it('reads a push, a commit\'s changes and a file at that commit', async () => {
    const ado = await server({
      commits: [{ commitId: 'c0ffee'.padEnd(40, '0'), repositoryId: 'repo-1', files: { '/src/app.ts': 'export const x = 1;\n', '/README.md': '# hi\n' } }],
    });
    const client = await connect(ado);
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

  it('creates, lists, replaces and deletes service hook subscriptions', async () => {
    const ado = await server();
    const client = await connect(ado);
    const created = await client.createServiceHookSubscription({
      publisherId: 'tfs',
      eventType: 'build.complete',
      resourceVersion: '1.0-preview.1',
      consumerId: 'webHooks',
      consumerActionId: 'httpRequest',
      publisherInputs: { projectId: '6ce954b1-ce1f-45d1-b94d-e6bf2464ba2c' },
      consumerInputs: { url: 'https://vigil.example/api/hooks/azure-devops' },
    });
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.url).toBe(`${ado.url}/_apis/hooks/subscriptions/${created.id}`);
    expect(await client.listServiceHookSubscriptions({ eventType: 'build.complete' })).toHaveLength(1);
    expect(await client.listServiceHookSubscriptions({ eventType: 'git.push' })).toHaveLength(0);
    const replaced = await client.replaceServiceHookSubscription(created.id ?? '', { ...created, consumerInputs: { url: 'https://vigil.example/v2' } });
    expect(replaced.consumerInputs?.url).toBe('https://vigil.example/v2');
    await client.deleteServiceHookSubscription(created.id ?? '');
    expect(await client.listServiceHookSubscriptions()).toHaveLength(0);
    const again = await rejection(client.deleteServiceHookSubscription(created.id ?? ''));
    expect(again).toBeInstanceOf(PermanentError);
  });

  it('does not repeat a create after a 500 (it may have happened), but does after a 503', async () => {
    const ado = await server();
    const waits: number[] = [];
    const client = await connect(ado, { waits });
    const subscription = { publisherId: 'tfs', eventType: 'build.complete', consumerId: 'webHooks', consumerActionId: 'httpRequest' };
    ado.injectFault({ path: '/_apis/hooks/subscriptions', method: 'POST', status: 500, times: 1 });
    expect(await rejection(client.createServiceHookSubscription(subscription))).toBeInstanceOf(TransientError);
    expect(ado.callsTo('/_apis/hooks/subscriptions', 'POST')).toHaveLength(1);
    ado.injectFault({ path: '/_apis/hooks/subscriptions', method: 'POST', status: 503, times: 1 });
    expect((await client.createServiceHookSubscription(subscription)).id).toBeDefined();
    expect(ado.callsTo('/_apis/hooks/subscriptions', 'POST')).toHaveLength(3);
  });
});
