import Database from 'better-sqlite3';
import type { AppServices } from '../../shared/app/services';
import type { Container, Document } from '../../shared/store/port';

type WebhookContainer = 'deliveries' | 'parked';

/**
 * Makes every write the webhook and the health check make fail as SQLite fails on a full disk
 * (`SQLITE_FULL`, the error the embedded store's commits then throw), reads still working, until the
 * returned function restores them. A full disk cannot be made on demand without mount rights; this
 * fails the same calls with the same error, underneath the webhook and the health check, while they
 * are driven over real HTTP (test/e2e/fullDisk.test.ts makes a real one where it may mount).
 */
export function failStoreWritesAsOnAFullDisk(
  services: AppServices,
  containers: readonly WebhookContainer[] = ['deliveries', 'parked'],
): () => void {
  const diskFull = () => Promise.reject(new Database.SqliteError('database or disk is full', 'SQLITE_FULL'));
  const restores: Array<() => void> = [];
  for (const name of containers) {
    const container = services.stores[name] as Container<Document>;
    const originals = {
      create: container.create,
      replace: container.replace,
      upsert: container.upsert,
      patch: container.patch,
      delete: container.delete,
    };
    Object.assign(container, { create: diskFull, replace: diskFull, upsert: diskFull, patch: diskFull, delete: diskFull });
    restores.push(() => Object.assign(container, originals));
  }
  const originalCheck = services.checkStoreWritable;
  services.checkStoreWritable = diskFull;
  restores.push(() => (services.checkStoreWritable = originalCheck));
  return () => {
    for (const restore of restores.reverse()) restore();
  };
}
