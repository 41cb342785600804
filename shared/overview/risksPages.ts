import type { AppServices } from '../app';
import type { Risk } from '../risks';
import { riskStatuses } from '../risks';
import { linkOfRisk } from '../workitems';
import { html, type SafeHtml } from './html';
import { ago, overviewBase, page, withQuery } from './layout';
import { listRisks, type RiskListingQuery, type RiskSortField, riskKinds, riskSeverities } from './riskListing';

const columns: Array<{ field: RiskSortField; title: string }> = [
  { field: 'organization', title: 'Organization' },
  { field: 'project', title: 'Project' },
  { field: 'kind', title: 'Kind' },
  { field: 'severity', title: 'Severity' },
  { field: 'status', title: 'Status' },
  { field: 'asset', title: 'Asset' },
  { field: 'age', title: 'Age' },
];

export async function renderRisks(services: AppServices, query: RiskListingQuery): Promise<string> {
  const found = await listRisks(services.stores.risks, query);
  const now = services.clock.now();
  const path = `${overviewBase}/risks`;
  const current: Record<string, string | undefined> = {
    organization: query.organization,
    project: query.project,
    kind: query.kind,
    severity: query.severity,
    status: query.status,
    asset: query.asset,
    sort: query.sort,
    order: query.order,
  };
  const sort = query.sort ?? 'lastSeenAt';
  const header = (column: (typeof columns)[number]): SafeHtml => {
    const active = sort === column.field;
    const order = active && query.order !== 'asc' ? 'asc' : 'desc';
    const ariaSort = active ? (query.order === 'asc' ? 'ascending' : 'descending') : undefined;
    return html`<th scope="col"${ariaSort ? html` aria-sort="${ariaSort}"` : ''}><a href="${withQuery(path, current, { sort: column.field, order, continuationToken: undefined })}">${column.title}${active ? (order === 'asc' ? ' ▼' : ' ▲') : ''}</a></th>`;
  };
  const select = (name: string, label: string, options: readonly string[], value: string | undefined) =>
    html`<label>${label}<select name="${name}"><option value="">any</option>${options.map(
      (option) => html`<option value="${option}"${option === value ? html` selected` : ''}>${option}</option>`,
    )}</select></label>`;
  const body = html`<form class="filters" method="get" action="${path}">
<label>Organization<input name="organization" value="${query.organization ?? ''}" size="14"></label>
<label>Project<input name="project" value="${query.project ?? ''}" size="14"></label>
${select('kind', 'Kind', riskKinds, query.kind)}
${select('severity', 'Severity', riskSeverities, query.severity)}
${select('status', 'Status', riskStatuses, query.status)}
${query.asset ? html`<input type="hidden" name="asset" value="${query.asset}">` : ''}
${query.sort ? html`<input type="hidden" name="sort" value="${query.sort}">` : ''}
${query.order ? html`<input type="hidden" name="order" value="${query.order}">` : ''}
<button type="submit">Filter</button> <a href="${path}">Clear</a>
</form>
${query.asset ? html`<p>Only asset <code>${query.asset}</code>.</p>` : ''}
<table id="risks"><caption class="muted">${found.items.length} risk(s) on this page, sorted by ${sort}</caption>
<thead><tr>${columns.map(header)}<th scope="col">Found (redacted)</th><th scope="col" class="num">Seen</th></tr></thead><tbody>
${found.items.map(
  (
    r,
  ) => html`<tr><td>${r.organization}</td><td>${r.project ?? ''}</td><td>${r.kind}</td><td class="sev-${r.severity}">${r.severity}</td><td>${r.status}</td>
<td><a href="${overviewBase}/risks/${encodeURIComponent(r.id)}">${r.asset.name}</a></td><td>${ago(r.firstSeenAt, now)}</td>
<td><code>${r.evidence.redacted}</code> <span class="muted">${r.ruleId}</span></td><td class="num">${r.occurrences}</td></tr>`,
)}
</tbody></table>
${found.items.length === 0 ? html`<p class="muted">No risk matches.</p>` : ''}
<p class="pager">${
    query.continuationToken ? html`<a href="${withQuery(path, current, { continuationToken: undefined })}">First page</a> ` : ''
  }${found.continuationToken ? html`<a rel="next" href="${withQuery(path, current, { continuationToken: found.continuationToken })}">Next page</a>` : ''}</p>`;
  return page('risks', 'Risks', body);
}

