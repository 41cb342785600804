import type { Clock } from '../clock';
import type { JsonPatchOperation, WorkItem, WorkItemsClient } from '../devops';
import { AzureDevOpsConflictError, WorkItemRequestRefusedError } from '../devops';
import { ConfigurationError, ThrottledError, TransientError } from '../errors';
import type { Logger } from '../logging';
import type { QueueSender } from '../queue';
import type { Risk, RiskStatus, RiskStore, TriageRequest, TriageTransition } from '../risks';
import { triageEvents } from '../risks';
import type { Stored } from '../store';
import { isPreconditionFailed } from '../store';
import { telemetry } from '../telemetry';
import {
  creationOperations,
  descriptionFor,
  descriptionOperations,
  missingRequiredFields,
  severityOperations,
  severityTag,
} from './workItemContent';
import { linkIdFor, markerFor, subjectFor, type WorkItemLink, type WorkItemLinkStore } from './workItemLink';
import { type EffectiveWorkItemSettings, meetsMinimum, repositoryNameOf, routeFor } from './workItemSettings';
import { categoryOf, chooseState, type StateCategory, type WorkItemTypeInfo } from './workItemStates';
import { loadSubject, occurrenceMark, subjectOf, type WorkItemSubject } from './workItemSubject';
import { joinTags, rememberedView, viewOf, type WorkItemView } from './workItemView';

/**
 * The risk ⇄ work item sync for one organization (docs/work-items.md): everything it needs,
 * built per message by the use cases (syncRiskToWorkItem.ts, syncWorkItemToRisk.ts) and by the
 * reconciliation, so a test can build one with a client of its own.
 */
export interface WorkItemSyncContext {
  organization: string;
  settings: EffectiveWorkItemSettings;
  client: WorkItemsClient;
  links: WorkItemLinkStore;
  risks: RiskStore;
  queue: Pick<QueueSender, 'send'>;
  clock: Clock;
  logger: Logger;
  /** Vigil's own identity in the organization (connectionData), asked only when a revision may be someone else's. */
  identity(): Promise<{ id: string; displayName: string }>;
  /** A work item type's states and fields, cached per process. */
  typeInfo(project: string, type: string): Promise<WorkItemTypeInfo>;
  /** A project's name when `project` may be its id, for routing rules (the name itself when unknown). */
  projectName(project: string): Promise<string>;
  /** How long a claim made by another worker is honoured before it is taken over. */
  claimLeaseMs: number;
  /** Requests sent to Azure DevOps so far in this session. */
  requestCount(): number;
}

export type SyncOutcome =
  | { action: 'created'; workItemId: number }
  | { action: 'recovered'; workItemId: number }
  | { action: 'updated'; workItemId: number; changes: string[] }
  | { action: 'pulled'; workItemId: number; status: RiskStatus; risks: number }
  | { action: 'unchanged'; workItemId?: number; why?: string }
  | { action: 'broken'; workItemId: number }
  | { action: 'relinked'; workItemId: number }
  | { action: 'skipped'; why: string };

/** Who a work item's change came from, for the record and for `by` of a status change. */
const source = 'work-item' as const;
const maxConflictRetries = 3;
const maxLinkRaces = 5;
const claimRetryMs = 5_000;

// ── outbound: a risk changed ───────────────────────────────────────────────────────────────────

/**
 * A risk opened or changed: make sure it has exactly one work item (claim, then create; recover
 * by the marker tag when a claim was left behind), or bring its work item up to date.
 */
