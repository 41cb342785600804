import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from '../errors';
import { processStartTime } from './processStartTime';

/**
 * One local host per data directory: the host owns the embedded queue's locks and the idempotency
 * claims in it, and releases both at start-up because their previous holders are gone.
 *
 * The lock is a file made with an exclusive create (`wx`): of two hosts starting in the same
 * millisecond exactly one makes it. It records the holder's pid and that process's start time, so
 * a lock left by a host that died is recognised even when its pid now belongs to another, unrelated
 * process (pids are reused): the pid must be alive *and* have started when the holder did. Breaking
 * such a stale lock happens under a second exclusive file, so two hosts finding the same stale lock
 * cannot both break it and both go on.
 */
interface LockRecord {
  pid: number;
  /** When the holder process started (Linux: clock ticks since boot, from /proc); absent where unknown. */
  startTime?: string;
}

const attempts = 20;
/** A lock file with no readable record younger than this is being written, not abandoned. */
const writingGraceMs = 2_000;

export function acquireHostLock(dataDir: string): () => void {
  const file = join(dataDir, 'host.pid');
  const self: LockRecord = { pid: process.pid, startTime: processStartTime(process.pid) };
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (createExclusively(file, self, dataDir)) return () => rmSync(file, { force: true });
    const holder = readRecord(file);
    if (holder === undefined) continue; // released in between: try again
    if (holder.record === undefined && Date.now() - holder.modifiedAt < writingGraceMs) {
      // Made a moment ago by a host that has not written its record yet: it is not stale, wait for it.
      pause(10);
      continue;
    }
    if (holder.record && isLiveHolder(holder.record)) {
      if (holder.record.pid === process.pid) {
        // This very process holds it (a second host in one process, as tests start): the old behaviour, kept.
        return () => rmSync(file, { force: true });
      }
      throw new ConfigurationError(
        `another Vigil host (pid ${holder.record.pid}) is using ${dataDir}; stop it, or set VIGIL_DATA_DIR to another directory`,
      );
    }
    breakStaleLock(file, holder.raw, self, dataDir);
    if (attempt > 0) pause(10);
  }
  throw new ConfigurationError(`could not take the host lock ${file}: another Vigil host keeps starting on ${dataDir}; try again`);
}

/** True when the lock was made; false when it exists. Anything else (a read-only folder) is a configuration error naming the folder. */
function createExclusively(file: string, record: LockRecord, dataDir: string): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw unwritable(dataDir, error);
  }
  try {
    writeSync(descriptor, JSON.stringify(record));
  } finally {
    closeSync(descriptor);
  }
  return true;
}

export function unwritable(dataDir: string, error: unknown): ConfigurationError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new ConfigurationError(
    `cannot write to the data folder ${dataDir} (${code}): make it writable, or set VIGIL_DATA_DIR to a folder this user can write`,
  );
}

function readRecord(file: string): { raw: string; record: LockRecord | undefined; modifiedAt: number } | undefined {
  try {
    const modifiedAt = statSync(file).mtimeMs;
    const raw = readFileSync(file, 'utf8');
    return { raw, record: parseRecord(raw), modifiedAt };
  } catch {
    return undefined;
  }
}

function parseRecord(raw: string): LockRecord | undefined {
  const text = raw.trim();
  // Hosts before this version wrote the bare pid.
  if (/^\d+$/.test(text)) return { pid: Number(text) };
  try {
    const parsed = JSON.parse(text) as Partial<LockRecord>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return undefined;
    return { pid: parsed.pid, ...(typeof parsed.startTime === 'string' ? { startTime: parsed.startTime } : {}) };
  } catch {
    // A half-written or foreign file: nobody can be shown to hold it.
    return undefined;
  }
}

/** Alive, and (where start times can be read) the very process that wrote the lock, not a later one given the same pid. */
function isLiveHolder(record: LockRecord): boolean {
  if (!isAlive(record.pid)) return false;
  if (record.startTime === undefined) return true;
  const current = processStartTime(record.pid);
  return current === undefined || current === record.startTime;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the lock only if it still holds what was read as stale, while holding `<lock>.takeover`
 * (made with an exclusive create): whoever finds the same stale lock at the same time waits for
 * that file to go and then finds the new holder's lock instead.
 */
function breakStaleLock(file: string, staleContent: string, self: LockRecord, dataDir: string): void {
  const takeover = `${file}.takeover`;
  if (!createExclusively(takeover, self, dataDir)) {
    const breaker = readRecord(takeover);
    if (breaker === undefined || (breaker.record === undefined && Date.now() - breaker.modifiedAt < writingGraceMs)) return;
    // Left by a host that died while breaking a lock: nobody is breaking it any more.
    if (!(breaker.record && isLiveHolder(breaker.record))) rmSync(takeover, { force: true });
    return;
  }
  try {
    const current = readRecord(file);
    if (current?.raw === staleContent) rmSync(file, { force: true });
  } finally {
    rmSync(takeover, { force: true });
  }
}

/** A short synchronous wait between attempts (start-up only, while another host is mid-way through the same steps). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
