import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../errors';

/**
 * One local host per data directory: the host owns the embedded queue's locks and the idempotency
 * claims in it, and releases both at start-up because their previous holders are gone.
 */
export function acquireHostLock(dataDir: string): () => void {
  const file = join(dataDir, 'host.pid');
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(file, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new ConfigurationError(
      `another Vigil host (pid ${holder}) is using ${dataDir}; stop it, or set VIGIL_DATA_DIR to another directory`,
    );
  }
  writeFileSync(file, String(process.pid), { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
