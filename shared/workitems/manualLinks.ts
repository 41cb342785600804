import type { AppServices } from '../app';
import { PermanentError } from '../errors';
import type { Logger } from '../logging';
import { listFailedMessages, parkedMessageId, replayFailedMessages } from '../queue';
import type { Risk } from '../risks';
import { isPreconditionFailed } from '../store';
import { clearFailing } from './syncFailures';
import { withSyncSession } from './syncSession';
import { vigilTags } from './workItemContent';
import { linkIdFor, linkOfRisk, markerFor, subjectFor, type WorkItemLink } from './workItemLink';
import { categoryOf } from './workItemStates';
import { loadSubject, occurrenceMark } from './workItemSubject';
import { pushRisk, type SyncOutcome, syncLinked } from './workItemSync';
import { joinTags, viewOf } from './workItemView';

/**
 * What an operator does by hand (`vigil workitems link|unlink|relink|retry`, docs/work-items.md,
 * "By hand"). They run whether or not the sync is on, and even while it is marked failing (a
 * configuration failure still marks it).
 */
const byHand = { evenIfOff: true, evenIfFailing: true } as const;

/**
 * Links a risk to an existing work item: Vigil's tags are added to it (never replacing a person's),
 * and from then on the work item follows the risk as any Vigil filed. Refused when the risk already
 * has a linked work item or the work item belongs to another risk.
 */
export async function linkWorkItem(services: AppServices, risk: Risk, workItemId: number, logger: Logger): Promise<SyncOutcome> {
  const session = await withSyncSession(
    services,
    risk.organization,
    logger,
    async (ctx) => {
      const existing = await linkOfRisk(ctx.links, risk);
      if (existing?.status === 'linked' && existing.workItemId !== workItemId) {
        throw new PermanentError(
          `risk ${risk.id} is linked to work item #${existing.workItemId ?? '?'} already (vigil workitems unlink ${risk.id} first)`,
        );
      }
      const other = await ctx.links.byWorkItem(ctx.organization, workItemId);
      if (other && other.id !== existing?.id && other.status !== 'unlinked') {
        throw new PermanentError(
          `work item #${workItemId} is linked to another risk already (vigil workitems list --org ${ctx.organization})`,
        );
      }
      const item = await ctx.client.getWorkItem(workItemId);
      if (!item)
        throw new PermanentError(
          `work item #${workItemId} does not exist in organization '${ctx.organization}' (or is in the recycle bin)`,
        );
      const id = existing?.id ?? linkIdFor(risk, ctx.settings.grouping);
      const marker = markerFor(id);
      const subject = await loadSubject(ctx.risks, ctx.organization, existing?.subject ?? subjectFor(risk, ctx.settings.grouping));
      if (!subject) throw new PermanentError(`risk '${risk.id}' of organization '${ctx.organization}' is gone; nothing to link`);
      let view = viewOf(item);
      const missing = vigilTags(subject, marker).filter((t) => !view.tags.some((have) => have.toLowerCase() === t.toLowerCase()));
      if (missing.length > 0) {
        // `add` on System.Tags adds to what is there; test /rev so nothing a person did in between is lost.
        view = viewOf(
          await ctx.client.updateWorkItem(workItemId, [
            { op: 'test', path: '/rev', value: view.rev },
            { op: 'add', path: '/fields/System.Tags', value: joinTags(missing) },
          ]),
        );
      }
      const info = await ctx.typeInfo(view.project, view.type);
      const category = categoryOf(info, view.state);
      const link: WorkItemLink = {
        id,
        organization: ctx.organization,
        subject: existing?.subject ?? subjectFor(risk, ctx.settings.grouping),
        marker,
        status: 'linked',
        project: view.project,
        claimedBy: 'cli',
        claimedAt: new Date(ctx.clock.now()).toISOString(),
        workItemId,
        ...(item._links?.html?.href ? { workItemUrl: item._links.html.href } : item.url ? { workItemUrl: item.url } : {}),
        rev: view.rev,
        type: view.type,
        state: view.state,
        ...(category ? { category } : {}),
        tags: view.tags,
        severity: subject.severity,
        occurrenceMark: occurrenceMark(subject.occurrences),
        members: subject.risks.length,
        note: 'linked by an operator',
      };
      const stored = await ctx.links.upsert(link);
      // The risk now drives the work item: its state moves to match the risk's status.
      await syncLinked(ctx, stored, subject, view, { fresh: true });
      return { action: 'relinked' as const, workItemId };
    },
    byHand,
  );
  if (!session.ran) throw new PermanentError(session.why);
  return session.value;
}

