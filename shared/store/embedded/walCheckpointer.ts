import { Worker } from 'node:worker_threads';
import type { Logger } from '../../logging';
import { type EmbeddedDatabase, walSizeLimitBytes } from './embeddedDatabase';

/**
 * Checkpoints the embedded database's WAL on a worker thread. SQLite's automatic checkpoint runs
 * inside the commit that crosses the threshold, on the event loop: under a burst of webhook
 * deliveries that one commit stalled every request behind it (p99 148 ms against 38 ms without
 * it, bench:ingest). A PASSIVE checkpoint on another connection copies committed pages without
 * blocking the writer. The main connection keeps a far higher automatic threshold as a backstop
 * should the worker stop.
 */
export interface WalCheckpointer {
  stop(): Promise<void>;
}

const workerSource = `
const { statSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
db.pragma('journal_size_limit = ' + workerData.walSizeLimitBytes);
const walBytes = () => {
  try {
    return statSync(workerData.file + '-wal').size;
  } catch {
    return 0;
  }
};
const checkpoint = () => {
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    // Every frame copied and the file still over its limit (a burst, an idle host after it): cut it
    // back now; SQLite alone would do it only when the next write restarts the log.
    if (result && result.busy === 0 && result.log === result.checkpointed && walBytes() > workerData.walSizeLimitBytes) {
      db.pragma('wal_checkpoint(TRUNCATE)');
    }
  } catch (error) {
    parentPort.postMessage({ failed: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

const backstopPages = 100_000;

export function startWalCheckpointer(database: EmbeddedDatabase, logger: Logger, intervalMs = 1_000): WalCheckpointer {
  database.pragma(`wal_autocheckpoint = ${backstopPages}`);
  const worker = new Worker(workerSource, {
    eval: true,
    workerData: { file: database.name, driver: require.resolve('better-sqlite3'), intervalMs, walSizeLimitBytes },
  });
  // The host must not wait on this thread to exit.
  worker.unref();
  worker.on('message', (message: { failed?: string }) => {
    if (message.failed) logger.warn('background WAL checkpoint failed; SQLite checkpoints on commit instead', { reason: message.failed });
  });
  worker.on('error', (error) => {
    logger.warn('WAL checkpoint thread stopped; SQLite checkpoints on commit instead', { reason: error.message });
    restoreAutomaticCheckpoints(database);
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping = false;
  return {
    stop() {
      if (!stopping) {
        stopping = true;
        worker.postMessage('stop');
      }
      return exited;
    },
  };
}

function restoreAutomaticCheckpoints(database: EmbeddedDatabase): void {
  if (database.open) database.pragma('wal_autocheckpoint = 10000');
}