export async function pushRisk(ctx: WorkItemSyncContext, risk: Risk, cause: { id: string; project?: string }): Promise<SyncOutcome> {
  const linkId = linkIdFor(risk, ctx.settings.grouping);
  for (let race = 0; race < maxLinkRaces; race++) {
    const link = (await ctx.links.get(ctx.organization, linkId)) ?? (await otherGroupingLink(ctx, risk));
    try {
      if (!link) {
        const subject = await subjectForNewLink(ctx, risk);
        if (subject.status !== 'open') return { action: 'skipped', why: `the risk is ${subject.status}: only open risks get a work item` };
        if (!meetsMinimum(subject.severity, ctx.settings.minimumSeverity)) {
          return {
            action: 'skipped',
            why: `severity ${subject.severity} is below the minimum for work items (${ctx.settings.minimumSeverity})`,
          };
        }
        const project = ctx.settings.project ?? risk.project ?? cause.project;
        if (!project)
          return {
            action: 'skipped',
            why: 'no Azure DevOps project to file it in: the risk has none (set one with vigil orgs work-items ORG --project NAME)',
          };
        const claimed = await ctx.links.claim({
          id: linkId,
          organization: ctx.organization,
          subject: subjectFor(risk, ctx.settings.grouping),
          marker: markerFor(linkId),
          project,
          claimedBy: cause.id,
        });
        if (!claimed) continue; // someone claimed it in between: read theirs
        return await create(ctx, claimed, subject, { recover: false });
      }
      switch (link.status) {
        case 'unlinked':
          return { action: 'skipped', why: 'unlinked by an operator (vigil workitems relink to link it again)' };
        case 'broken':
          return {
            action: 'skipped',
            why: `its work item #${link.workItemId ?? '?'} was deleted: not recreated on its own (vigil workitems relink)`,
          };
        case 'claimed': {
          const age = ctx.clock.now() - Date.parse(link.claimedAt);
          if (link.claimedBy !== cause.id && age < ctx.claimLeaseMs) {
            throw new ThrottledError(
              `another worker is filing the work item for risk ${risk.id} (claimed by '${link.claimedBy}'): try again shortly`,
              claimRetryMs,
            );
          }
          const subject = await loadSubject(ctx.risks, ctx.organization, link.subject);
          if (!subject) return { action: 'skipped', why: 'its risks no longer exist' };
          return await create(ctx, await takeOver(ctx, link, cause.id), subject, { recover: true });
        }
        case 'linked': {
          const subject = await loadSubject(ctx.risks, ctx.organization, link.subject);
          if (!subject) return { action: 'skipped', why: 'its risks no longer exist' };
          return await syncLinked(ctx, link, subject, rememberedView(link), { fresh: false });
        }
      }
    } catch (error) {
      if (isPreconditionFailed(error)) continue; // the link changed under us: read it again
      throw error;
    }
  }
  throw new TransientError(`the work item link of risk ${risk.id} kept changing while it was synced; it will be tried again`);
}

async function subjectForNewLink(ctx: WorkItemSyncContext, risk: Risk): Promise<WorkItemSubject> {
  if (ctx.settings.grouping === 'risk') return subjectOf('risk', [risk]);
  return (await loadSubject(ctx.risks, ctx.organization, subjectFor(risk, 'repository-rule'))) ?? subjectOf('group', [risk]);
}

/** A risk linked under the other grouping (the setting changed since): that work item stays its own. */
async function otherGroupingLink(ctx: WorkItemSyncContext, risk: Risk): Promise<Stored<WorkItemLink> | undefined> {
  return ctx.links.get(ctx.organization, linkIdFor(risk, ctx.settings.grouping === 'risk' ? 'repository-rule' : 'risk'));
}

/** Takes over a claim (etag-checked: of two workers taking over, one wins and the other reads the winner's claim). */
async function takeOver(ctx: WorkItemSyncContext, link: Stored<WorkItemLink>, by: string): Promise<Stored<WorkItemLink>> {
  return ctx.links.replace({ ...link, claimedBy: by, claimedAt: new Date(ctx.clock.now()).toISOString() }, link._etag);
}

/**
 * Files the work item for a claimed link. When the claim was there before this run (a crash, or a
 * worker that died), the work item may already exist: it is looked for by its marker tag first,
 * and adopted if found, so a crash at any point leaves at most one work item.
 */
