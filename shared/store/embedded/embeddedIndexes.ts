import type { ContainerName } from '../port';
import type { EmbeddedDatabase } from './embeddedDatabase';

/**
 * The fields the embedded store keeps sorted, per container: what pages order by (the overview's
 * risks table, recent leaks, riskiest repositories, pipeline days, recent deliveries). Cosmos DB
 * indexes every path by default; SQLite reads every document of the container to sort without an
 * index. Each is a partial index on the container's rows only, so other containers' writes do not
 * pay for it. A query orders by `json_extract(body, '$.<field>')` then `id`, in one direction, which
 * is exactly the indexed expression, so SQLite walks the index and stops at the page's end.
 */
export const sortedFields: Partial<Record<ContainerName, readonly string[]>> = {
  risks: ['lastSeenAt', 'firstSeenAt'],
  assets: ['riskScore.score'],
  pipelineDays: ['day'],
  deliveries: ['receivedAt'],
};

export function createSortIndexes(db: EmbeddedDatabase): void {
  for (const [container, fields] of Object.entries(sortedFields)) {
    for (const field of fields ?? []) {
      const name = `documents_${container}_by_${field.replace(/\./g, '_')}`;
      db.exec(`CREATE INDEX IF NOT EXISTS ${name} ON documents (json_extract(body, '$.${field}'), id) WHERE container = '${container}'`);
    }
  }
}
