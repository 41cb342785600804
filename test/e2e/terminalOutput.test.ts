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

/**
 * The operator's terminal: data from outside (a message id, a handler's reason, a delivery's type,
 * another service's error text) is printed with its control characters visible, never executed.
 * The compiled CLI is run as users run it.
 */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
const escapeSequences = '\u001b[2J\u001b]0;owned\u0007\u009b31m';
const hostileId = `parked-1\n2026-11-20T10:00:00.000Z  alerts  parked  forged-line${escapeSequences}`;

let dataDir: string;

async function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { PATH: process.env.PATH, VIGIL_DATA_DIR: dataDir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-terminal-'));
  const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }));
  const envelope: EventEnvelope = {
    id: hostileId,
    source: 'azure-devops',
    type: 'workitem.updated',
    organization: 'contoso',
    subject: { workItemId: 7 },
    receivedAt: '2026-11-20T10:00:00.000Z',
  };
  await parkMessage(services.stores.parked, {
    queue: 'workitem-sync',
    messageId: hostileId,
    functionName: 'syncWorkItem',
    body: envelope,
    reason: `PermanentError: work item 7 not found${escapeSequences}\nsecond line`,
    deliveryCount: 1,
    parkedAt: '2026-11-20T10:00:01.000Z',
  });
  // A record as an older version (before ids were held to a sane form at the webhook) could have written it.
  await services.stores.deliveries.create({
    id: 'old-record',
    source: 'azure-devops',
    eventId: hostileId,
    type: `git.push${escapeSequences}`,
    receivedAt: '2026-11-20T10:00:00.000Z',
    outcome: 'accepted',
    queues: ['repo-scan'],
  });
  await services.close();
});

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('vigil prints data from outside with its control characters visible', () => {
  it('dlq list: one entry, two lines, no escape sequence reaches the terminal', async () => {
    const run = await vigil('dlq', 'list');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(run.stdout).toContain('parked-1\\x0a2026-11-20T10:00:00.000Z  alerts  parked  forged-line\\x1b[2J\\x1b]0;owned\\x07');
  });

  it('dlq list --json: valid JSON with the same values and no raw control character', async () => {
    const run = await vigil('dlq', 'list', '--json');
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const { messages } = JSON.parse(run.stdout) as { messages: Array<{ messageId: string }> };
    expect(messages[0].messageId).toBe(hostileId);
  });

  it('status: the recent deliveries are one line each', async () => {
    const run = await vigil('status');
    expect(run.code).toBe(0);
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(run.stdout).toContain('git.push\\x1b[2J');
  });

  it('an error naming something from outside is one line on stderr', async () => {
    const run = await vigil('dlq', 'list', '--queue', `nope${escapeSequences}\nvigil: forged`);
    expect(run.code).toBe(2);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  });
});
