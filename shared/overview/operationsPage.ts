import type { AppServices } from '../app';
import { queueNames } from '../queue';
import { horizontalBars } from './charts';
import { html } from './html';
import { ago, page } from './layout';
import { statusReport } from './statusReport';

/** Queue depths, what is parked or dead-lettered and why, and recent deliveries by outcome. Never a message body. */
export async function renderOperations(services: AppServices): Promise<string> {
  const now = services.clock.now();
  const [status, parked, recent, deadLetters] = await Promise.all([
    statusReport(services),
    services.stores.parked.query({ orderBy: { field: 'parkedAt', descending: true }, limit: 50 }),
    services.stores.deliveries.query({ orderBy: { field: 'receivedAt', descending: true }, limit: 30 }),
    Promise.all(queueNames.map((queue) => services.queue.listDeadLetters(queue, 20))).then((lists) => lists.flat()),
  ]);
  const deliveries = recent.items.flatMap((d) => (d.outcome === 'refused' ? [] : [d]));
  return page(
    'operations',
    'Operations',
    html`<div class="grid"><section><h2>Deliveries by outcome</h2>${horizontalBars(
      'Webhook deliveries by outcome',
      Object.entries(status.deliveries).map(([label, value]) => ({ label, value: Number(value) })),
    )}</section>
<section><h2>Queues</h2><table id="queues"><thead><tr><th scope="col">Queue</th><th scope="col" class="num">Active</th><th scope="col" class="num">Scheduled</th><th scope="col" class="num">Dead-lettered</th></tr></thead><tbody>
${Object.entries(status.queues).map(
  ([name, c]) =>
    html`<tr><td>${name}</td><td class="num">${c.active}</td><td class="num">${c.scheduled}</td><td class="num">${c.deadLettered}</td></tr>`,
)}</tbody></table></section></div>
${status.workItemSync.failing.map((f) => html`<p class="sev-high">Work-item sync failing for ${f.organization} since ${f.since}: ${f.reason}</p>`)}
<h2>Parked messages</h2>
${
  parked.items.length === 0
    ? html`<p class="muted">Nothing parked.</p>`
    : html`<table id="parked"><thead><tr><th scope="col">Parked</th><th scope="col">Queue</th><th scope="col">Function</th><th scope="col">Message</th><th scope="col">Why</th></tr></thead><tbody>
${parked.items.map(
  (p) =>
    html`<tr><td>${ago(p.parkedAt, now)} ago</td><td>${p.queue}</td><td>${p.functionName}</td><td><code>${p.messageId}</code></td><td>${p.reason}</td></tr>`,
)}</tbody></table><p class="muted">vigil dlq list shows them; vigil dlq replay puts them back.</p>`
}
<h2>Dead-lettered messages</h2>
${
  deadLetters.length === 0
    ? html`<p class="muted">No dead-lettered message.</p>`
    : html`<table id="dead-letters"><thead><tr><th scope="col">When</th><th scope="col">Queue</th><th scope="col">Message</th><th scope="col">Deliveries</th><th scope="col">Why</th></tr></thead><tbody>
${deadLetters.map(
  (d) =>
    html`<tr><td>${ago(d.deadLetteredAt.toISOString(), now)} ago</td><td>${d.queue}</td><td><code>${d.messageId}</code></td><td class="num">${d.deliveryCount}</td><td>${d.reason}: ${d.description}</td></tr>`,
)}</tbody></table>`
}
<h2>Recent deliveries</h2>
${
  deliveries.length === 0
    ? html`<p class="muted">No delivery yet.</p>`
    : html`<table id="deliveries"><thead><tr><th scope="col">Received</th><th scope="col">Source</th><th scope="col">Event</th><th scope="col">Organization</th><th scope="col">Outcome</th><th scope="col">Queues or reason</th></tr></thead><tbody>
${deliveries.map(
  (d) =>
    html`<tr><td>${ago(d.receivedAt, now)} ago</td><td>${d.source}</td><td>${d.type}</td><td>${d.organization ?? ''}</td><td>${d.outcome}</td><td>${d.queues.length > 0 ? d.queues.join(', ') : (d.reason ?? '')}</td></tr>`,
)}</tbody></table>`
}`,
  );
}
