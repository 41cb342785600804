import type { Clock } from '../../clock';
import { type ContainerName, containerNames } from '../port';
import { containerTimeToLive } from '../timeToLive';
import type { EmbeddedDatabase } from './embeddedDatabase';
import { groupCommitFor } from './groupCommit';

/**
 * Cosmos DB's time to live on the embedded store (docs/operations.md, "How long data is kept"). Each row carries
 * `expires_at` (seconds since the epoch, NULL for never), computed when it is written; reads and queries skip a row
 * past it at once, as Cosmos hides an expired item before it deletes it, and `sweepExpiredDocuments` deletes such
 * rows later, in bounded batches.
 */

const expiryIndex = 'documents_by_expiry';

/**
 * Adds `expires_at` to a database written before it existed and recomputes it for a container whose default TTL
 * differs from the one its rows were written with (the table `document_ttl` remembers it): Cosmos applies a changed
 * default to the items already stored, and so does this. A row with its own `ttl` keeps it. Runs once per change,
 * when the store opens, never on a request.
 */
export function prepareExpiry(db: EmbeddedDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS document_ttl (container TEXT PRIMARY KEY, default_ttl INTEGER) WITHOUT ROWID');
  // The usual case (the CLI beside a running host, every start after the first): nothing to change, and no write lock taken.
  if (expiryUpToDate(db)) return;
  // Inside one immediate transaction: a second connection opening the same file (the CLI beside the host) waits, then
  // finds the column and the recorded defaults and does nothing.
  db.transaction(() => {
    const columns = db.prepare<[], { name: string }>('PRAGMA table_info(documents)').all();
    if (!columns.some((column) => column.name === 'expires_at')) db.exec('ALTER TABLE documents ADD COLUMN expires_at INTEGER');
    db.exec(`CREATE INDEX IF NOT EXISTS ${expiryIndex} ON documents (expires_at) WHERE expires_at IS NOT NULL`);
    const recordedTtl = db.prepare<[string], { default_ttl: number | null }>('SELECT default_ttl FROM document_ttl WHERE container = ?');
    const record = db.prepare(
      'INSERT INTO document_ttl (container, default_ttl) VALUES (?, ?) ON CONFLICT (container) DO UPDATE SET default_ttl = excluded.default_ttl',
    );
    // The same rules as expiresAtSeconds (timeToLive.ts), over rows already stored; a ttl Cosmos would refuse was never written.
    const recompute = db.prepare(`
      UPDATE documents SET expires_at = CASE
        WHEN json_type(body, '$.ttl') = 'integer' AND json_extract(body, '$.ttl') = -1 THEN NULL
        WHEN json_type(body, '$.ttl') = 'integer' AND json_extract(body, '$.ttl') > 0 THEN ts + json_extract(body, '$.ttl')
        ELSE ts + ?
      END
      WHERE container = ?`);
    const clear = db.prepare('UPDATE documents SET expires_at = NULL WHERE container = ? AND expires_at IS NOT NULL');
    for (const container of containerNames) {
      const wanted = containerTimeToLive(container) ?? null;
      const recorded = recordedTtl.get(container);
      if (recorded !== undefined && recorded.default_ttl === wanted) continue;
      if (wanted !== null) recompute.run(wanted, container);
      // TTL off: rows written before this column existed have none; only rows of a container that had TTL need clearing.
      else if (recorded !== undefined) clear.run(container);
      record.run(container, wanted);
    }
  }).immediate();
}

function expiryUpToDate(db: EmbeddedDatabase): boolean {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(documents)').all();
  if (!columns.some((column) => column.name === 'expires_at')) return false;
  const recorded = new Map(
    db
      .prepare<[], { container: string; default_ttl: number | null }>('SELECT container, default_ttl FROM document_ttl')
      .all()
      .map((row) => [row.container, row.default_ttl]),
  );
  return containerNames.every(
    (container) => recorded.has(container) && recorded.get(container) === (containerTimeToLive(container) ?? null),
  );
}

/** The SQL condition that keeps only live rows, with the current time (seconds) as its one parameter. */
export const liveRow = '(expires_at IS NULL OR expires_at > ?)';

/** Whether a container's rows can expire at all (its queries need the `liveRow` condition). */
export function canExpire(container: ContainerName): boolean {
  return containerTimeToLive(container) !== undefined;
}

export function nowSeconds(clock: Clock): number {
  return clock.now() / 1000;
}

export interface SweepOptions {
  /** Rows deleted per transaction: a write waiting behind the sweep waits for one batch at most. */
  batchSize?: number;
  /** Batches per call: a backlog (a host started after weeks off) is cleared over several calls. */
  maxBatches?: number;
}

export const defaultSweepBatchSize = 500;
export const defaultSweepMaxBatches = 200;

/**
 * Deletes rows whose time has passed, oldest expiry first, `batchSize` at a time, each batch its own write through the
 * database's group commit, so other writes go in between the batches rather than waiting for the whole sweep. Returns
 * how many rows it deleted.
 */
export async function sweepExpiredDocuments(db: EmbeddedDatabase, clock: Clock, options: SweepOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? defaultSweepBatchSize;
  const maxBatches = options.maxBatches ?? defaultSweepMaxBatches;
  const deleteBatch = db.prepare<[number, number]>(
    `DELETE FROM documents WHERE (container, pk, id) IN (
      SELECT container, pk, id FROM documents INDEXED BY ${expiryIndex}
      WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?)`,
  );
  const writes = groupCommitFor(db);
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    const changes = await writes.write(() => deleteBatch.run(nowSeconds(clock), batchSize).changes);
    deleted += changes;
    if (changes < batchSize) break;
  }
  return deleted;
}
