import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queueNames } from '../../shared/queue/names';
import { headersOnly, openRequest, rawRequest } from '../support/rawHttp';
import { appFunctions, startTestHost, type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders } from '../support/webhookClient';

/**
 * The local host's HTTP front door as an attacker or a bad day meets it, over real HTTP: malformed
 * requests get a clear 4xx (never a 500), nothing is read before the caller is known, and the bytes
 * held for request bodies stay under a bound.
 */
const serviceHooks = join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks');
const gitPush = readFileSync(join(serviceHooks, 'git.push.json'));

/** A routed delivery of exactly `bytes` bytes (a git.push with padding), with its own id. */
function paddedPush(id: string, bytes: number): Buffer {
  const payload = JSON.parse(gitPush.toString('utf8')) as Record<string, unknown>;
  payload.id = id;
  payload.padding = '';
  payload.padding = 'x'.repeat(Math.max(0, bytes - JSON.stringify(payload).length));
  return Buffer.from(JSON.stringify(payload));
}

let host: TestHost;

beforeAll(async () => {
  host = await startTestHost({
    // Two megabytes in flight: one 1.5 MB delivery fits, two at once do not.
    env: { VIGIL_MAX_BODY_BYTES_IN_FLIGHT: String(2 * 1024 * 1024) },
    functions: (await appFunctions()).filter((f) => f.kind === 'http'),
  });
});

afterAll(async () => {
  await host?.dispose();
});

async function totalMessages(): Promise<number> {
  let total = 0;
  for (const queue of queueNames) total += (await host.services.queue.counts(queue)).active;
  return total;
}

describe('malformed requests get a 4xx, never a 500', () => {
  it.each(['/api/hooks/%ff', '/api/hooks/%', '/api/hooks/%E0%A4%A'])(
    'answers 404 to a malformed percent-encoding in the route (%s)',
    async (path) => {
      const answer = await rawRequest(host.baseUrl, { path, headers: azureDevOpsHeaders(), body: gitPush });
      expect(answer.status).toBe(404);
      expect(answer.body.error).toBe('not_found');
    },
  );

  it.each([
    ['exa mple', '/api/health', 'GET'],
    ['[::1', '/api/health', 'GET'],
    ['exa mple', '/api/hooks/azure-devops', 'POST'],
  ])('answers 400 to the invalid Host header %j on %s', async (hostHeader, path, method) => {
    const answer = await rawRequest(host.baseUrl, {
      method,
      path,
      headers: { ...(method === 'POST' ? azureDevOpsHeaders() : {}), host: hostHeader },
      body: method === 'POST' ? gitPush : undefined,
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('bad_request');
  });
});

describe('nothing is read before the caller is known', () => {
  it('refuses wrong credentials from the headers alone, before any of the body is sent', async () => {
    const answer = await headersOnly(host.baseUrl, {
      path: '/api/hooks/azure-devops',
      headers: { ...azureDevOpsHeaders('not-the-secret'), 'content-length': String(1_500_000) },
    });
    expect(answer).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it('refuses a GitLab token that is not a hook secret before the body is sent', async () => {
    const answer = await headersOnly(host.baseUrl, {
      path: '/api/hooks/gitlab',
      headers: { 'content-type': 'application/json', 'x-gitlab-token': 'not-the-token', 'content-length': String(1_500_000) },
    });
    expect(answer.status).toBe(401);
  });

  it('refuses a declared Content-Length over the webhook limit before reading, even from an authenticated caller', async () => {
    const answer = await headersOnly(host.baseUrl, {
      path: '/api/hooks/azure-devops',
      headers: { ...azureDevOpsHeaders(), 'content-length': String(3 * 1024 * 1024) },
    });
    expect(answer).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });

  it('stops at the webhook limit a body that declares no length, and answers 413', async () => {
    const answer = await rawRequest(host.baseUrl, {
      path: '/api/hooks/azure-devops',
      headers: { ...azureDevOpsHeaders(), 'transfer-encoding': 'chunked' },
      body: paddedPush('chunked-too-large', 2 * 1024 * 1024 + 10),
    });
    expect(answer).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });
});

describe('the bytes held for request bodies are bounded across requests', () => {
  it('answers 503 with Retry-After while another body holds the bound, and takes the delivery once it is released', async () => {
    const before = await totalMessages();
    const first = paddedPush('in-flight-1', 1_500_000);
    const holding = openRequest(host.baseUrl, {
      path: '/api/hooks/azure-devops',
      headers: { ...azureDevOpsHeaders(), 'content-length': String(first.length) },
    });
    await holding.continued;
    holding.request.write(first.subarray(0, 1000));
    // The host takes a declared length whole when it starts reading the body.
    await vi.waitFor(() => expect(host.bodyBytesInFlight()).toBe(first.length), { timeout: 10_000, interval: 5 });

    const second = paddedPush('in-flight-2', 1_500_000);
    const refused = await rawRequest(host.baseUrl, { path: '/api/hooks/azure-devops', headers: azureDevOpsHeaders(), body: second });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(await totalMessages()).toBe(before);

    holding.request.end(first.subarray(1000));
    expect((await holding.answer).status).toBe(202);
    const retried = await rawRequest(host.baseUrl, { path: '/api/hooks/azure-devops', headers: azureDevOpsHeaders(), body: second });
    expect(retried.status).toBe(202);
    expect(await totalMessages()).toBe(before + 2);
    await vi.waitFor(() => expect(host.bodyBytesInFlight()).toBe(0), { timeout: 10_000, interval: 5 });
  });
});

describe('a client that hangs up', () => {
  it('is logged at debug, not as an error of ours', async () => {
    const body = paddedPush('hung-up', 100_000);
    const abandoned = openRequest(host.baseUrl, {
      path: '/api/hooks/azure-devops',
      headers: { ...azureDevOpsHeaders(), 'content-length': String(body.length), 'x-test-case': 'hung-up' },
    });
    abandoned.answer.catch(() => undefined);
    await abandoned.continued;
    abandoned.request.write(body.subarray(0, 1000));
    abandoned.request.destroy();
    const line = JSON.parse(await host.waitForLog(/"url":"\/api\/hooks\/azure-devops"/)) as { level: string; message: string };
    expect(line.level).toBe('debug');
    expect(host.logLines.filter((l) => (JSON.parse(l) as { level: string }).level === 'error')).toEqual([]);
  });
});

describe('health', () => {
  it('answers ok while the store takes writes', async () => {
    const answer = await rawRequest(host.baseUrl, { method: 'GET', path: '/api/health' });
    expect(answer).toMatchObject({ status: 200, body: { status: 'ok', store: 'embedded' } });
  });

  it('never logs the hook secrets', () => {
    const log = host.logLines.join('');
    for (const secret of Object.values(testHookSecrets)) expect(log).not.toContain(secret);
  });
});