/** Pull requests where Vigil posted a thread about this risk. */
async function pullRequestsOf(services: AppServices, risk: Risk) {
  const feedback = await services.stores.pullRequestFeedback.list(risk.organization);
  return feedback
    .filter((pr) => Object.values(pr.threads).some((thread) => thread.riskId === risk.id))
    .map((pr) => ({ source: pr.source, repositoryId: pr.repositoryId, number: pr.number, ...(pr.project ? { project: pr.project } : {}) }));
}

export async function riskDetails(services: AppServices, id: string) {
  const risk = await services.stores.risks.find(id);
  if (!risk) return undefined;
  const [link, pullRequests] = await Promise.all([linkOfRisk(services.stores.workItemLinks, risk), pullRequestsOf(services, risk)]);
  const workItem = link?.workItemId
    ? { id: link.workItemId, url: link.workItemUrl ?? null, state: link.state ?? null, project: link.project, link: link.status }
    : null;
  return { risk, workItem, pullRequests };
}

export async function renderRisk(services: AppServices, id: string): Promise<string | undefined> {
  const found = await riskDetails(services, id);
  if (!found) return undefined;
  const { risk, workItem, pullRequests } = found;
  const changes = [...(risk.history ?? []), ...(risk.triage ? [risk.triage] : [])];
  return page(
    'risks',
    `${risk.severity} ${risk.kind}: ${risk.title}`,
    html`<dl class="facts">
<dt>Status</dt><dd>${risk.status}${risk.status === 'accepted' && risk.triage?.until ? ` until ${risk.triage.until.slice(0, 10)}` : ''}</dd>
<dt>Organization</dt><dd>${risk.organization}${risk.project ? ` / ${risk.project}` : ''}</dd>
<dt>Asset</dt><dd><a href="${overviewBase}/risks?asset=${encodeURIComponent(risk.asset.id)}">${risk.asset.name}</a> <span class="muted">(${risk.asset.type})</span></dd>
<dt>Rule</dt><dd>${risk.ruleId}${risk.verified ? ' (verified)' : ''}</dd>
<dt>Evidence</dt><dd><code>${risk.evidence.redacted}</code> at ${risk.evidence.location}${
      risk.evidence.url ? html` · <a href="${risk.evidence.url}" rel="noreferrer">open</a>` : ''
    }</dd>
<dt>Occurrences</dt><dd>${risk.occurrences}: first ${risk.firstSeenAt}, last ${risk.lastSeenAt}</dd>
<dt>What to do</dt><dd>${risk.remediation}</dd>
<dt>Work item</dt><dd>${
      workItem
        ? html`${workItem.url ? html`<a href="${workItem.url}" rel="noreferrer">#${workItem.id}</a>` : `#${workItem.id}`} ${workItem.state ?? ''} <span class="muted">(${workItem.link})</span>`
        : 'none'
    }</dd>
<dt>Pull requests</dt><dd>${
      pullRequests.length === 0
        ? 'none'
        : pullRequests.map((pr) => html`<span>${pr.source} ${pr.project ? `${pr.project} / ` : ''}${pr.repositoryId} #${pr.number}</span> `)
    }</dd>
</dl>
<h2>Triage record</h2>
${
  changes.length === 0
    ? html`<p class="muted">Open since it was found; nobody has changed it.</p>`
    : html`<table><thead><tr><th scope="col">When</th><th scope="col">Status</th><th scope="col">By</th><th scope="col">From</th><th scope="col">Why</th></tr></thead><tbody>
${changes.map(
  (c) =>
    html`<tr><td>${c.at}</td><td>${c.status}</td><td>${c.by}</td><td>${c.source}${c.reference ? ` (${c.reference})` : ''}</td><td>${c.reason}</td></tr>`,
)}</tbody></table>`
}
<p><a href="${overviewBase}/risks">All risks</a> · <a href="/api/risks/${encodeURIComponent(risk.id)}">as JSON</a></p>`,
  );
}
