import type { FeedOptions, FeedResponse, Items, SqlQuerySpec } from '@azure/cosmos';

export interface QueryPageRequest {
  /** Most items to return; absent means every remaining item. */
  limit?: number;
  /** The SDK's own token (already taken out of our envelope). */
  continuationToken?: string;
  /** Scopes the query to one partition when the filter names the partition key. */
  partitionKey?: string;
  forceQueryPlan: boolean;
  abortSignal?: AbortSignal;
}

export interface RawQueryPage {
  resources: unknown[];
  continuationToken?: string;
}

/**
 * Top-ups one page may take. Cosmos may answer with short or empty pages (a partition with no
 * match, a throttled scan); past this many, the page is returned short with its token, which the
 * port allows, rather than scanning on inside one call.
 */
const maxTopUpsPerPage = 20;

/**
 * Reads up to `limit` items, topping a short page up from its continuation token, so a caller sees
 * full pages as the embedded store gives them. Each top-up asks for exactly what is missing: one
 * SDK page never overshoots, so the token returned always points just past the last item returned.
 */
export async function readQueryPage(items: Items, query: SqlQuerySpec, request: QueryPageRequest): Promise<RawQueryPage> {
  // enableQueryControl: the SDK hands out a continuation token after every page, cross-partition
  // too, and resumes from one; the same options serve a page and "everything from here on".
  const base: FeedOptions = { forceQueryPlan: request.forceQueryPlan, enableQueryControl: true, abortSignal: request.abortSignal };
  if (request.partitionKey !== undefined) base.partitionKey = request.partitionKey;
  if (request.limit === undefined) {
    const iterator = items.query(query, { ...base, continuationToken: request.continuationToken });
    const resources: unknown[] = [];
    while (iterator.hasMoreResults()) resources.push(...((await iterator.fetchNext()).resources ?? []));
    return { resources };
  }
  const resources: unknown[] = [];
  let token = request.continuationToken;
  let topUps = 0;
  do {
    const iterator = items.query(query, { ...base, maxItemCount: request.limit - resources.length, continuationToken: token });
    let page: FeedResponse<unknown>;
    do {
      // A cross-partition ORDER BY may answer empty, without a token, while it gathers from every
      // partition: only this iterator can carry on, so it is asked again rather than given up.
      page = await iterator.fetchNext();
    } while ((page.resources ?? []).length === 0 && !page.continuationToken && iterator.hasMoreResults());
    resources.push(...(page.resources ?? []));
    token = page.continuationToken || undefined;
    topUps += 1;
  } while (resources.length < request.limit && token !== undefined && topUps < maxTopUpsPerPage);
  return { resources, continuationToken: token };
}
