import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export type EmbeddedDatabase = Database.Database;

export const embeddedDatabaseFileName = 'vigil.db';

/**
 * What the write-ahead log is cut back to once it has been checkpointed: without a limit SQLite
 * reuses the file but never shrinks it, and a burst (or a disk-full episode) left it at 15 MB.
 */
export const walSizeLimitBytes = 4 * 1024 * 1024;

/**
 * Opens (creating if needed) the one SQLite file that holds the embedded queue and store.
 * WAL with synchronous=NORMAL: a commit survives a process crash (kill -9) without an fsync per
 * write; only an OS crash could lose the last moments, which is acceptable for a local host.
 */
export function openEmbeddedDatabase(dataDir: string): EmbeddedDatabase {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, embeddedDatabaseFileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  // Checkpoint (and fsync) every ~40 MB of WAL rather than every 4 MB: under a burst of webhook
  // deliveries the checkpoints were a third of the write cost.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma(`journal_size_limit = ${walSizeLimitBytes}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

export function openInMemoryDatabase(): EmbeddedDatabase {
  return new Database(':memory:');
}
