import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/logging/logger';
import {
  type EmbeddedDatabase,
  embeddedDatabaseFileName,
  openEmbeddedDatabase,
  walSizeLimitBytes,
} from '../../../shared/store/embedded/embeddedDatabase';
import { startWalCheckpointer } from '../../../shared/store/embedded/walCheckpointer';

let dataDir: string;
let database: EmbeddedDatabase | undefined;

afterEach(() => {
  database?.close();
  database = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

function openDatabase(): EmbeddedDatabase {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-wal-'));
  const db = openEmbeddedDatabase(dataDir);
  db.exec('CREATE TABLE payloads (id INTEGER PRIMARY KEY, body TEXT)');
  return db;
}

describe('checkpoints on a worker thread', () => {
  it('leaves commits to the writer and copies the WAL into the database file off the event loop', async () => {
    database = openDatabase();
    const logged: string[] = [];
    const checkpointer = startWalCheckpointer(
      database,
      createLogger({ sink: { write: (line: string) => void logged.push(line) } }),
      60_000,
    );
    expect(database.pragma('wal_autocheckpoint', { simple: true })).toBe(100_000);

    const insert = database.prepare('INSERT INTO payloads (body) VALUES (?)');
    database.transaction(() => {
      for (let i = 0; i < 2_000; i++) insert.run('x'.repeat(2_000));
    })();
    const before = statSync(join(dataDir, embeddedDatabaseFileName)).size;

    await checkpointer.stop(); // a last checkpoint, then the thread ends
    const after = statSync(join(dataDir, embeddedDatabaseFileName)).size;
    expect(after).toBeGreaterThan(before + 2_000 * 2_000 * 0.9);
    expect(logged).toEqual([]);
  });

  it('stops once, however often it is asked', async () => {
    database = openDatabase();
    const checkpointer = startWalCheckpointer(database, createLogger({ sink: { write: () => undefined } }), 60_000);
    await Promise.all([checkpointer.stop(), checkpointer.stop()]);
    await checkpointer.stop();
  });
});

describe('the write-ahead log after a burst', () => {
  const walBytes = () => statSync(join(dataDir, `${embeddedDatabaseFileName}-wal`)).size;
  const burst = (db: EmbeddedDatabase) => {
    const insert = db.prepare('INSERT INTO payloads (body) VALUES (?)');
    db.transaction(() => {
      for (let i = 0; i < 4_000; i++) insert.run('x'.repeat(4_000));
    })();
  };

  it('shrinks back to its limit once checkpointed, instead of keeping its largest size', () => {
    database = openDatabase();
    burst(database);
    expect(walBytes()).toBeGreaterThan(15 * 1024 * 1024);
    database.pragma('wal_checkpoint(PASSIVE)');
    // The next write starts the log over, and cuts the file back to the limit.
    database.prepare('INSERT INTO payloads (body) VALUES (?)').run('after the burst');
    expect(walBytes()).toBeLessThanOrEqual(walSizeLimitBytes);
  });

  it('is cut back by the checkpoint thread even when no write follows (an idle host)', async () => {
    database = openDatabase();
    const checkpointer = startWalCheckpointer(database, createLogger({ sink: { write: () => undefined } }), 60_000);
    burst(database);
    expect(walBytes()).toBeGreaterThan(15 * 1024 * 1024);
    await checkpointer.stop(); // its last checkpoint
    expect(walBytes()).toBeLessThanOrEqual(walSizeLimitBytes);
  });
});
