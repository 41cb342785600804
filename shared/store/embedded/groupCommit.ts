import type { EmbeddedDatabase } from './embeddedDatabase';

/**
 * Group commit for the embedded database: writes that arrive in the same turn of the event loop
 * share one SQLite transaction, each inside its own savepoint so a failing write undoes only
 * itself, and every caller is answered only once that transaction has committed. Under load, fifty
 * webhook deliveries then cost one WAL commit instead of two each; alone, a write waits one tick.
 */
export interface GroupCommit {
  write<T>(work: () => T): Promise<T>;
}

interface PendingWrite {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const perDatabase = new WeakMap<EmbeddedDatabase, GroupCommit>();

/** The one group commit of a database handle, shared by the embedded store and queue that use it. */
export function groupCommitFor(db: EmbeddedDatabase): GroupCommit {
  let groupCommit = perDatabase.get(db);
  if (!groupCommit) {
    groupCommit = createGroupCommit(db);
    perDatabase.set(db, groupCommit);
  }
  return groupCommit;
}

function createGroupCommit(db: EmbeddedDatabase): GroupCommit {
  // Prepared once: building a savepoint per write through db.transaction() cost more than the write.
  const savepoint = db.prepare('SAVEPOINT vigil_write');
  const release = db.prepare('RELEASE vigil_write');
  const rollback = db.prepare('ROLLBACK TO vigil_write');
  let pending: PendingWrite[] = [];

  const runIsolated = (work: () => unknown): Outcome => {
    savepoint.run();
    try {
      const value = work();
      release.run();
      return { ok: true, value };
    } catch (error) {
      rollback.run();
      release.run();
      return { ok: false, error };
    }
  };

  const commitBatch = db.transaction((batch: PendingWrite[]) => batch.map(({ work }) => runIsolated(work)));

  const flush = () => {
    const batch = pending;
    pending = [];
    let outcomes: Outcome[];
    try {
      // BEGIN IMMEDIATE: a deferred transaction that reads and then writes fails at once with "database is locked" when
      // the WAL checkpointer holds the write lock (SQLite does not wait there, to avoid a deadlock); an immediate one
      // waits its busy_timeout like any write. Seen after a 20,000-risk burst (bench:sarif).
      outcomes = commitBatch.immediate(batch);
    } catch (error) {
      for (const write of batch) write.reject(error);
      return;
    }
    batch.forEach((write, index) => {
      const outcome = outcomes[index];
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  };

  return {
    write<T>(work: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
      });
    },
  };
}
