import type { Clock } from '../../clock';
import type { EmbeddedDatabase } from './embeddedDatabase';
import { groupCommitFor } from './groupCommit';

/**
 * Whether the embedded database takes writes right now: one row rewritten through the same group
 * commit as every other write, so a full disk (or a read-only file) fails it as it fails them. The
 * health endpoint asks; a probe answered in the last `minIntervalMs` is reused, so a flood of
 * health checks costs at most one tiny write per interval.
 */
export function createEmbeddedWriteProbe(db: EmbeddedDatabase, clock: Clock, minIntervalMs = 1_000): () => Promise<void> {
  db.exec('CREATE TABLE IF NOT EXISTS write_probe (id INTEGER PRIMARY KEY CHECK (id = 1), probed_at INTEGER NOT NULL)');
  const write = db.prepare(
    'INSERT INTO write_probe (id, probed_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at',
  );
  const writes = groupCommitFor(db);
  let last: { at: number; outcome: Promise<void> } | undefined;
  return () => {
    const now = clock.now();
    if (last && now - last.at < minIntervalMs) return last.outcome;
    const outcome = writes.write(() => void write.run(now));
    last = { at: now, outcome };
    outcome.catch(() => undefined);
    return outcome;
  };
}
