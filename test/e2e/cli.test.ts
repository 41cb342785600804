import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices } from '../../shared/app/services';
import { loadConfig } from '../../shared/config';
import type { EventEnvelope } from '../../shared/events/envelope';
import { parkMessage } from '../../shared/queue/parkedMessages';
import { appFunctions, startTestHost, type TestHost, testHookSecrets } from '../support/testHost';

/** The compiled CLI, as users run it (`npm test` builds before vitest runs). */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
const fixture = join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'git.push.json');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function vigil(args: string[], env: Record<string, string | undefined>): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

function envelope(id: string): EventEnvelope {
  return {
    id,
    source: 'azure-devops',
    type: 'git.push',
    organization: 'contoso',
    subject: { pushId: 1 },
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
}

let dataDir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  env = { VIGIL_DATA_DIR: dataDir, ...testHookSecrets };
  // One message dead-lettered by the queue, one parked by a handler, one still waiting.
  const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_MAX_DELIVERY_COUNT: '1' }));
  await services.queue.send('repo-scan', [{ messageId: 'dead-1', body: envelope('dead-1') }]);
  const [message] = await services.queue.receive('repo-scan', { maxMessages: 1, lockDurationMs: 60_000 });
  await services.queue.abandon(message, 'TransientError: Azure DevOps answered 503');
  await parkMessage(services.stores.parked, {
    queue: 'workitem-sync',
    messageId: 'parked-1',
    functionName: 'syncWorkItem',
    body: { ...envelope('parked-1'), type: 'workitem.updated' },
    reason: 'PermanentError: work item 7 not found',
    deliveryCount: 1,
    parkedAt: '2026-11-20T10:00:01.000Z',
  });
  await services.queue.send('build-scan', [{ messageId: 'waiting-1', body: envelope('waiting-1') }]);
  await services.close();
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('vigil --help and usage errors', () => {
  it('prints help for every command and exits 0', async () => {
    for (const args of [['--help'], ['start', '--help'], ['status', '--help'], ['dlq', 'list', '--help'], ['hooks', 'send', '--help']]) {
      const run = await vigil(args, env);
      expect(run.code, args.join(' ')).toBe(0);
      expect(run.stdout).toMatch(/Usage: vigil/);
    }
  });

  it.each([
    [['no-such-command']],
    [['dlq', 'list', '--queue', 'nope']],
    [['dlq', 'purge']],
    [['hooks', 'send', fixture]],
    [['start', '--port', 'seventy']],
  ])('exits 2 with one line for %j', async (args) => {
    const run = await vigil(args, env);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().length).toBeGreaterThan(0);
  });

  it('exits 2 naming the setting when the configuration is wrong', async () => {
    const run = await vigil(['status'], { ...env, VIGIL_QUEUE_CONCURRENCY: 'lots' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/VIGIL_QUEUE_CONCURRENCY/);
  });
});

describe('vigil status --json', () => {
  it('prints queue depths and delivery counts in the docs/architecture.md, "The `vigil` command" shape', async () => {
    const run = await vigil(['status', '--json'], env);
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as { queues: Record<string, unknown>; deliveries: unknown };
    expect(Object.keys(status.queues).sort()).toEqual(['alerts', 'build-scan', 'pr-publish', 'repo-scan', 'workitem-sync']);
    expect(status.queues['build-scan']).toEqual({ active: 1, scheduled: 0, deadLettered: 0 });
    expect(status.queues['repo-scan']).toEqual({ active: 0, scheduled: 0, deadLettered: 1 });
    expect(status.deliveries).toEqual({ accepted: 0, ignored: 0, refused: 0, parked: 0 });
  });
});

describe('vigil dlq', () => {
  it('lists dead-lettered and parked messages with their reasons', async () => {
    const run = await vigil(['dlq', 'list', '--json'], env);
    expect(run.code).toBe(0);
    const { messages } = JSON.parse(run.stdout) as { messages: Array<Record<string, unknown>> };
    expect(messages).toHaveLength(2);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          queue: 'repo-scan',
          kind: 'dead-lettered',
          messageId: 'dead-1',
          type: 'git.push',
          description: 'TransientError: Azure DevOps answered 503',
        }),
        expect.objectContaining({
          queue: 'workitem-sync',
          kind: 'parked',
          messageId: 'parked-1',
          reason: 'PermanentError: work item 7 not found',
        }),
      ]),
    );
    const text = await vigil(['dlq', 'list', '--queue', 'workitem-sync'], env);
    expect(text.stdout).toContain('parked-1');
    expect(text.stdout).not.toContain('dead-1');
  });

  it('replays them onto their queues, under a new message id for parked ones', async () => {
    const run = await vigil(['dlq', 'replay'], env);
    expect(run).toMatchObject({ code: 0, stdout: 'replayed 2 message(s)\n' });
    const status = JSON.parse((await vigil(['status', '--json'], env)).stdout) as {
      queues: Record<string, { active: number; deadLettered: number }>;
    };
    expect(status.queues['repo-scan']).toMatchObject({ active: 1, deadLettered: 0 });
    expect(status.queues['workitem-sync']).toMatchObject({ active: 1 });
    expect(JSON.parse((await vigil(['dlq', 'list', '--json'], env)).stdout)).toEqual({ messages: [] });
  });

  it('purges only with --yes', async () => {
    const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_MAX_DELIVERY_COUNT: '1' }));
    const [message] = await services.queue.receive('build-scan', { maxMessages: 1, lockDurationMs: 60_000 });
    await services.queue.deadLetter(message, 'Poisoned', 'a test dead-lettered it');
    await services.close();
    expect((await vigil(['dlq', 'purge'], env)).code).toBe(2);
    expect(await vigil(['dlq', 'purge', 'waiting-1', '--yes'], env)).toMatchObject({ code: 0, stdout: 'purged 1 message(s)\n' });
  });
});

describe('vigil hooks send', () => {
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost({ functions: (await appFunctions()).filter((f) => f.kind === 'http') });
  });
  afterAll(() => host.dispose());

  it('posts a recorded payload signed with the local secret and exits 0 on 202', async () => {
    const run = await vigil(['hooks', 'send', fixture, '--source', 'azure-devops', '--url', host.baseUrl.replace(/\/api$/, '')], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^202 \{"id":"git\.push:[^"]+","queues":\["repo-scan"\]\}/);
  });

  it('shows the accepted delivery among the recent ones in vigil status', async () => {
    const run = await vigil(['status'], { ...env, VIGIL_DATA_DIR: host.dataDir });
    expect(run.stdout).toMatch(/recent:\n .* azure-devops {2}git\.push {2}git\.push:\S+ -> repo-scan/);
  });

  it('exits 1 when the webhook refuses the delivery', async () => {
    const run = await vigil(['hooks', 'send', fixture, '--source', 'azure-devops', '--url', host.baseUrl.replace(/\/api$/, '')], {
      ...env,
      VIGIL_HOOK_SECRET_AZURE_DEVOPS: 'a-different-secret',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^401 /);
  });

  it('exits 2 with a hint when no host is listening', async () => {
    const run = await vigil(['hooks', 'send', fixture, '--source', 'azure-devops', '--url', 'http://127.0.0.1:1'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/cannot reach .*vigil start/);
  });
});