async function create(
  ctx: WorkItemSyncContext,
  claim: Stored<WorkItemLink>,
  subject: WorkItemSubject,
  options: { recover: boolean },
): Promise<SyncOutcome> {
  if (options.recover) {
    const found = await ctx.client.queryIds(
      `SELECT [System.Id] FROM WorkItems WHERE [System.Tags] CONTAINS '${claim.marker}' ORDER BY [System.Id]`,
    );
    for (const id of found) {
      const item = await ctx.client.getWorkItem(id);
      if (!item) continue;
      if (found.length > 1)
        ctx.logger.warn('more than one work item carries a risk marker; linking the first', { marker: claim.marker, workItems: found });
      const view = viewOf(item, claim.project);
      const info = await ctx.typeInfo(view.project, view.type);
      const adopted = await ctx.links.replace(
        {
          ...claim,
          ...remember(view, info, item),
          status: 'linked',
          syncedStatus: statusOfCategory(categoryOf(info, view.state), ctx.settings, view.reason),
          severity: subject.severity,
          occurrenceMark: occurrenceMark(subject.occurrences),
          members: subject.risks.length,
          syncedAt: now(ctx),
        },
        claim._etag,
      );
      ctx.logger.info('found the work item of a claimed link by its marker tag', { workItemId: item.id, marker: claim.marker });
      await syncLinked(ctx, adopted, subject, view, { fresh: true });
      return { action: 'recovered', workItemId: item.id };
    }
  }
  const type = ctx.settings.workItemType;
  const info = await ctx.typeInfo(claim.project, type);
  if (info.states.length === 0)
    throw new ConfigurationError(
      `work item type '${type}' in project '${claim.project}' has no states Vigil can read: choose another type with vigil orgs work-items ${ctx.organization} --type TYPE`,
    );
  const missing = missingRequiredFields(info);
  if (missing.length > 0) {
    throw new ConfigurationError(
      `work item type '${type}' in project '${claim.project}' requires ${missing.map((f) => `'${f.name}' (${f.referenceName})`).join(', ')}, which Vigil does not fill: give ${missing.length === 1 ? 'it' : 'them'} a default in the process or choose another type with vigil orgs work-items ${ctx.organization} --type TYPE`,
    );
  }
  const route = routeFor(ctx.settings, { project: await ctx.projectName(claim.project), repository: repositoryNameOf(subject.primary) });
  const created = await ctx.client.createWorkItem(
    claim.project,
    type,
    creationOperations(info, subject, { marker: claim.marker, ...route, now: now(ctx) }),
  );
  const view = viewOf(created, claim.project);
  telemetry().count('vigil.workitems.writes', 1, { operation: 'created' });
  const linked = await ctx.links.replace(
    {
      ...claim,
      ...remember(view, info, created),
      status: 'linked',
      syncedStatus: subject.status,
      severity: subject.severity,
      occurrenceMark: occurrenceMark(subject.occurrences),
      members: subject.risks.length,
      syncedAt: now(ctx),
    },
    claim._etag,
  );
  ctx.logger.info('work item created for a risk', { workItemId: created.id, project: claim.project, type, risk: subject.primary.id });
  // The risk may have changed while the work item was being filed; bring it up to date (no call when nothing changed).
  const latest = await loadSubject(ctx.risks, ctx.organization, linked.subject);
  if (latest && latest.status !== subject.status) await syncLinked(ctx, linked, latest, rememberedView(linked), { fresh: false });
  return { action: 'created', workItemId: created.id };
}

// ── both ways: one linked work item ────────────────────────────────────────────────────────────

/**
 * Brings a linked work item and its risk together, in the direction of the newer change
 * (docs/work-items.md, "Which side wins"): a state category a person set since Vigil's last sync
 * drives the risk, unless the risk changed later; otherwise the risk drives the work item. Writes
 * test `/rev`: against what the link remembers when no fresher view is at hand (no read at all
 * when nobody touched the work item since), and a 412 is answered by reading it and deciding again.
 */