/** Takes a risk's link away: nothing is synced or created for it any more (the work item is left as it is). */
export async function unlinkRisk(services: AppServices, risk: Risk): Promise<WorkItemLink> {
  const links = services.stores.workItemLinks;
  for (;;) {
    const link = await linkOfRisk(links, risk);
    if (!link) throw new PermanentError(`risk ${risk.id} has no work item link`);
    if (link.status === 'unlinked') return link;
    try {
      return await links.replace(
        { ...link, status: 'unlinked', note: `unlinked by an operator ${new Date(services.clock.now()).toISOString()}` },
        link._etag,
      );
    } catch (error) {
      if (!isPreconditionFailed(error)) throw error;
    }
  }
}

/**
 * Links a risk again after its work item was deleted or it was unlinked: to the given work item,
 * else to the one carrying its marker tag, else to a new one.
 */
export async function relinkRisk(services: AppServices, risk: Risk, workItemId: number | undefined, logger: Logger): Promise<SyncOutcome> {
  if (workItemId !== undefined) return linkWorkItem(services, risk, workItemId, logger);
  const session = await withSyncSession(
    services,
    risk.organization,
    logger,
    async (ctx) => {
      const link = await linkOfRisk(ctx.links, risk);
      if (link?.status === 'linked')
        return { action: 'unchanged' as const, workItemId: link.workItemId, why: `linked to work item #${link.workItemId ?? '?'} already` };
      const cause = `cli:relink:${ctx.clock.now()}`;
      if (link) {
        // Back to a claim of this command's own: pushRisk then looks for the marker before creating anything.
        const { workItemId: _old, rev: _rev, ...rest } = link;
        await ctx.links.replace(
          {
            ...rest,
            status: 'claimed',
            claimedBy: cause,
            claimedAt: new Date(ctx.clock.now()).toISOString(),
            note: `relinked by an operator (was ${link.status}${link.workItemId ? ` #${link.workItemId}` : ''})`,
          },
          link._etag,
        );
      }
      return pushRisk(ctx, risk, { id: cause });
    },
    byHand,
  );
  if (!session.ran) throw new PermanentError(session.why);
  return session.value;
}

/**
 * After fixing the settings: clears the organization's failing mark and puts the messages parked
 * while it failed back on the queue. Returns what it did per organization.
 */
export async function retryWorkItemSync(
  services: AppServices,
  organization?: string,
): Promise<Array<{ organization: string; cleared: boolean; replayed: number }>> {
  const organizations = organization
    ? [await services.stores.organizations.get(organization)]
    : (await services.stores.organizations.list()).filter((o) => o.workItemSync);
  const stores = { queue: services.queue, parked: services.stores.parked, clock: services.clock };
  const parked = (await listFailedMessages(stores, { queues: ['workitem-sync'] })).filter((m) => m.kind === 'parked');
  const results: Array<{ organization: string; cleared: boolean; replayed: number }> = [];
  for (const settings of organizations) {
    const cleared = await clearFailing(services.stores.organizations, settings.organization);
    const ours = await parkedOf(
      services,
      settings.organization,
      parked.map((m) => m.messageId),
    );
    const { replayed } =
      ours.length > 0 ? await replayFailedMessages(stores, { queues: ['workitem-sync'], messageIds: ours }) : { replayed: 0 };
    results.push({ organization: settings.organization, cleared, replayed });
  }
  return results;
}

/** The parked workitem-sync messages of one organization (by their envelopes). */
async function parkedOf(services: AppServices, organization: string, messageIds: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const messageId of messageIds) {
    const parked = await services.stores.parked.read(parkedMessageId('workitem-sync', messageId), 'workitem-sync');
    const body = parked?.body as { organization?: unknown } | undefined;
    if (body?.organization === organization) ids.push(messageId);
  }
  return ids;
}
