import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { Risk, RiskSeverity, RiskStatus } from '../risks';
import type { Container, Stored } from '../store';
import { isConflict, queryAll } from '../store';
import type { StateCategory } from './workItemStates';

/**
 * The link between a risk (or a group of risks) and its work item: the `workItemLinks` container,
 * partitioned by `/organization`, one document per work item Vigil keeps (docs/work-items.md,
 * "No duplicates"). Its id is derived from what it is for, so there is one per risk (or per
 * repository and rule) whoever writes it, and it is claimed with a conditional create *before*
 * Azure DevOps is asked to create anything. It keeps what the work item looked like after Vigil's
 * last write (`rev`, state, tags), so the next write can test `/rev` without reading first, and
 * a revision at or below `rev` is known to be one Vigil already saw.
 */
export type LinkStatus =
  /** Claimed, the work item not yet recorded (being created, or a crash left it: recovered by its marker tag). */
  | 'claimed'
  | 'linked'
  /** The work item was deleted in Azure DevOps: not recreated on its own (`vigil workitems relink`). */
  | 'broken'
  /** An operator took the link away (`vigil workitems unlink`): nothing is synced or created. */
  | 'unlinked';

export type LinkSubject = { kind: 'risk'; riskId: string } | { kind: 'group'; assetId: string; ruleId: string };

export interface WorkItemLink {
  id: string;
  organization: string;
  subject: LinkSubject;
  /** The tag `vigil-risk-<16 hex>` on the work item: how it is found again when the link's record of it is lost. */
  marker: string;
  status: LinkStatus;
  /** The project the work item is (to be) filed in. */
  project: string;
  /** Who claimed it: the event being handled, or `cli`. */
  claimedBy: string;
  claimedAt: string;
  workItemId?: number;
  workItemUrl?: string;
  /** The work item after Vigil's last write or read. */
  rev?: number;
  type?: string;
  state?: string;
  category?: StateCategory;
  tags?: string[];
  /** The risk as last synced: its status, severity, occurrence mark (0, 10, 100, 1000) and, for a group, its member count. */
  syncedStatus?: RiskStatus;
  severity?: RiskSeverity;
  occurrenceMark?: number;
  members?: number;
  syncedAt?: string;
  /** Why it is broken or unlinked, and when. */
  note?: string;
  changedAt?: string;
}

/** The link document's id for a risk under a grouping. */
export function linkIdFor(risk: Pick<Risk, 'id' | 'organization' | 'asset' | 'ruleId'>, grouping: 'risk' | 'repository-rule'): string {
  const parts = grouping === 'risk' ? ['risk', risk.organization, risk.id] : ['group', risk.organization, risk.asset.id, risk.ruleId];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

export function subjectFor(risk: Pick<Risk, 'id' | 'asset' | 'ruleId'>, grouping: 'risk' | 'repository-rule'): LinkSubject {
  return grouping === 'risk' ? { kind: 'risk', riskId: risk.id } : { kind: 'group', assetId: risk.asset.id, ruleId: risk.ruleId };
}

/** The marker tag: lower-case hex, since Azure DevOps compares tags without case. */
export function markerFor(linkId: string): string {
  return `vigil-risk-${linkId.slice(0, 16)}`;
}

/** The links of the `workItemLinks` container. Writes are etag-checked; a lost race is the caller's to re-read. */
export class WorkItemLinkStore {
  constructor(
    private readonly links: Container<WorkItemLink>,
    private readonly clock: Clock,
  ) {}

  get(organization: string, id: string): Promise<Stored<WorkItemLink> | undefined> {
    return this.links.read(id, organization);
  }

  /** Creates the claim; undefined when a link already exists (someone claimed it first). */
  async claim(link: Omit<WorkItemLink, 'status' | 'claimedAt'>): Promise<Stored<WorkItemLink> | undefined> {
    try {
      return await this.links.create({ ...link, status: 'claimed', claimedAt: this.now() });
    } catch (error) {
      if (isConflict(error)) return undefined;
      throw error;
    }
  }

  /** Replaces the link if it is still the one read (PreconditionFailedError otherwise). */
  replace(link: Stored<WorkItemLink> | WorkItemLink, etag: string): Promise<Stored<WorkItemLink>> {
    const { _etag: _e, _ts: _t, ...document } = link as Stored<WorkItemLink>;
    return this.links.replace({ ...document, changedAt: this.now() }, { ifMatch: etag });
  }

  /** Writes a link whatever is there (an operator's `link` command). */
  upsert(link: WorkItemLink): Promise<Stored<WorkItemLink>> {
    return this.links.upsert({ ...link, changedAt: this.now() });
  }

  async byWorkItem(organization: string, workItemId: number): Promise<Stored<WorkItemLink> | undefined> {
    const page = await this.links.query({ where: { organization, workItemId }, limit: 2 });
    return page.items[0];
  }

  async byMarker(organization: string, marker: string): Promise<Stored<WorkItemLink> | undefined> {
    const page = await this.links.query({ where: { organization, marker: marker.toLowerCase() }, limit: 2 });
    return page.items[0];
  }

  list(organization?: string, status?: LinkStatus): Promise<Array<Stored<WorkItemLink>>> {
    const where: Record<string, string> = {};
    if (organization) where.organization = organization;
    if (status) where.status = status;
    return queryAll(this.links, { where, orderBy: { field: 'claimedAt' } });
  }

  async remove(organization: string, id: string): Promise<void> {
    await this.links.delete(id, organization);
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

/** The link of a risk, under either grouping (the setting may have changed since it was made). */
export async function linkOfRisk(
  links: WorkItemLinkStore,
  risk: Pick<Risk, 'id' | 'organization' | 'asset' | 'ruleId'>,
): Promise<Stored<WorkItemLink> | undefined> {
  return (
    (await links.get(risk.organization, linkIdFor(risk, 'risk'))) ??
    (await links.get(risk.organization, linkIdFor(risk, 'repository-rule')))
  );
}
