import Database from 'better-sqlite3';
import type { ContainerName, Document, Store } from '../../shared/store/port';

/**
 * Makes every write of `store` fail as SQLite fails on a full disk (`SQLITE_FULL`, the error the
 * embedded store's commits then throw), reads still working, until the returned function restores
 * it. A full disk cannot be made on demand without mount rights; this fails the same calls with the
 * same error, underneath the webhook and the health check, while they are driven over real HTTP.
 */
export function failStoreWritesAsOnAFullDisk(store: Store, containers?: readonly ContainerName[]): () => void {
  const originalContainer = store.container.bind(store);
  const originalCheck = store.checkWritable;
  const diskFull = () => Promise.reject(new Database.SqliteError('database or disk is full', 'SQLITE_FULL'));
  store.container = <T extends Document>(name: ContainerName) => {
    const container = originalContainer<T>(name);
    if (containers && !containers.includes(name)) return container;
    return Object.assign(Object.create(container) as typeof container, {
      create: diskFull,
      replace: diskFull,
      upsert: diskFull,
      patch: diskFull,
      delete: diskFull,
    });
  };
  if (originalCheck) store.checkWritable = diskFull;
  return () => {
    store.container = originalContainer;
    store.checkWritable = originalCheck;
  };
}
