import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { connectAzureDevOps } from '../../../shared/devops/azureDevOpsConnection';
import { openAzureDevOpsTransport } from '../../../shared/devops/azureDevOpsTransport';
import { azureDevOpsScope, tokenRefreshMarginMs } from '../../../shared/devops/credentials';
import { AzureDevOpsAuthError, AzureDevOpsConflictError } from '../../../shared/devops/errors';
import { failureKindOf, PermanentError, ThrottledError, TransientError } from '../../../shared/errors';
import { createLogger } from '../../../shared/logging/logger';
import { TokenNotFoundError } from '../../../shared/vault/errors';
import {
  organization,
  pat,
  project,
  rejection,
  secretName,
  useLoopbackAzureDevOps,
  vault,
} from '../../support/azureDevOps/loopbackConnection';
import { type LoopbackExtension, sendJson } from '../../support/azureDevOpsServer';
import { ManualClock } from '../../support/manualClock';

/**
 * The transport every Azure DevOps client shares, with the real azure-devops-node-api over HTTP
 * against the loopback Azure DevOps: credentials, retries, throttling, error mapping, redirects,
 * sign-in pages, and raw requests. Each is driven through the smallest area call that shows it.
 */
const { server, connect, closeLater } = useLoopbackAzureDevOps();

/** `PATCH {project}/_apis/wit/workitems/{id}` taking a JSON Patch, refused with 412 when its `test /rev` is stale (as Azure DevOps does). */
function revisionCheckedWorkItem(id: number, startRev: number): LoopbackExtension & { rev(): number; contentTypes: string[] } {
  let rev = startRev;
  const contentTypes: string[] = [];
  return {
    rev: () => rev,
    contentTypes,
    handle(request, res) {
      if (request.method !== 'PATCH' || request.projectRoute !== `/_apis/wit/workitems/${id}`) return false;
      contentTypes.push(String(request.headers['content-type']));
      if (request.headers['content-type'] !== 'application/json-patch+json') {
        sendJson(res, 415, { message: 'VS403451: the request content type must be application/json-patch+json' });
        return true;
      }
      const operations = JSON.parse(request.body) as Array<{ op: string; path: string; value?: unknown }>;
      const stale = operations.find((operation) => operation.op === 'test' && operation.path === '/rev' && operation.value !== rev);
      if (stale) {
        sendJson(res, 412, {
          message: `TF26071: This work item has been changed by someone else since you opened it (rev ${rev}, not ${String(stale.value)}).`,
        });
        return true;
      }
      rev++;
      sendJson(res, 200, { id, rev });
      return true;
    },
  };
}