export async function syncLinked(
  ctx: WorkItemSyncContext,
  link: Stored<WorkItemLink>,
  subject: WorkItemSubject,
  known: WorkItemView | undefined,
  options: { fresh: boolean },
): Promise<SyncOutcome> {
  let view = known;
  let fresh = options.fresh;
  for (let attempt = 0; attempt <= maxConflictRetries; attempt++) {
    if (!view) {
      const item = link.workItemId === undefined ? undefined : await ctx.client.getWorkItem(link.workItemId);
      if (!item) return markBroken(ctx, link, 'deleted in Azure DevOps');
      view = viewOf(item, link.project);
      fresh = true;
    }
    try {
      return await reconcileOne(ctx, link, subject, view, fresh);
    } catch (error) {
      if (error instanceof AzureDevOpsConflictError || error instanceof UnverifiedView) {
        view = undefined; // someone changed it since (or may have): read it and decide again
        continue;
      }
      if (error instanceof WorkItemRequestRefusedError && error.statusCode === 404 && error.code === 'TF401232')
        return markBroken(ctx, link, 'deleted in Azure DevOps');
      throw error;
    }
  }
  throw new TransientError(
    `work item #${link.workItemId ?? '?'} kept changing while Vigil wrote to it (${maxConflictRetries + 1} conflicts); it will be tried again`,
  );
}

/** What syncing one link would do: status changes the work item makes on its risks, and a patch for the work item. */
export interface SyncPlan {
  /** `pull`: a person's change drives the risks; `push`: the risks drive the work item. */
  direction: 'pull' | 'push';
  pulls: Array<{ risk: Risk; request: TriageRequest }>;
  operations: JsonPatchOperation[];
  history?: string;
  /** What it changes, for logs and reports. */
  changes: string[];
  info: WorkItemTypeInfo;
  category: StateCategory | undefined;
  /** The risk changed since the last sync. */
  riskChanged: boolean;
}

/** A decision made on the remembered work item that no write will check: read it and decide again. */
class UnverifiedView extends Error {}

/** Decides, without writing, what syncing a link would do (the reconciliation's dry run reports this). */
export async function planSync(
  ctx: WorkItemSyncContext,
  link: WorkItemLink,
  subject: WorkItemSubject,
  view: WorkItemView,
  fresh: boolean,
): Promise<SyncPlan> {
  const info = await ctx.typeInfo(view.project, view.type);
  const category = categoryOf(info, view.state);
  const newer = fresh && view.rev > (link.rev ?? 0);
  const personChanged = newer && category !== undefined && category !== link.category && !(await isVigil(ctx, view));
  // Changed since the last sync, even if back to the same status (resolved, then seen again).
  const riskChanged = subject.status !== link.syncedStatus || subject.changedAt > (link.syncedAt ?? '');
  const inbound = personChanged && (!riskChanged || (view.changedAt ?? '') >= subject.changedAt);

  const plan: SyncPlan = { direction: inbound ? 'pull' : 'push', pulls: [], operations: [], changes: [], info, category, riskChanged };
  if (inbound && category) {
    plan.pulls = pullRequests(ctx, subject, view, category);
    for (const { risk, request } of plan.pulls) plan.changes.push(`risk ${risk.id} ${risk.status} → ${request.status}`);
  } else {
    const move = stateMove(ctx, link, subject, category, info);
    if (move) {
      plan.operations.push({ op: 'add', path: '/fields/System.State', value: move.state });
      plan.history = move.comment;
      plan.changes.push(`state ${view.state} → ${move.state}`);
    }
  }
  if (link.severity !== undefined && subject.severity !== link.severity) {
    const previous = severityTag(link.severity).toLowerCase();
    const tags = [...view.tags.filter((t) => t.toLowerCase() !== previous), severityTag(subject.severity)];
    // The whole field is written, but over the revision read (test /rev): a person's tags are kept, only Vigil's change.
    plan.operations.push(
      { op: 'replace', path: '/fields/System.Tags', value: joinTags(tags) },
      ...severityOperations(info, subject.severity, 'replace'),
    );
    plan.changes.push(`severity ${link.severity} → ${subject.severity}`);
  }
  const mark = occurrenceMark(subject.occurrences);
  const grew = subject.kind === 'group' && link.members !== undefined && subject.risks.length > link.members;
  if (mark > (link.occurrenceMark ?? 0) || grew) {
    plan.operations.push(...descriptionOperations(info, descriptionFor(subject, now(ctx)), 'replace'));
    plan.history ??= grew
      ? `Vigil: ${subject.risks.length} risks of this rule in ${subject.primary.asset.name} now (${subject.risks.length - (link.members ?? 0)} new), seen ${subject.occurrences} time(s); latest at ${subject.primary.evidence.location}.`
      : `Vigil: seen ${subject.occurrences} times now; latest at ${subject.primary.evidence.location}.`;
    plan.changes.push(grew ? `members ${link.members ?? 0} → ${subject.risks.length}` : `seen ${subject.occurrences} times`);
  }
  return plan;
}

