import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices } from '../../shared/app/services';
import { loadConfig } from '../../shared/config';
import { recordDelivery } from '../../shared/events/deliveryLog';
import { createLogger } from '../../shared/logging/logger';
import { deliveriesRetentionDays } from '../../shared/store/timeToLive';
import { ManualClock } from '../support/manualClock';

/**
 * The compiled `vigil trace` against a data folder whose deliveries were recorded a month ago and a few weeks ago: the
 * one past the deliveries' TTL is not found (exit 1, saying how long deliveries are kept), the other still is, though
 * no sweep has run (the CLI starts none).
 */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
const hour = 3_600_000;
const day = 24 * hour;

let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-trace-expired-'));
  const clock = new ManualClock(Date.now() - deliveriesRetentionDays * day - hour);
  const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), {
    clock,
    logger: createLogger({ sink: { write: () => undefined } }),
  });
  const record = (eventId: string) =>
    recordDelivery(services.stores.deliveries, {
      source: 'github',
      eventId,
      type: 'push',
      organization: 'contoso',
      receivedAt: new Date(clock.now()).toISOString(),
      outcome: 'accepted',
      queues: ['repo-scan'],
    });
  await record('delivery-past-its-ttl');
  clock.advance(2 * day);
  await record('delivery-within-its-ttl');
  await services.close();
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

async function vigil(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, ...args], {
      env: { ...process.env, VIGIL_DATA_DIR: dataDir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('vigil trace of an expired delivery', () => {
  it('says it is not recorded and that deliveries are kept for their TTL, exit 1', async () => {
    const run = await vigil('trace', 'delivery-past-its-ttl');
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain("no delivery or event 'delivery-past-its-ttl' is recorded");
    expect(run.stderr).toContain(`kept ${deliveriesRetentionDays} days after their last write`);
  });

  it('still traces a delivery within its TTL', async () => {
    const run = await vigil('trace', 'delivery-within-its-ttl', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ deliveryId: 'delivery-within-its-ttl', webhook: { outcome: 'accepted' } });
  });
});
