import { z } from 'zod';
import type { AppServices, Asset } from '../app';
import type { RepositoryAsset } from '../repositories';
import type { Scalar } from '../store';
import { html } from './html';
import { ago, overviewBase, page, withQuery } from './layout';

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The query string of the repositories and service connections views and of `GET /api/assets`. */
export const assetListingQuery = z.object({
  type: optional(z.enum(['repository', 'service-connection'])),
  organization: optional(z.string().max(200)),
  sort: optional(z.enum(['score', 'name'])),
  limit: optional(z.coerce.number().int().min(1).max(200)),
  continuationToken: optional(z.string().max(2000)),
});
export type AssetListingQuery = z.infer<typeof assetListingQuery>;

/** One page of assets: repositories riskiest first (or by name), service connections by name. */
export async function listAssets(services: AppServices, query: AssetListingQuery) {
  const where: Record<string, Scalar> = {};
  if (query.type) where.type = query.type;
  if (query.organization) where.organization = query.organization.toLowerCase();
  const byScore = query.type === 'repository' && query.sort !== 'name';
  const page = await services.stores.assets.query({
    where,
    orderBy: byScore ? { field: 'riskScore.score', descending: true } : { field: 'name' },
    limit: query.limit ?? 50,
    ...(query.continuationToken ? { continuationToken: query.continuationToken } : {}),
  });
  return {
    items: page.items.map(withoutSystemProperties),
    ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
  };
}

function withoutSystemProperties(asset: Asset & { _etag?: string; _ts?: number }): Asset {
  const { _etag, _ts, ...rest } = asset;
  return rest as Asset;
}

function pager(path: string, current: Record<string, string | undefined>, query: AssetListingQuery, next: string | undefined) {
  return html`<p class="pager">${query.continuationToken ? html`<a href="${withQuery(path, current, {})}">First page</a> ` : ''}${
    next ? html`<a rel="next" href="${withQuery(path, current, { continuationToken: next })}">Next page</a>` : ''
  }</p>`;
}

function organizationFilter(path: string, query: AssetListingQuery) {
  return html`<form class="filters" method="get" action="${path}"><label>Organization<input name="organization" value="${query.organization ?? ''}" size="16"></label>${
    query.sort ? html`<input type="hidden" name="sort" value="${query.sort}">` : ''
  }<button type="submit">Filter</button> <a href="${path}">Clear</a></form>`;
}

export async function renderRepositories(services: AppServices, query: AssetListingQuery): Promise<string> {
  const found = await listAssets(services, { ...query, type: 'repository' });
  const path = `${overviewBase}/repositories`;
  const current = { organization: query.organization, sort: query.sort };
  const now = services.clock.now();
  const repositories = found.items as RepositoryAsset[];
  return page(
    'repositories',
    'Repositories',
    html`${organizationFilter(path, query)}
<table id="repositories"><thead><tr><th scope="col">Repository</th><th scope="col">Organization</th><th scope="col">State</th>
<th scope="col" class="num"${query.sort === 'name' ? '' : html` aria-sort="descending"`}><a href="${withQuery(path, current, { sort: undefined })}">Score</a></th>
<th scope="col" class="num">Open risks</th><th scope="col">Why this score</th><th scope="col"><a href="${withQuery(path, current, { sort: 'name' })}">Last push</a></th></tr></thead><tbody>
${repositories.map(
  (
    r,
  ) => html`<tr><td><a href="${overviewBase}/risks?asset=${encodeURIComponent(r.id)}">${r.project} / ${r.name}</a></td><td>${r.organization}</td>
<td>${r.state}${r.skipReason ? html`<br><span class="muted">${r.skipReason}</span>` : ''}</td><td class="num">${r.riskScore?.score ?? '–'}</td><td class="num">${r.riskScore?.openRisks ?? 0}</td>
<td>${r.riskScore ? html`<ul>${r.riskScore.factors.filter((f) => f.value !== 0).map((f) => html`<li>${f.name} +${f.value}: ${f.why}</li>`)}</ul>` : html`<span class="muted">not scored yet</span>`}</td>
<td>${r.lastPushAt ? `${ago(r.lastPushAt, now)} ago` : ''}</td></tr>`,
)}</tbody></table>
${repositories.length === 0 ? html`<p class="muted">No repository in the inventory yet (vigil repos inventory).</p>` : ''}
${pager(path, current, query, found.continuationToken)}`,
  );
}

export async function renderConnections(services: AppServices, query: AssetListingQuery): Promise<string> {
  const found = await listAssets(services, { ...query, type: 'service-connection', sort: 'name' });
  const path = `${overviewBase}/connections`;
  const current = { organization: query.organization };
  const now = services.clock.now();
  const connections = found.items.flatMap((a) => (a.type === 'service-connection' ? [a] : []));
  return page(
    'connections',
    'Service connections',
    html`${organizationFilter(path, query)}
<table id="connections"><thead><tr><th scope="col">Connection</th><th scope="col">Organization / project</th><th scope="col">Type</th><th scope="col">Shared with</th><th scope="col">Checks it fails</th><th scope="col">Audited</th></tr></thead><tbody>
${connections.map(
  (
    c,
  ) => html`<tr><td><a href="${overviewBase}/risks?asset=${encodeURIComponent(c.id)}">${c.name}</a></td><td>${c.organization} / ${c.project}</td>
<td>${c.connectionType}${c.authorizationScheme ? html` <span class="muted">${c.authorizationScheme}</span>` : ''}</td><td>${c.projects.join(', ')}</td>
<td>${c.failedChecks.length === 0 ? html`<span class="muted">none</span>` : html`<ul>${c.failedChecks.map((check) => html`<li><code>${check}</code></li>`)}</ul>`}</td>
<td>${ago(c.lastAuditedAt, now)} ago</td></tr>`,
)}</tbody></table>
${connections.length === 0 ? html`<p class="muted">No service connection audited yet.</p>` : ''}
${pager(path, current, query, found.continuationToken)}`,
  );
}