async function reconcileOne(
  ctx: WorkItemSyncContext,
  link: Stored<WorkItemLink>,
  subject: WorkItemSubject,
  view: WorkItemView,
  fresh: boolean,
): Promise<SyncOutcome> {
  const plan = await planSync(ctx, link, subject, view, fresh);
  // The risk changed but the remembered work item already matches it: nothing would be written, so nothing
  // would test /rev. Someone may have moved it since; read it before calling the two in step.
  if (!fresh && plan.operations.length === 0 && plan.riskChanged) throw new UnverifiedView();
  const pending: Array<{ risk: Risk; transition: TriageTransition }> = [];
  for (const { risk, request } of plan.pulls) {
    const result = await ctx.risks.triage(ctx.organization, risk.id, request);
    if (result.applied) pending.push({ risk: result.risk, transition: result.transition });
    else if (result.repeat) pending.push({ risk: result.risk, transition: result.repeat });
  }
  if (pending.length > 0) ctx.logger.info('work item changed its risks', { workItemId: view.id, state: view.state, risks: pending.length });
  const current = pending.length > 0 ? ((await loadSubject(ctx.risks, ctx.organization, link.subject)) ?? subject) : subject;

  let after = view;
  let item: WorkItem | undefined;
  if (plan.operations.length > 0) {
    const patch: JsonPatchOperation[] = [
      { op: 'test', path: '/rev', value: view.rev },
      ...plan.operations,
      ...(plan.history ? [{ op: 'add' as const, path: '/fields/System.History', value: escapeHtml(plan.history) }] : []),
    ];
    item = await ctx.client.updateWorkItem(view.id, patch);
    after = viewOf(item, view.project);
  }
  const afterCategory = categoryOf(plan.info, after.state) ?? plan.category;
  if (item) {
    const closed = isClosedCategory(afterCategory) && !isClosedCategory(categoryOf(plan.info, view.state));
    telemetry().count('vigil.workitems.writes', 1, { operation: closed ? 'closed' : 'updated' });
  }
  await ctx.links.replace(
    {
      ...link,
      ...remember(after, plan.info, item),
      ...(afterCategory ? { category: afterCategory } : {}),
      status: 'linked',
      syncedStatus: current.status,
      severity: current.severity,
      occurrenceMark: Math.max(occurrenceMark(current.occurrences), link.occurrenceMark ?? 0),
      members: current.risks.length,
      syncedAt: now(ctx),
    },
    link._etag,
  );
  // Announced only once the link records what was synced, so the change's own risk.changed finds nothing left to do.
  for (const { risk, transition } of pending)
    for (const [queue, messages] of triageEvents(risk, transition, ctx.clock)) await ctx.queue.send(queue, messages);
  if (pending.length > 0) return { action: 'pulled', workItemId: view.id, status: current.status, risks: pending.length };
  if (plan.operations.length > 0) return { action: 'updated', workItemId: view.id, changes: plan.changes };
  return { action: 'unchanged', workItemId: view.id };
}

