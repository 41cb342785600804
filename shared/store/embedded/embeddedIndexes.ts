import type { ContainerName } from '../port';
import type { EmbeddedDatabase } from './embeddedDatabase';

/**
 * The fields the embedded store keeps sorted, per container: what pages order by (the overview's
 * risks table, recent leaks, riskiest repositories, pipeline days). Cosmos DB
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
  // Not `deliveries`: every accepted webhook writes one, and its counts (vigil status) read them all anyway.
};

/**
 * Fields whose value picks out few documents (one risk, one asset's risks): an equality filter on one of them
 * is looked up in its index, and only the matches are sorted, which beats walking a sort index past
 * every document that does not match.
 */
export const lookupFields: Partial<Record<ContainerName, readonly string[]>> = {
  // `id`: a risk found by id alone, in whichever organization (partition) holds it (the overview's risk page).
  risks: ['id', 'asset.id'],
};

function indexName(container: string, kind: 'by' | 'where', field: string): string {
  return `documents_${container}_${kind}_${field.replace(/\./g, '_')}`;
}

/** The index a query should walk, if any: a lookup field it filters on, else the field it sorts by. */
export function chooseIndex(container: string, filtered: string[], sortedBy: string | undefined): string | undefined {
  const lookup = lookupFields[container as ContainerName]?.find((field) => filtered.includes(field));
  if (lookup) return indexName(container, 'where', lookup);
  return sortedBy && sortedFields[container as ContainerName]?.includes(sortedBy) ? indexName(container, 'by', sortedBy) : undefined;
}

export function createSortIndexes(db: EmbeddedDatabase): void {
  for (const [container, fields] of Object.entries(sortedFields)) {
    for (const field of fields ?? []) {
      db.exec(
        `CREATE INDEX IF NOT EXISTS ${indexName(container, 'by', field)} ON documents (json_extract(body, '$.${field}'), id) WHERE container = '${container}'`,
      );
    }
  }
  for (const [container, fields] of Object.entries(lookupFields)) {
    for (const field of fields ?? []) {
      db.exec(
        `CREATE INDEX IF NOT EXISTS ${indexName(container, 'where', field)} ON documents (json_extract(body, '$.${field}')) WHERE container = '${container}'`,
      );
    }
  }
}
