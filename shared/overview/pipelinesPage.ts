import { z } from 'zod';
import type { AppServices } from '../app';
import { durationQuantile } from '../ci';
import { horizontalBars } from './charts';
import { html } from './html';
import { ago, duration, overviewBase, page, withQuery } from './layout';

const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

export const pipelineListingQuery = z.object({
  organization: optional(z.string().max(200)),
  days: optional(z.coerce.number().int().min(1).max(90)),
  sort: optional(z.enum(['runs', 'successRate', 'p95', 'leaks', 'name'])),
});
export type PipelineListingQuery = z.infer<typeof pipelineListingQuery>;

export interface PipelineHealth {
  organization: string;
  provider: string;
  project: string | null;
  pipeline: { id: string; name: string };
  runs: number;
  successRate: number | null;
  p50Seconds: number | null;
  p95Seconds: number | null;
  leakRuns: number;
  findings: number;
  lastLeak: { at: string; run: string; url?: string } | null;
}

/** Each pipeline's health over the last `days` days, merged from its per-day documents (`GET /api/pipelines`). */
export async function pipelineHealth(services: AppServices, query: PipelineListingQuery): Promise<PipelineHealth[]> {
  const days = query.days ?? 30;
  const since = new Date(services.clock.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const documents = await services.stores.pipelineDays.since(since, query.organization?.toLowerCase());
  const byPipeline = new Map<string, { health: PipelineHealth; successes: number; histograms: number[][] }>();
  for (const day of documents) {
    const key = `${day.organization}\u0000${day.pipeline.id}`;
    let entry = byPipeline.get(key);
    if (!entry) {
      entry = {
        health: {
          organization: day.organization,
          provider: day.provider,
          project: day.project ?? null,
          pipeline: day.pipeline,
          runs: 0,
          successRate: null,
          p50Seconds: null,
          p95Seconds: null,
          leakRuns: 0,
          findings: 0,
          lastLeak: null,
        },
        successes: 0,
        histograms: [],
      };
      byPipeline.set(key, entry);
    }
    const { health } = entry;
    health.runs += day.runs;
    health.leakRuns += day.leakRuns;
    health.findings += day.findings;
    entry.successes += day.successes;
    entry.histograms.push(day.durations);
    if (day.lastLeak && (!health.lastLeak || day.lastLeak.at > health.lastLeak.at)) health.lastLeak = day.lastLeak;
  }
  const all = [...byPipeline.values()].map(({ health, successes, histograms }) => ({
    ...health,
    successRate: health.runs > 0 ? Math.round((1000 * successes) / health.runs) / 1000 : null,
    p50Seconds: durationQuantile(histograms, 0.5) ?? null,
    p95Seconds: durationQuantile(histograms, 0.95) ?? null,
  }));
  const sort = query.sort ?? 'leaks';
  const by: Record<typeof sort, (a: PipelineHealth, b: PipelineHealth) => number> = {
    runs: (a, b) => b.runs - a.runs,
    successRate: (a, b) => (a.successRate ?? 2) - (b.successRate ?? 2),
    p95: (a, b) => (b.p95Seconds ?? -1) - (a.p95Seconds ?? -1),
    leaks: (a, b) => b.leakRuns - a.leakRuns || b.runs - a.runs,
    name: () => 0,
  };
  return all.sort((a, b) => by[sort](a, b) || a.pipeline.name.localeCompare(b.pipeline.name));
}

export async function renderPipelines(services: AppServices, query: PipelineListingQuery): Promise<string> {
  const pipelines = await pipelineHealth(services, query);
  const path = `${overviewBase}/pipelines`;
  const current = { organization: query.organization, days: query.days, sort: query.sort };
  const now = services.clock.now();
  const sortLink = (sort: string, title: string) =>
    html`<a href="${withQuery(path, current, { sort })}"${(query.sort ?? 'leaks') === sort ? html` aria-current="true"` : ''}>${title}</a>`;
  return page(
    'pipelines',
    'Pipelines',
    html`<form class="filters" method="get" action="${path}"><label>Organization<input name="organization" value="${query.organization ?? ''}" size="16"></label>
<label>Days<select name="days">${[7, 30, 90].map((d) => html`<option value="${d}"${(query.days ?? 30) === d ? html` selected` : ''}>${d}</option>`)}</select></label>
${query.sort ? html`<input type="hidden" name="sort" value="${query.sort}">` : ''}<button type="submit">Filter</button> <a href="${path}">Clear</a></form>
<p class="muted">From the runs Vigil scanned in the last ${query.days ?? 30} days (one aggregate per pipeline and day).</p>
${
  pipelines.length > 0
    ? html`<section><h2>Runs that leaked a secret</h2>${horizontalBars(
        'Runs that leaked a secret, per pipeline',
        pipelines.slice(0, 10).map((p) => ({ label: p.pipeline.name.slice(0, 20), value: p.leakRuns, tone: 'opened' })),
      )}</section>`
    : ''
}
<table id="pipelines"><thead><tr><th scope="col">${sortLink('name', 'Pipeline')}</th><th scope="col">Organization / project</th>
<th scope="col" class="num">${sortLink('runs', 'Runs')}</th><th scope="col" class="num">${sortLink('successRate', 'Success')}</th>
<th scope="col" class="num">p50</th><th scope="col" class="num">${sortLink('p95', 'p95')}</th><th scope="col" class="num">${sortLink('leaks', 'Leaked')}</th><th scope="col">Last leak</th></tr></thead><tbody>
${pipelines.map(
  (
    p,
  ) => html`<tr><td><a href="${overviewBase}/risks?asset=${encodeURIComponent(p.pipeline.id)}">${p.pipeline.name}</a> <span class="muted">${p.provider}</span></td>
<td>${p.organization}${p.project ? ` / ${p.project}` : ''}</td><td class="num">${p.runs}</td><td class="num">${p.successRate === null ? '–' : `${Math.round(p.successRate * 100)}%`}</td>
<td class="num">${duration(p.p50Seconds ?? undefined)}</td><td class="num">${duration(p.p95Seconds ?? undefined)}</td><td class="num">${p.leakRuns}</td>
<td>${p.lastLeak ? html`${p.lastLeak.url ? html`<a href="${p.lastLeak.url}" rel="noreferrer">${p.lastLeak.run}</a>` : p.lastLeak.run}, ${ago(p.lastLeak.at, now)} ago` : ''}</td></tr>`,
)}</tbody></table>
${pipelines.length === 0 ? html`<p class="muted">No pipeline run scanned in this period.</p>` : ''}`,
  );
}
