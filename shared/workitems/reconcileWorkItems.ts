import type { UseCase } from '../app';
import { failureKindOf, messageOf } from '../errors';
import { acceptanceEnded, type Risk, reopenEndedAcceptances } from '../risks';
import type { Stored } from '../store';
import { configurationReason } from './syncFailures';
import { withSyncSession } from './syncSession';
import { vigilTag } from './workItemContent';
import type { WorkItemLink } from './workItemLink';
import { linkIdFor } from './workItemLink';
import { meetsMinimum } from './workItemSettings';
import { loadSubject, occurrenceMark } from './workItemSubject';
import { planSync, pushRisk, syncLinked, type WorkItemSyncContext } from './workItemSync';
import { viewFields, viewOf, type WorkItemView } from './workItemView';

/**
 * The reconciliation (docs/work-items.md, "Reconciliation"): every linked risk is compared with
 * its work item — one WIQL query for the work items tagged `vigil` (paged by id, under Azure
 * DevOps' 20,000-result limit), then batch reads of 200 ids — and drift is repaired in the
 * direction of the newer change: a state a person set since the last sync moves the risk, a risk
 * that changed since moves the work item. It also reopens risks whose acceptance ended, marks
 * links whose work item was deleted, links again those restored, recovers claims a crash left
 * (by the marker tag), files work items for open risks that have none, and reports work items
 * tagged by Vigil that no link knows (never deleting any). `dryRun` reports without writing.
 */
export interface ReconcileReport {
  organization: string;
  dryRun: boolean;
  links: number;
  checked: number;
  unchanged: number;
  /** Work items moved or updated to match their risks. */
  pushed: number;
  /** Risks moved to match their work items. */
  pulled: number;
  broken: number;
  relinked: number;
  recovered: number;
  created: number;
  reopenedAcceptances: number;
  /** Work items tagged `vigil` that no link knows, by id (left alone). */
  orphans: number[];
  /** Work items carrying the marker of a link that names another work item (left alone). */
  duplicates: Array<{ workItemId: number; linkedWorkItemId: number }>;
  failures: Array<{ workItemId?: number; riskId?: string; reason: string }>;
  actions: Array<{ action: string; workItemId?: number; riskId?: string; detail?: string }>;
  apiCalls: number;
  seconds: number;
}

/** Results per WIQL page: below Azure DevOps' 20,000 cap, so no query ever trips it. */
const wiqlPage = 19_999;
/** Actions listed one by one in a report; the counts cover them all. */
const listedActions = 500;