/** The state to move the work item to for the risk's status, if it is not in a matching category already. */
function stateMove(
  ctx: WorkItemSyncContext,
  link: WorkItemLink,
  subject: WorkItemSubject,
  category: StateCategory | undefined,
  info: WorkItemTypeInfo,
): { state: string; comment: string } | undefined {
  if (!category) return undefined;
  const change = subject.latestChange;
  const why = change ? `${change.reason} (${change.by}${change.reference ? `, ${change.reference}` : ''})` : 'no reason given';
  const mapping = ctx.settings.stateMapping;
  switch (subject.status) {
    case 'open': {
      if (category === 'Proposed' || category === 'InProgress') return undefined;
      // A person's Removed is respected: only an operator's explicit reopen or an acceptance that ended moves it back.
      if (category === 'Removed' && !explicitReopen(subject, link)) return undefined;
      const state = chooseState(info, ['Proposed', 'InProgress'], mapping);
      return state ? { state, comment: `Vigil reopened this risk: ${why}.` } : undefined;
    }
    case 'resolved': {
      if (category !== 'Proposed' && category !== 'InProgress') return undefined;
      const state = chooseState(info, ['Resolved', 'Completed'], mapping);
      return state ? { state, comment: `Vigil resolved this risk: ${why}.` } : undefined;
    }
    case 'accepted':
    case 'false-positive': {
      if (category !== 'Proposed' && category !== 'InProgress') return undefined;
      const state = chooseState(info, ['Removed', 'Completed'], mapping);
      const what =
        subject.status === 'accepted' ? `accepted${change?.until ? ` until ${change.until.slice(0, 10)}` : ''}` : 'marked a false positive';
      return state ? { state, comment: `Vigil: this risk was ${what}: ${why}.` } : undefined;
    }
  }
}

function explicitReopen(subject: WorkItemSubject, link: WorkItemLink): boolean {
  const change = subject.latestChange;
  return (
    change?.status === 'open' &&
    (change.source === 'cli' || change.source === 'pull-request' || change.source === 'expiry') &&
    change.at > (link.syncedAt ?? '')
  );
}

/**
 * A person moved the work item to another state category: the risk follows
 * (`Resolved`/`Completed` → resolved, "closed in work item #N by NAME"; `Removed` → accepted, or a
 * false positive for the configured `System.Reason` values; `Proposed`/`InProgress` → reopened).
 */
function pullRequests(
  ctx: WorkItemSyncContext,
  subject: WorkItemSubject,
  view: WorkItemView,
  category: StateCategory,
): Array<{ risk: Risk; request: TriageRequest }> {
  const status = statusOfCategory(category, ctx.settings, view.reason);
  const by = view.changedByName ?? 'someone';
  const reference = `work item #${view.id}`;
  const common = { by, source, reference, key: `workitem:${view.id}:${view.rev}` };
  const requests: Array<{ risk: Risk; request: TriageRequest }> = [];
  for (const risk of subject.risks) {
    if (status === 'resolved' && risk.status === 'open') {
      requests.push({
        risk,
        request: { ...common, status, reason: `closed in work item #${view.id} by ${by} (state ${view.state})`, onlyFrom: ['open'] },
      });
    } else if (
      (status === 'accepted' || status === 'false-positive') &&
      (risk.status === 'open' || (subject.kind === 'risk' && risk.status !== status))
    ) {
      requests.push({
        risk,
        request: {
          ...common,
          status,
          reason: `moved to ${view.state} in work item #${view.id} by ${by}${view.reason ? ` (reason: ${view.reason})` : ''}`,
          ...(status === 'accepted' ? { until: new Date(ctx.clock.now() + ctx.settings.acceptDays * 86_400_000).toISOString() } : {}),
        },
      });
    } else if (
      status === 'open' &&
      risk.status !== 'open' &&
      (subject.kind === 'risk' || (risk.triage?.source === source && risk.triage.reference === reference))
    ) {
      // In a group, only the risks this work item closed reopen: it cannot say which other one should.
      requests.push({ risk, request: { ...common, status, reason: `reopened in work item #${view.id} by ${by} (state ${view.state})` } });
    }
  }
  return requests;
}

/** The risk status a state category stands for. */
export function statusOfCategory(
  category: StateCategory | undefined,
  settings: Pick<EffectiveWorkItemSettings, 'falsePositiveReasons'>,
  reason: string | undefined,
): RiskStatus | undefined {
  switch (category) {
    case 'Proposed':
    case 'InProgress':
      return 'open';
    case 'Resolved':
    case 'Completed':
      return 'resolved';
    case 'Removed':
      return reason && settings.falsePositiveReasons.some((r) => r.toLowerCase() === reason.toLowerCase()) ? 'false-positive' : 'accepted';
    default:
      return undefined;
  }
}

// ── inbound: a work item changed ───────────────────────────────────────────────────────────────

