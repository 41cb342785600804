import type { Container, Document, QuerySpec, Stored } from './port';

/** Every document a query matches, read page by page through its continuation tokens. */
export async function queryAll<T extends Document>(
  container: Container<T>,
  spec: Omit<QuerySpec, 'continuationToken'>,
  pageSize = 200,
): Promise<Array<Stored<T>>> {
  const all: Array<Stored<T>> = [];
  let continuationToken: string | undefined;
  do {
    const page = await container.query({ ...spec, limit: spec.limit ?? pageSize, continuationToken });
    all.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken);
  return all;
}