export async function reconcileOrganization(
  ctx: WorkItemSyncContext,
  options: { dryRun: boolean; runId: string },
): Promise<ReconcileReport> {
  const started = ctx.clock.now();
  const calls = ctx.requestCount();
  const report: ReconcileReport = {
    organization: ctx.organization,
    dryRun: options.dryRun,
    links: 0,
    checked: 0,
    unchanged: 0,
    pushed: 0,
    pulled: 0,
    broken: 0,
    relinked: 0,
    recovered: 0,
    created: 0,
    reopenedAcceptances: 0,
    orphans: [],
    duplicates: [],
    failures: [],
    actions: [],
    apiCalls: 0,
    seconds: 0,
  };
  const act = (action: string, detail: Omit<ReconcileReport['actions'][number], 'action'> = {}) => {
    if (report.actions.length < listedActions) report.actions.push({ action, ...detail });
  };

  // Acceptances that ended: the risks reopen first, so their work items move in this same run.
  if (options.dryRun) {
    const ended = (await ctx.risks.list({ organization: ctx.organization, status: 'accepted' })).filter((r) =>
      acceptanceEnded(r, ctx.clock.now()),
    );
    report.reopenedAcceptances = ended.length;
    for (const risk of ended) act('would reopen (acceptance ended)', { riskId: risk.id });
  } else {
    const reopened = await reopenEndedAcceptances({ risks: ctx.risks, queue: ctx.queue, clock: ctx.clock }, ctx.organization);
    report.reopenedAcceptances = reopened.length;
    for (const riskId of reopened) act('reopened (acceptance ended)', { riskId });
  }

  const links = await ctx.links.list(ctx.organization);
  report.links = links.length;
  const byWorkItem = new Map(links.flatMap((link) => (link.workItemId !== undefined ? [[link.workItemId, link] as const] : [])));
  const byMarker = new Map(links.map((link) => [link.marker.toLowerCase(), link]));

  // Every work item Vigil tagged, then every linked one (a person may have removed the tags), read 200 at a time.
  const tagged = await taggedWorkItems(ctx);
  const wanted = [
    ...new Set([
      ...tagged,
      ...links
        .filter((l) => l.status === 'linked' || l.status === 'broken')
        .flatMap((l) => (l.workItemId !== undefined ? [l.workItemId] : [])),
    ]),
  ];
  const items = await ctx.client.getWorkItems(wanted, viewFields);
  const views = new Map<number, WorkItemView>();
  wanted.forEach((id, n) => {
    const item = items[n];
    if (item) views.set(id, viewOf(item));
  });

  for (const link of links) {
    try {
      await reconcileLink(ctx, link, views, report, options, act);
    } catch (error) {
      if (stopsTheRun(ctx, error)) throw error;
      report.failures.push({ ...(link.workItemId !== undefined ? { workItemId: link.workItemId } : {}), reason: messageOf(error) });
    }
  }

  // Tagged work items no link knows: a claim's (recovered above through its link) or nobody's.
  for (const id of tagged) {
    if (byWorkItem.has(id)) continue;
    const view = views.get(id);
    const marker = view?.tags.find((t) => t.toLowerCase().startsWith('vigil-risk-'))?.toLowerCase();
    const owner = marker ? byMarker.get(marker) : undefined;
    if (!owner) {
      report.orphans.push(id);
      continue;
    }
    if (owner.workItemId !== undefined && owner.workItemId !== id)
      report.duplicates.push({ workItemId: id, linkedWorkItemId: owner.workItemId });
  }

  // Open risks that should have a work item and have no link at all (recorded while the sync was off, or their event was lost).
  for (const risk of await risksWithoutLink(ctx, links)) {
    if (options.dryRun) {
      report.created++;
      act('would create', { riskId: risk.id });
      continue;
    }
    try {
      const outcome = await pushRisk(ctx, risk, { id: `reconcile:${options.runId}` });
      if (outcome.action === 'created' || outcome.action === 'recovered') {
        report[outcome.action]++;
        act(outcome.action, { riskId: risk.id, workItemId: outcome.workItemId });
      }
    } catch (error) {
      if (stopsTheRun(ctx, error)) throw error;
      report.failures.push({ riskId: risk.id, reason: messageOf(error) });
    }
  }

  report.apiCalls = ctx.requestCount() - calls;
  report.seconds = Math.round((ctx.clock.now() - started) / 10) / 100;
  ctx.logger.info('work items reconciled', {
    ...report,
    actions: report.actions.length,
    failures: report.failures.length,
    orphans: report.orphans.length,
  });
  return report;
}

/** A configuration failure stops the run (and marks the sync failing); anything else is one link's failure, reported. */
function stopsTheRun(ctx: WorkItemSyncContext, error: unknown): boolean {
  return failureKindOf(error) === 'configuration' || configurationReason(error, ctx.organization, ctx.settings.workItemType) !== undefined;
}

