import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '../../shared/queue/names';
import { appFunctions, startTestHost, type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/** The compiled CLI, as users run it (`npm test` builds before vitest runs). */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * A git.push as a subscription might send it if Microsoft's Minimal payload kept none of the fields
 * Vigil reads: no push id, no repository, no URL. It carries a person's name and address, which
 * must never be stored or shown.
 */
const unidentifiable = {
  subscriptionId: 'sub-1',
  id: 'unidentified-1',
  eventType: 'git.push',
  publisherId: 'tfs',
  resource: {
    pushedBy: { displayName: 'Jamal Hartnett', uniqueName: 'jamal@fabrikam.example' },
    refUpdates: [{ name: 'refs/heads/main', newObjectId: 'c0ffee' }],
  },
  resourceContainers: { project: { id: 'c2c2c2c2-dddd-eeee-ffff-a3a3a3a3a3a3' } },
};
const personal = ['Jamal Hartnett', 'jamal@fabrikam.example', 'refs/heads/main', 'c0ffee'];

let host: TestHost;
const functions = async () => (await appFunctions()).filter((f) => f.kind === 'http');

async function vigil(...args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { ...process.env, ...testHookSecrets, VIGIL_DATA_DIR: host.dataDir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function activeMessages(on: TestHost): Promise<number> {
  let active = 0;
  for (const queue of queueNames) active += (await on.services.queue.counts(queue)).active;
  return active;
}

beforeAll(async () => {
  host = await startTestHost({ functions: await functions() });
});

afterAll(async () => {
  await host?.dispose();
});

describe('an authenticated Azure DevOps delivery whose ids cannot be found', () => {
  it('is answered 202 with the reason it was parked, never a 4xx, and nothing is enqueued', async () => {
    const response = await post(host.url('/hooks/azure-devops'), JSON.stringify(unidentifiable), azureDevOpsHeaders());
    expect(response).toEqual({
      status: 202,
      body: {
        id: 'sub-1:unidentified-1',
        queues: [],
        parked: 'cannot identify git.push: no pushId, repositoryId, organization in its typed fields, resource.url or resource._links',
      },
    });
    expect(await activeMessages(host)).toBe(0);
  });

  it("shows in vigil dlq list with its reason and the payload's shape, never its values", async () => {
    const json = await vigil('dlq', 'list', '--json');
    expect(json.code).toBe(0);
    const { messages } = JSON.parse(json.stdout) as { messages: Array<Record<string, unknown>> };
    expect(messages).toEqual([
      {
        queue: 'repo-scan',
        kind: 'parked',
        messageId: 'sub-1:unidentified-1',
        type: 'git.push',
        reason: 'cannot identify git.push: no pushId, repositoryId, organization in its typed fields, resource.url or resource._links',
        description: 'parked at the webhook, nothing was enqueued',
        shape: [
          'subscriptionId: string',
          'id: string',
          'eventType: string',
          'publisherId: string',
          'resource.pushedBy.displayName: string',
          'resource.pushedBy.uniqueName: string',
          'resource.refUpdates[].name: string',
          'resource.refUpdates[].newObjectId: string',
          'resourceContainers.project.id: string',
        ],
        deliveryCount: 1,
        failedAt: expect.any(String),
      },
    ]);

    const text = await vigil('dlq', 'list', '--queue', 'repo-scan');
    expect(text.stdout).toContain('sub-1:unidentified-1  (git.push)');
    expect(text.stdout).toContain('payload shape (field names and types, no values):\n      subscriptionId: string\n');
    const stored = JSON.stringify((await host.services.stores.parked.query({})).items);
    for (const value of personal) {
      expect(json.stdout).not.toContain(value);
      expect(text.stdout).not.toContain(value);
      expect(stored).not.toContain(value);
      expect(host.logLines.join('')).not.toContain(value);
    }
  });

  it('is counted as parked by vigil status, beside the counts it always printed', async () => {
    const json = JSON.parse((await vigil('status', '--json')).stdout) as { deliveries: Record<string, number> };
    expect(json.deliveries).toEqual({ accepted: 0, ignored: 0, refused: 0, parked: 1 });
    expect((await vigil('status')).stdout).toContain('0 accepted, 0 ignored, 1 parked, 0 refused');
  });

  it('is answered as a duplicate when Azure DevOps delivers it again, and parked once', async () => {
    const again = await post(host.url('/hooks/azure-devops'), JSON.stringify(unidentifiable), azureDevOpsHeaders());
    expect(again).toMatchObject({ status: 202, body: { id: 'sub-1:unidentified-1', queues: [], duplicate: true } });
    expect(await host.services.stores.parked.count()).toBe(1);
  });

  it('is not replayed by vigil dlq replay, which says why, and stays listed', async () => {
    const run = await vigil('dlq', 'replay');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^replayed 0 message\(s\)\n {2}not replayed: repo-scan sub-1:unidentified-1: parked at the webhook: its payload named no ids/,
    );
    expect(await activeMessages(host)).toBe(0);
    expect((JSON.parse((await vigil('dlq', 'list', '--json')).stdout) as { messages: unknown[] }).messages).toHaveLength(1);
  });

  it('parks what a subscription with resource details None sends: no resource at all', async () => {
    const none = {
      subscriptionId: 'sub-2',
      id: 'no-resource',
      eventType: 'build.complete',
      publisherId: 'tfs',
      resourceContainers: unidentifiable.resourceContainers,
    };
    const response = await post(host.url('/hooks/azure-devops'), JSON.stringify(none), azureDevOpsHeaders());
    expect(response).toMatchObject({
      status: 202,
      body: { queues: [], parked: expect.stringMatching(/^cannot identify build\.complete: no buildId, organization /) },
    });
  });

  it("is still refused 401 without the secret: only the subscription's deliveries are parked", async () => {
    const response = await post(
      host.url('/hooks/azure-devops'),
      JSON.stringify({ ...unidentifiable, id: 'unidentified-2' }),
      azureDevOpsHeaders('not-the-secret'),
    );
    expect(response.status).toBe(401);
    expect(await host.services.stores.parked.count()).toBe(2);
  });

  it('purges like any parked message', async () => {
    expect(await vigil('dlq', 'purge', 'sub-1:unidentified-1', '--yes')).toMatchObject({ code: 0, stdout: 'purged 1 message(s)\n' });
  });
});

describe('when the parked record cannot be written', () => {
  it('answers 503 with Retry-After, never a 4xx or 500, and records no delivery', async () => {
    await host.dispose();
    host = await startTestHost({ functions: await functions() });
    host.services.stores.parked.create = () => Promise.reject(new Error('disk full'));

    const response = await fetch(host.url('/hooks/azure-devops'), {
      method: 'POST',
      headers: azureDevOpsHeaders(),
      body: JSON.stringify(unidentifiable),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await host.services.stores.deliveries.count({ outcome: 'parked' })).toBe(0);
  });
});
