import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnWatched, type WatchedProcess } from '../support/childProcess';
import { testHookSecrets } from '../support/testHost';
import { githubHeaders, post } from '../support/webhookClient';

const hostScript = join(__dirname, '..', 'support', 'crashableHost.ts');
const running: WatchedProcess[] = [];

function startHost(dataDir: string, extra: Record<string, string> = {}): WatchedProcess {
  const host = spawnWatched(process.execPath, ['--import', 'tsx', hostScript], {
    ...process.env,
    ...testHookSecrets,
    VIGIL_DATA_DIR: dataDir,
    PORT: '0',
    VIGIL_QUEUE_CONCURRENCY: '1',
    VIGIL_LOG_LEVEL: 'warn',
    PROBE_EFFECTS_FILE: join(dataDir, 'effects.log'),
    ...extra,
  });
  running.push(host);
  return host;
}

async function readyUrl(host: WatchedProcess): Promise<string> {
  return (await host.waitForLine(/^ready /)).split(' ')[1];
}

function pushDelivery(baseUrl: string, deliveryId: string) {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: '0'.repeat(40),
    after: deliveryId.padEnd(40, '0').slice(0, 40),
    repository: { id: 42, full_name: 'contoso/api', owner: { login: 'contoso' } },
  });
  return post(`${baseUrl}/hooks/github`, body, githubHeaders('push', body, { delivery: deliveryId }));
}

afterEach(() => {
  for (const host of running.splice(0)) host.child.kill('SIGKILL');
});

describe('a host killed in the middle of a handler', () => {
  it('loses no accepted event and runs each side effect once after a restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-crash-'));
    try {
      const first = startHost(dataDir, { PROBE_HANG_ON: 'push-1' });
      const firstUrl = await readyUrl(first);
      for (const id of ['push-1', 'push-2', 'push-3']) {
        expect((await pushDelivery(firstUrl, id)).status).toBe(202);
      }
      await first.waitForLine(/^hanging push-1$/);
      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');

      const second = startHost(dataDir);
      const secondUrl = await readyUrl(second);
      await Promise.all(['push-1', 'push-2', 'push-3'].map((id) => second.waitForLine(new RegExp(`^effect ${id}$`))));

      // Azure DevOps and GitHub redeliver when unsure: the same delivery is acknowledged, not redone.
      const again = await pushDelivery(secondUrl, 'push-2');
      expect(again.body).toMatchObject({ duplicate: true });

      second.child.kill('SIGTERM');
      expect((await second.exited).code).toBe(0);
      const effects = readFileSync(join(dataDir, 'effects.log'), 'utf8').trim().split('\n').sort();
      expect(effects).toEqual(['push-1', 'push-2', 'push-3']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a second host on the same data directory while the first runs', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-lock-'));
    try {
      const first = startHost(dataDir);
      await readyUrl(first);
      const second = startHost(dataDir);
      expect((await second.exited).code).toBe(1);
      expect(second.stderr()).toMatch(/another Vigil host \(pid \d+\) is using/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
