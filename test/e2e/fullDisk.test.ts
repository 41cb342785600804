import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../support/manualClock';
import { appFunctions, startTestHost, type TestHost } from '../support/testHost';
import { azureDevOpsHeaders } from '../support/webhookClient';

/**
 * A real full disk, where the machine allows making one: the local host's data folder on a 4 MB
 * tmpfs that a filler file then fills to the last page. Needs mount rights (root with
 * CAP_SYS_ADMIN); elsewhere the same answers are checked with SQLITE_FULL injected under the store
 * (webhookHardening.test.ts "a full disk").
 */
function canMountTmpfs(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(join(tmpdir(), 'vigil-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const mountable = canMountTmpfs();
let mountPoint: string;
let host: TestHost;
let clock: ManualClock;
const filler = () => join(mountPoint, 'filler');

/** Writes until the file system refuses (ENOSPC): whatever needs a new page after this fails. */
function fillTheDisk(): void {
  const descriptor = openSync(filler(), 'w');
  try {
    for (const size of [1024 * 1024, 64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          writeSync(descriptor, chunk);
        } catch {
          break;
        }
      }
    }
  } finally {
    closeSync(descriptor);
  }
}

describe.runIf(mountable)('a real full disk under the local host', () => {
  beforeAll(async () => {
    mountPoint = mkdtempSync(join(tmpdir(), 'vigil-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint]);
    clock = new ManualClock(Date.now());
    host = await startTestHost({
      clock,
      dataDir: join(mountPoint, 'data'),
      functions: (await appFunctions()).filter((f) => f.kind === 'http'),
    });
    fillTheDisk();
  });

  afterAll(async () => {
    rmSync(filler(), { force: true });
    await host?.dispose();
    if (mountPoint) {
      execFileSync('umount', [mountPoint]);
      rmSync(mountPoint, { recursive: true, force: true });
    }
  });

  it('answers 503 with Retry-After for an event nothing routes, and for a routed one', async () => {
    for (const [name, id] of [
      ['tfvc.checkin', 'disk-full-ignored'],
      ['git.push', 'disk-full-routed'],
    ]) {
      const payload = JSON.parse(
        readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', `${name}.json`), 'utf8'),
      ) as Record<string, unknown>;
      const response = await fetch(host.url('/hooks/azure-devops'), {
        method: 'POST',
        headers: azureDevOpsHeaders(),
        body: JSON.stringify({ ...payload, id }),
      });
      expect(response.status, name).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    }
  });

  it('makes the health check answer 503, and ok once there is room again', async () => {
    clock.advance(2_000);
    expect((await fetch(host.url('/health'))).status).toBe(503);
    rmSync(filler(), { force: true });
    clock.advance(2_000);
    expect((await fetch(host.url('/health'))).status).toBe(200);
  });
});
