import type { ContainerName } from '../port';
import type { EmbeddedDatabase } from './embeddedDatabase';

/**
 * The fields the embedded store keeps sorted, per container: what pages order by (the overview's
 * risks table, recent leaks, riskiest repositories, pipeline days, recent deliveries). Cosmos DB
 * indexes every path by default; SQLite reads every document of the container to sort without an
 * index. Each is a partial index on the container's rows only, so other containers' writes do not
 * pay for it. A query that orders by one of them names its index (`INDEXED BY`: without statistics
 * SQLite's planner prefers the primary key and sorts everything) and orders by exactly the indexed
 * expression, then `id`, in one direction, so SQLite walks the index and stops at the page's end.
 */
export const sortedFields: Partial<Record<ContainerName, readonly string[]>> = {
  risks: ['lastSeenAt', 'firstSeenAt'],
  assets: ['riskScore.score'],
  pipelineDays: ['day'],
  deliveries: ['receivedAt'],
};

export function sortIndexName(container: string, field: string): string | undefined {
  return sortedFields[container as ContainerName]?.includes(field) ? `documents_${container}_by_${field.replace(/\./g, '_')}` : undefined;
}

export function createSortIndexes(db: EmbeddedDatabase): void {
  for (const [container, fields] of Object.entries(sortedFields)) {
    for (const field of fields ?? []) {
      const name = sortIndexName(container, field);
      db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON documents (json_extract(body, '$.${field}'), id) WHERE container = '${container}'`);
    }
  }
}