/**
 * `workitem.updated|deleted|restored`: re-fetch the work item (the payload is trusted for its id
 * only), find its link, and act. Revisions at or below the last one synced are Vigil's own echo
 * or old news and cost no call at all when the event says which revision it was.
 */
export async function pullWorkItem(
  ctx: WorkItemSyncContext,
  workItemId: number,
  event: 'updated' | 'deleted' | 'restored',
  revision?: number,
): Promise<SyncOutcome> {
  for (let race = 0; race < maxLinkRaces; race++) {
    const link = await ctx.links.byWorkItem(ctx.organization, workItemId);
    if (!link) return { action: 'skipped', why: `work item #${workItemId} is not linked to a risk` };
    try {
      if (link.status === 'unlinked') return { action: 'skipped', why: 'unlinked by an operator' };
      if (event === 'updated' && link.status === 'linked' && revision !== undefined && revision <= (link.rev ?? 0)) {
        return { action: 'unchanged', workItemId, why: `revision ${revision} is at or below the last one synced (${link.rev ?? 0})` };
      }
      const item = await ctx.client.getWorkItem(workItemId);
      if (!item) {
        if (event === 'restored') return { action: 'skipped', why: `work item #${workItemId} is still deleted` };
        return await markBroken(ctx, link, 'deleted in Azure DevOps');
      }
      if (event === 'deleted') return { action: 'unchanged', workItemId, why: 'the work item exists: not deleted' };
      const view = viewOf(item, link.project);
      let current = link;
      if (link.status !== 'linked') {
        // Restored from the recycle bin (or found again): linked once more, then synced as any other.
        current = await ctx.links.replace({ ...link, status: 'linked', note: `restored ${now(ctx)}` }, link._etag);
        ctx.logger.info('work item restored: linked again', { workItemId });
      } else if (view.rev <= (link.rev ?? 0)) {
        return { action: 'unchanged', workItemId, why: `revision ${view.rev} is at or below the last one synced` };
      }
      const subject = await loadSubject(ctx.risks, ctx.organization, current.subject);
      if (!subject) return { action: 'skipped', why: 'its risks no longer exist' };
      const outcome = await syncLinked(ctx, current, subject, view, { fresh: true });
      return link.status !== 'linked' ? { action: 'relinked', workItemId } : outcome;
    } catch (error) {
      if (isPreconditionFailed(error)) continue;
      throw error;
    }
  }
  throw new TransientError(`the link of work item #${workItemId} kept changing while it was synced; it will be tried again`);
}

async function markBroken(ctx: WorkItemSyncContext, link: Stored<WorkItemLink>, why: string): Promise<SyncOutcome> {
  if (link.status !== 'broken') {
    await ctx.links.replace({ ...link, status: 'broken', note: `${why} (${now(ctx)})` }, link._etag);
    ctx.logger.info('work item is gone: link marked broken, not recreated', { workItemId: link.workItemId });
  }
  return { action: 'broken', workItemId: link.workItemId ?? 0 };
}

// ── plumbing ───────────────────────────────────────────────────────────────────────────────────

async function isVigil(ctx: WorkItemSyncContext, view: WorkItemView): Promise<boolean> {
  if (!view.changedById && !view.changedByName) return false;
  const me = await ctx.identity();
  return view.changedById !== undefined ? view.changedById.toLowerCase() === me.id.toLowerCase() : view.changedByName === me.displayName;
}

/** What the link remembers of a work item. */
function remember(view: WorkItemView, info: WorkItemTypeInfo, item?: WorkItem): Partial<WorkItemLink> {
  const category = categoryOf(info, view.state);
  return {
    workItemId: view.id,
    rev: view.rev,
    type: view.type,
    state: view.state,
    ...(category ? { category } : {}),
    tags: view.tags,
    ...(item?.url ? { workItemUrl: item._links?.html?.href ?? item.url } : view.url ? { workItemUrl: view.url } : {}),
  };
}

function now(ctx: WorkItemSyncContext): string {
  return new Date(ctx.clock.now()).toISOString();
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A work item in one of these categories is done with (`vigil.workitems.writes` counts the move into one as `closed`). */
function isClosedCategory(category: string | undefined): boolean {
  return category === 'Completed' || category === 'Removed';
}
