import type { AppServices } from '../app';
import { demoOrganization } from './demoWorld';
import type { DemoRun } from './playDemoSequence';

/**
 * What the demo did, read back from where it landed: risks from Vigil's store, alerts from the
 * console channel, work items, pull request comments and statuses from the simulator. `--json`
 * prints exactly this object.
 */
export interface DemoSummary {
  risks: {
    /** Every risk the demo opened (including those resolved since). */
    opened: number;
    open: number;
    resolved: number;
    byKind: Record<string, number>;
    bySeverity: Record<string, number>;
  };
  alerts: { delivered: number };
  workItems: { created: number; closed: number };
  /** Comments Vigil posted on the pull request (summary and finding threads). */
  pullRequestComments: number;
  /** Statuses Vigil posted on the pull request. */
  statuses: number;
  seconds: number;
}

/** Work item states in the Completed or Removed category of the demo's Agile process. */
const closedStates = new Set(['Closed', 'Removed']);

export async function demoSummary(services: AppServices, run: DemoRun, startedAt: number): Promise<DemoSummary> {
  const risks = await services.stores.risks.list({ organization: demoOrganization });
  const count = (key: (r: (typeof risks)[number]) => string) =>
    Object.fromEntries(
      [...new Set(risks.map(key))].sort().map((value) => [value, risks.filter((r) => key(r) === value).length] as const),
    ) as Record<string, number>;
  const { world } = run;
  const items = world.boards.workItems();
  const pr = world.feedback.pullRequest(world.repository.id, world.pullRequestId);
  return {
    risks: {
      opened: risks.length,
      open: risks.filter((r) => r.status === 'open').length,
      resolved: risks.filter((r) => r.status === 'resolved').length,
      byKind: count((r) => r.kind),
      bySeverity: count((r) => r.severity),
    },
    alerts: { delivered: run.alerts.alerts.length },
    workItems: { created: items.length, closed: items.filter((w) => closedStates.has(w.state)).length },
    pullRequestComments: pr.threads.flatMap((t) => t.comments).filter((c) => c.author === world.vigil.displayName && !c.deleted).length,
    statuses: pr.statuses.length,
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
}

/**
 * The summary as the demo prints it for a person. `overviewUrl` is the host's, with its per-start token, when the
 * host stays up (`--keep`); otherwise the host stops after the summary and the line says how to keep it.
 */
export function summaryText(summary: DemoSummary, overviewUrl: string | undefined, leftOut: string[]): string {
  const byKind = Object.entries(summary.risks.byKind)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
  const bySeverity = Object.entries(summary.risks.bySeverity)
    .map(([severity, n]) => `${severity} ${n}`)
    .join(', ');
  return [
    '',
    `Summary (${summary.seconds} s)`,
    `  risks opened          ${summary.risks.opened} (${summary.risks.open} open, ${summary.risks.resolved} resolved)`,
    `    by kind             ${byKind || 'none'}`,
    `    by severity         ${bySeverity || 'none'}`,
    `  alerts delivered      ${summary.alerts.delivered} (console channel)`,
    `  work items            ${summary.workItems.created} created, ${summary.workItems.closed} closed (in the simulator)`,
    `  pull request          ${summary.pullRequestComments} comment(s), ${summary.statuses} status(es) posted`,
    ...(leftOut.length > 0 ? [`  left out (not built yet) ${leftOut.join(', ')}`] : []),
    `  overview              ${overviewUrl ?? 'run npm run demo -- --keep to open it while the host stays up'}`,
    '',
  ].join('\n');
}
