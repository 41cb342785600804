import type { AppServices } from '../app';
import type { RepositoryAsset } from '../repositories';
import { parseTallyKey, weekOf } from '../risks';
import { horizontalBars, pairedColumns } from './charts';
import { html } from './html';
import { ago, duration, overviewBase, page } from './layout';
import { riskSeverities } from './riskListing';

const weekMs = 7 * 86_400_000;
/** The trend covers 90 days: the 13 weeks up to and including this one. */
const trendWeeks = 13;

/** The numbers the Overview shows, all read from aggregates and bounded queries (docs/overview.md). */
export async function overviewSummary(services: AppServices) {
  const { stores } = services;
  const now = services.clock.now();
  const weeks = Array.from({ length: trendWeeks }, (_, i) => weekOf(new Date(now - (trendWeeks - 1 - i) * weekMs).toISOString()));
  const [current, weekTallies, riskiest, recentLeaks] = await Promise.all([
    stores.riskTallies.current(),
    stores.riskTallies.weeks(weeks[0]),
    stores.assets.query({ where: { type: 'repository' }, orderBy: { field: 'riskScore.score', descending: true }, limit: 10 }),
    stores.risks.page({ where: { kind: 'leaked-secret' }, orderBy: { field: 'firstSeenAt', descending: true }, limit: 10 }),
  ]);
  const openBySeverity: Record<string, number> = Object.fromEntries(riskSeverities.map((s) => [s, 0]));
  const openByKind: Record<string, number> = { 'leaked-secret': 0, 'service-connection': 0 };
  const byStatus: Record<string, number> = { open: 0, resolved: 0, accepted: 0, 'false-positive': 0 };
  for (const tally of current) {
    for (const [key, n] of Object.entries(tally.counts)) {
      const parsed = parseTallyKey(key);
      if (!parsed || n <= 0) continue;
      byStatus[parsed.status] = (byStatus[parsed.status] ?? 0) + n;
      if (parsed.status !== 'open') continue;
      openBySeverity[parsed.severity] = (openBySeverity[parsed.severity] ?? 0) + n;
      openByKind[parsed.kind] = (openByKind[parsed.kind] ?? 0) + n;
    }
  }
  const trend = weeks.map((week) => ({ week, opened: 0, resolved: 0 }));
  let resolved = 0;
  let resolveSeconds = 0;
  for (const tally of weekTallies) {
    const entry = trend.find((t) => t.week === tally.week);
    if (!entry) continue;
    entry.opened += tally.counts.opened ?? 0;
    entry.resolved += tally.counts.resolved ?? 0;
    resolved += tally.counts.resolved ?? 0;
    resolveSeconds += tally.counts.resolveSeconds ?? 0;
  }
  return {
    openBySeverity,
    openByKind,
    byStatus,
    trend,
    meanTimeToResolveSeconds: resolved > 0 ? Math.round(resolveSeconds / resolved) : null,
    riskiestRepositories: (riskiest.items as RepositoryAsset[]).filter((r) => r.riskScore && r.riskScore.score > 0),
    recentLeaks: recentLeaks.items,
  };
}

export async function renderOverview(services: AppServices): Promise<string> {
  const summary = await overviewSummary(services);
  const now = services.clock.now();
  const open = Object.values(summary.openBySeverity).reduce((a, b) => a + b, 0);
  return page(
    'overview',
    'Security overview',
    html`<div class="cards">
<div class="card"><div class="n">${open}</div><a href="${overviewBase}/risks?status=open">open risks</a></div>
<div class="card"><div class="n sev-critical">${summary.openBySeverity.critical}</div><a href="${overviewBase}/risks?status=open&amp;severity=critical">critical</a></div>
<div class="card"><div class="n">${summary.byStatus.resolved}</div><a href="${overviewBase}/risks?status=resolved">resolved</a></div>
<div class="card"><div class="n">${duration(summary.meanTimeToResolveSeconds ?? undefined)}</div>mean time to resolve (90 days)</div>
</div>
<div class="grid">
<section><h2>Open risks by severity</h2>${horizontalBars(
      'Open risks by severity',
      riskSeverities.map((s) => ({ label: s, value: summary.openBySeverity[s] ?? 0, tone: `sev-${s}` })),
    )}</section>
<section><h2>Open risks by kind</h2>${horizontalBars(
      'Open risks by kind',
      Object.entries(summary.openByKind).map(([label, value]) => ({ label, value })),
    )}</section>
<section><h2>Opened and resolved per week</h2>${pairedColumns(
      'Risks opened and resolved per week over 90 days',
      ['opened', 'resolved'],
      summary.trend.map((t) => ({ label: t.week, first: t.opened, second: t.resolved })),
    )}</section>
</div>
<h2>The ten riskiest repositories</h2>
${
  summary.riskiestRepositories.length === 0
    ? html`<p class="muted">No repository has a risk score yet.</p>`
    : html`<table><thead><tr><th scope="col">Repository</th><th scope="col">Organization</th><th scope="col" class="num">Score</th><th scope="col" class="num">Open risks</th></tr></thead><tbody>
${summary.riskiestRepositories.map(
  (r) =>
    html`<tr><td><a href="${overviewBase}/risks?asset=${encodeURIComponent(r.id)}">${r.project} / ${r.name}</a></td><td>${r.organization}</td><td class="num">${r.riskScore?.score}</td><td class="num">${r.riskScore?.openRisks}</td></tr>`,
)}</tbody></table>`
}
<h2>Most recent leaks</h2>
${
  summary.recentLeaks.length === 0
    ? html`<p class="muted">No leaked secret found yet.</p>`
    : html`<table><thead><tr><th scope="col">Found</th><th scope="col">Secret (redacted)</th><th scope="col">Where</th><th scope="col">Severity</th><th scope="col">Status</th></tr></thead><tbody>
${summary.recentLeaks.map(
  (r) =>
    html`<tr><td>${ago(r.firstSeenAt, now)} ago</td><td><a href="${overviewBase}/risks/${encodeURIComponent(r.id)}"><code>${r.evidence.redacted}</code></a> ${r.ruleId}</td><td>${r.asset.name}<br><span class="muted">${r.evidence.location}</span></td><td class="sev-${r.severity}">${r.severity}</td><td>${r.status}</td></tr>`,
)}</tbody></table>`
}`,
  );
}