async function reconcileLink(
  ctx: WorkItemSyncContext,
  link: Stored<WorkItemLink>,
  views: Map<number, WorkItemView>,
  report: ReconcileReport,
  options: { dryRun: boolean; runId: string },
  act: (action: string, detail?: Omit<ReconcileReport['actions'][number], 'action'>) => void,
): Promise<void> {
  const workItemId = link.workItemId;
  switch (link.status) {
    case 'unlinked':
      return;
    case 'claimed': {
      // A claim left by a crash (or one being filed right now: pushRisk waits out its lease).
      const subject = await loadSubject(ctx.risks, ctx.organization, link.subject);
      if (!subject) return;
      if (options.dryRun) return void act('would recover a claim', { riskId: subject.primary.id });
      const outcome = await pushRisk(ctx, subject.primary, { id: `reconcile:${options.runId}` }).catch((error: unknown) => {
        if (failureKindOf(error) === 'throttled') return { action: 'skipped' as const, why: 'being filed right now' };
        throw error;
      });
      if (outcome.action === 'created' || outcome.action === 'recovered') {
        report[outcome.action]++;
        act(outcome.action, { riskId: subject.primary.id, workItemId: outcome.workItemId });
      }
      return;
    }
    case 'broken': {
      const view = workItemId !== undefined ? views.get(workItemId) : undefined;
      if (!view) return; // still deleted
      report.relinked++;
      if (options.dryRun) return void act('would link again (restored)', { workItemId });
      const relinked = await ctx.links.replace(
        { ...link, status: 'linked', note: `restored (found by the reconciliation ${options.runId})` },
        link._etag,
      );
      const subject = await loadSubject(ctx.risks, ctx.organization, relinked.subject);
      if (subject) await syncLinked(ctx, relinked, subject, view, { fresh: true });
      return void act('linked again (restored)', { workItemId });
    }
    case 'linked': {
      if (workItemId === undefined) return;
      report.checked++;
      const view = views.get(workItemId);
      if (!view) {
        report.broken++;
        if (options.dryRun) return void act('would mark broken (deleted)', { workItemId });
        await ctx.links.replace(
          { ...link, status: 'broken', note: `deleted in Azure DevOps (found by the reconciliation ${options.runId})` },
          link._etag,
        );
        return void act('marked broken (deleted)', { workItemId });
      }
      const subject = await loadSubject(ctx.risks, ctx.organization, link.subject);
      if (!subject) return;
      if (
        view.rev <= (link.rev ?? 0) &&
        subject.status === link.syncedStatus &&
        subject.changedAt <= (link.syncedAt ?? '') &&
        subject.severity === link.severity &&
        !markCrossed(subject, link)
      ) {
        report.unchanged++;
        return;
      }
      if (options.dryRun) {
        const plan = await planSync(ctx, link, subject, view, true);
        if (plan.pulls.length === 0 && plan.operations.length === 0) return void report.unchanged++;
        report[plan.direction === 'pull' && plan.pulls.length > 0 ? 'pulled' : 'pushed']++;
        return void act(plan.direction === 'pull' && plan.pulls.length > 0 ? 'would update the risk' : 'would update the work item', {
          workItemId,
          riskId: subject.primary.id,
          detail: plan.changes.join('; '),
        });
      }
      const outcome = await syncLinked(ctx, link, subject, view, { fresh: true });
      if (outcome.action === 'pulled') {
        report.pulled++;
        act('updated the risk', { workItemId, riskId: subject.primary.id, detail: `${outcome.risks} risk(s) now ${outcome.status}` });
      } else if (outcome.action === 'updated') {
        report.pushed++;
        act('updated the work item', { workItemId, riskId: subject.primary.id, detail: outcome.changes.join('; ') });
      } else if (outcome.action === 'broken') {
        report.broken++;
        act('marked broken (deleted)', { workItemId });
      } else report.unchanged++;
      return;
    }
  }
}

function markCrossed(subject: { occurrences: number; kind: string; risks: unknown[] }, link: WorkItemLink): boolean {
  return (
    occurrenceMark(subject.occurrences) > (link.occurrenceMark ?? 0) ||
    (subject.kind === 'group' && link.members !== undefined && subject.risks.length > link.members)
  );
}

/** Ids of the work items tagged `vigil`, by WIQL pages of ids ascending (each page starts after the last id seen). */
async function taggedWorkItems(ctx: WorkItemSyncContext): Promise<number[]> {
  const ids: number[] = [];
  let after = 0;
  for (;;) {
    const page = await ctx.client.queryIds(
      `SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS '${vigilTag}' AND [System.Id] > ${after} ORDER BY [System.Id]`,
      { top: wiqlPage },
    );
    ids.push(...page);
    if (page.length < wiqlPage) return ids;
    after = page[page.length - 1];
  }
}

async function risksWithoutLink(ctx: WorkItemSyncContext, links: WorkItemLink[]): Promise<Risk[]> {
  const known = new Set(links.map((l) => l.id));
  const open = await ctx.risks.list({ organization: ctx.organization, status: 'open' });
  const seen = new Set<string>();
  return open.filter((risk) => {
    if (!meetsMinimum(risk.severity, ctx.settings.minimumSeverity)) return false;
    const id = linkIdFor(risk, ctx.settings.grouping);
    if (known.has(id) || known.has(linkIdFor(risk, ctx.settings.grouping === 'risk' ? 'repository-rule' : 'risk')) || seen.has(id))
      return false;
    seen.add(id);
    return true;
  });
}

/**
 * `vigil:workitems.reconcile-requested` on `workitem-sync` (the nightly timer, subject `{ slot }`):
 * reconcile the organization and return the report.
 */
export const reconcileWorkItems: UseCase = async (envelope, { services, logger }) => {
  const runId = String(envelope.subject.slot ?? envelope.id);
  const session = await withSyncSession(services, envelope.organization, logger, (ctx) =>
    reconcileOrganization(ctx, { dryRun: false, runId }),
  );
  return session.ran ? session.value : { skipped: session.why };
};