describe('the Azure DevOps transport against the loopback Azure DevOps', () => {
  it('shares one transport between the area clients: each made once, one request count', async () => {
    const ado = await server({ builds: [{ id: 4, project, logs: [] }], projects: [{ name: project }] });
    const connection = await connect(ado);
    expect(connection.builds).toBe(connection.builds);
    expect(connection.organization).toBe('contoso');
    expect(connection.url).toBe(ado.url);
    const before = connection.requestCount();
    await connection.builds.getBuild(project, 4);
    for await (const _ of connection.projects.listProjects()) void _;
    expect(connection.requestCount() - before).toBe(2);
  });

  it('waits out a 429 a bounded number of times, then throws ThrottledError with the server delay', async () => {
    const ado = await server({ builds: [{ id: 5, project, logs: [{ id: 1, sizeBytes: 10 }] }] });
    const waits: number[] = [];
    const client = (await connect(ado, { waits, retry: { maxThrottleWaits: 2 } })).builds;
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
    const client = (await connect(ado, { waits })).builds;
    ado.injectFault({ path: '/builds/5', method: 'GET', status: 429, rateLimitDelaySeconds: 2.5, times: 1 });

    const build = await client.getBuild(project, 5);
    expect(build.id).toBe(5);
    expect(waits).toEqual([2500]);
  });

  it('does not wait in process for a long Retry-After: ThrottledError at once so the queue reschedules', async () => {
    const ado = await server({ builds: [{ id: 5, project, logs: [] }] });
    const waits: number[] = [];
    const client = (await connect(ado, { waits })).builds;
    ado.injectFault({ path: '/builds/5', status: 429, retryAfterSeconds: 600 });

    const error = await rejection(client.getBuild(project, 5));
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(600_000);
    expect(waits).toEqual([]);
  });

  it('retries a 503 with backoff and then succeeds', async () => {
    const ado = await server({ builds: [{ id: 8, project, logs: [{ id: 1, sizeBytes: 100 }] }] });
    const waits: number[] = [];
    const client = (await connect(ado, { waits })).builds;
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
    const client = (await connect(ado, { waits, retry: { maxAttempts: 3 } })).builds;
    ado.injectFault({ path: '/builds/8/logs/1', status: 500 });

    const error = await rejection(client.streamBuildLog(project, 8, 1));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain('HTTP 500');
    expect(waits).toHaveLength(2);
  });

  it('does not repeat a create after a 500 (it may have happened), but does after a 503', async () => {
    const ado = await server();
    const waits: number[] = [];
    const client = (await connect(ado, { waits })).hookSubscriptions;
    const subscription = { publisherId: 'tfs', eventType: 'build.complete', consumerId: 'webHooks', consumerActionId: 'httpRequest' };
    ado.injectFault({ path: '/_apis/hooks/subscriptions', method: 'POST', status: 500, times: 1 });
    expect(await rejection(client.createServiceHookSubscription(subscription))).toBeInstanceOf(TransientError);
    expect(ado.callsTo('/_apis/hooks/subscriptions', 'POST')).toHaveLength(1);
    ado.injectFault({ path: '/_apis/hooks/subscriptions', method: 'POST', status: 503, times: 1 });
    expect((await client.createServiceHookSubscription(subscription)).id).toBeDefined();
    expect(ado.callsTo('/_apis/hooks/subscriptions', 'POST')).toHaveLength(3);
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
    const client = (await connect(ado)).builds;
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
    const client = (await connect(ado)).builds;
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
    const client = (await connect(ado)).builds;
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
    const client = (await connect(ado, { logger })).builds;
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
    const connection = await connectAzureDevOps(organization(ado.url, 'managed-identity'), {
      vault: vault({}),
      credential,
      clock,
      options: { sleep: async () => undefined },
    });
    closeLater(connection);
    await connection.builds.getBuild(project, 12);
    expect(scopes).toEqual([azureDevOpsScope]);
    expect(ado.calls.every((call) => call.authorization === 'Bearer fake-entra-token-1')).toBe(true);

    clock.advance(60 * 60_000 - tokenRefreshMarginMs + 1);
    await connection.builds.getBuild(project, 12);
    expect(scopes).toHaveLength(2);
    expect(ado.calls.at(-1)?.authorization).toBe('Bearer fake-entra-token-2');
  });

  it('managed identity: a refused token is an auth error naming managed identity', async () => {
    const credential: TokenCredential = {
      getToken: async () => ({ token: 'unknown-token-xyz-123', expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
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
    closeLater({ close: () => new Promise<void>((resolve) => foreign.close(() => resolve())) });
    const foreignUrl = `http://localhost:${(foreign.address() as AddressInfo).port}/blob/log.txt`;

    const ado = await server({ builds: [{ id: 13, project, logs: [{ id: 1, sizeBytes: 10 }] }] });
    const client = (await connect(ado)).builds;
    ado.injectFault({ path: '/builds/13/logs/1', status: 302, location: foreignUrl });
    let text = '';
    for await (const chunk of await client.streamBuildLog(project, 13, 1)) text += String(chunk);
    expect(text).toBe('log from elsewhere\n');
    expect(seen).toEqual([undefined]);
    expect(ado.callsTo('/builds/13/logs/1')[0]?.authorization).toMatch(/^Basic /);
  });

  it('sends a JSON Patch with its own content type, and answers a stale revision test with AzureDevOpsConflictError (HTTP 412), not retried', async () => {
    const workItem = revisionCheckedWorkItem(42, 3);
    const ado = await server({ extensions: [workItem] });
    const waits: number[] = [];
    const transport = await openAzureDevOpsTransport(organization(ado.url), {
      vault: vault(),
      options: { sleep: async (ms) => void waits.push(ms) },
    });
    closeLater(transport);
    const patch = (rev: number) => [
      { op: 'test', path: '/rev', value: rev },
      { op: 'add', path: '/fields/System.Title', value: 'leaked secret in web/api' },
    ];
    const path = `${project}/_apis/wit/workitems/42`;
    const send = (rev: number) =>
      transport.call({ resource: `work item 42 in project '${project}'`, idempotent: false }, () =>
        transport.send<{ id: number; rev: number }>('PATCH', path, {}, patch(rev), { contentType: 'application/json-patch+json' }),
      );

    expect(await send(3)).toEqual({ id: 42, rev: 4 });
    const stale = await rejection(send(3));
    expect(stale).toBeInstanceOf(AzureDevOpsConflictError);
    expect((stale as AzureDevOpsConflictError).statusCode).toBe(412);
    expect(failureKindOf(stale)).toBe('permanent');
    expect(stale.message).toBe(
      `Azure DevOps refused the request for work item 42 in project '${project}' in organization 'contoso' (HTTP 412): TF26071: This work item has been changed by someone else since you opened it (rev 4, not 3). (it changed since it was read: read it again before writing)`,
    );
    expect(workItem.rev()).toBe(4);
    expect(workItem.contentTypes).toEqual(['application/json-patch+json', 'application/json-patch+json']);
    expect(ado.callsTo('/_apis/wit/workitems/42', 'PATCH').map((c) => [c.query['api-version'], c.status])).toEqual([
      ['7.1', 200],
      ['7.1', 412],
    ]);
    expect(waits).toEqual([]);
    expect(transport.requestCount()).toBe(2);
  });

  it('maps what a raw request gets back as the typed calls do: 404 permanent, 401 an auth error, 503 retried', async () => {
    const ado = await server({ extensions: [revisionCheckedWorkItem(42, 1)] });
    const waits: number[] = [];
    const transport = await openAzureDevOpsTransport(organization(ado.url), {
      vault: vault(),
      options: { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    });
    closeLater(transport);
    const send = (id: number) =>
      transport.call({ resource: `work item ${id}` }, () =>
        transport.send<{ rev: number }>('PATCH', `${project}/_apis/wit/workitems/${id}`, {}, [{ op: 'test', path: '/rev', value: 1 }], {
          contentType: 'application/json-patch+json',
        }),
      );

    const missing = await rejection(send(7));
    expect(missing).toBeInstanceOf(PermanentError);
    expect(missing).not.toBeInstanceOf(AzureDevOpsConflictError);
    expect(missing.message).toBe("Azure DevOps has no work item 7 in organization 'contoso' (HTTP 404)");
    ado.injectFault({ path: '/workitems/42', status: 503, times: 1 });
    expect(await send(42)).toEqual({ id: 42, rev: 2 });
    expect(waits).toHaveLength(1);
    ado.injectFault({ path: '/workitems/42', status: 401 });
    expect(await rejection(send(42))).toBeInstanceOf(AzureDevOpsAuthError);
  });
});
