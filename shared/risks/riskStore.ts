import type { Clock } from '../clock';
import { PermanentError } from '../errors';
import type { Container, QuerySpec, Scalar, Stored } from '../store';
import { isConflict, isPreconditionFailed, queryAll } from '../store';
import {
  acceptanceEnded,
  type Risk,
  type RiskAsset,
  type RiskEvidence,
  type RiskKind,
  type RiskSeverity,
  type RiskStatus,
  type RiskTriage,
  riskId,
  type TriageSource,
} from './risk';
import type { RiskTallyStore } from './riskTallies';

/** One sighting of a risk, as a scan reports it. */
export interface RiskSighting {
  organization: string;
  kind: RiskKind;
  ruleId: string;
  title: string;
  severity: RiskSeverity;
  asset: RiskAsset;
  /** The Azure DevOps project of the asset, when it has one. */
  project?: string;
  fingerprint: string;
  verified: boolean;
  evidence: RiskEvidence;
  remediation: string;
  /** The tool that reported it (SARIF results). */
  tool?: string;
  /** Advisory ids (CVE, GHSA), for work item tags. */
  tags?: string[];
  /** Identifies this sighting (e.g. `build:7:log:12:line:40`): the same sighting recorded twice counts once. */
  sightingId: string;
}

/** What recording a sighting or a status change did: the internal event to emit, if any. */
export type RiskTransition = 'opened' | 'reopened' | 'seen-again' | 'already-counted' | 'resolved' | 'accepted' | 'false-positive';

/** The transitions a status change makes. */
export type TriageTransition = Extract<RiskTransition, 'reopened' | 'resolved' | 'accepted' | 'false-positive'>;

/** A request to change a risk's status (docs/work-items.md, "The risk lifecycle"). */
export interface TriageRequest {
  status: RiskStatus;
  /** Why, in a person's words; kept with the risk. */
  reason: string;
  /** Who: a person's name, or `Vigil`. */
  by: string;
  source: TriageSource;
  /** For `accepted`: when the acceptance ends (ISO 8601). Default: `defaultAcceptanceDays` from now. */
  until?: string;
  /** What it came from: `work item #12`, `pull request 7`. */
  reference?: string;
  /** The request's own key, so the same request applied twice is recognised (a work item revision, a comment id). */
  key?: string;
  /** Apply only when the risk's status is one of these (the sync resolves only open risks, say). */
  onlyFrom?: readonly RiskStatus[];
}

export type TriageResult =
  | { applied: true; risk: Risk; transition: TriageTransition }
  /** Nothing changed: the risk already had that status (`repeat` when this very request was applied before). */
  | { applied: false; risk: Risk; why: string; repeat?: TriageTransition };

export class RiskNotFoundError extends PermanentError {
  constructor(organization: string, id: string) {
    super(`no risk '${id}' in organization '${organization}' (vigil risks list --org ${organization} shows their ids)`);
  }
}

const keptSightings = 50;
/** Status changes a risk keeps besides its current one; older ones are dropped (the totals' reconcile knows). */
export const keptHistory = 20;
/** An acceptance without an end date ends after this many days (the risk then reopens). */
export const defaultAcceptanceDays = 90;
const dayMs = 86_400_000;
/** How Vigil signs the status changes it makes itself. */
export const vigilActor = 'Vigil';

/** Risks by organization, recorded idempotently with etag-checked read-modify-write. */
export class RiskStore {
  constructor(
    private readonly risks: Container<Risk>,
    private readonly clock: Clock,
    /** The overview's running totals, moved after every write with the risk as it was and as it is. */
    private readonly tallies?: Pick<RiskTallyStore, 'moved'>,
  ) {}

  /**
   * Counts a sighting. A new risk opens; a resolved one reopens; an accepted one whose acceptance
   * ended reopens; an open, accepted or false-positive one stays as it is with one more occurrence.
   */
  async record(sighting: RiskSighting): Promise<{ risk: Risk; transition: RiskTransition }> {
    const id = riskId(sighting.organization, sighting.kind, sighting.ruleId, sighting.asset.id, sighting.fingerprint);
    const now = new Date(this.clock.now()).toISOString();
    for (;;) {
      const existing = await this.risks.read(id, sighting.organization);
      if (!existing) {
        const { sightingId, ...fields } = sighting;
        const risk: Risk = {
          ...fields,
          id,
          status: 'open',
          occurrences: 1,
          firstSeenAt: now,
          lastSeenAt: now,
          statusChangedAt: now,
          recentSightings: [sightingId],
        };
        try {
          const created = await this.risks.create(risk);
          await this.tallies?.moved(undefined, created);
          return { risk: created, transition: 'opened' };
        } catch (error) {
          if (isConflict(error)) continue; // another worker opened it first: count ours on top
          throw error;
        }
      }
      if (existing.recentSightings.includes(sighting.sightingId))
        return { risk: withoutSystemProperties(existing), transition: 'already-counted' };
      const current = withoutSystemProperties(existing);
      const expired = acceptanceEnded(current, this.clock.now());
      const reopens = current.status === 'resolved' || expired;
      let updated: Risk = {
        ...current,
        severity: sighting.severity,
        verified: current.verified || sighting.verified,
        evidence: sighting.evidence,
        ...(sighting.tags ? { tags: sighting.tags } : {}),
        ...(sighting.project && !current.project ? { project: sighting.project } : {}),
        occurrences: current.occurrences + 1,
        lastSeenAt: now,
        recentSightings: [...current.recentSightings, sighting.sightingId].slice(-keptSightings),
      };
      if (reopens) {
        updated = withStatus(updated, {
          status: 'open',
          reason: expired ? `the acceptance ended on ${current.triage?.until ?? now}` : `seen again: ${sighting.evidence.location}`,
          by: vigilActor,
          at: now,
          source: expired ? 'expiry' : 'scan',
        });
      }
      try {
        const stored = withoutSystemProperties(await this.risks.replace(updated, { ifMatch: existing._etag }));
        await this.tallies?.moved(current, stored);
        return { risk: stored, transition: reopens ? 'reopened' : 'seen-again' };
      } catch (error) {
        if (isPreconditionFailed(error)) continue;
        throw error;
      }
    }
  }

  /**
   * Marks an open risk resolved by Vigil itself (an audit check that now passes; `because` says
   * why). Returns the risk when this call resolved it; undefined when it was not open or does not
   * exist, so a redelivered audit announces a resolution once.
   */
  async resolve(organization: string, id: string, because: string): Promise<Risk | undefined> {
    const result = await this.triage(organization, id, {
      status: 'resolved',
      reason: because,
      by: vigilActor,
      source: 'audit',
      onlyFrom: ['open'],
    }).catch((error: unknown) => {
      if (error instanceof RiskNotFoundError) return undefined;
      throw error;
    });
    return result?.applied ? result.risk : undefined;
  }

  /**
   * Changes a risk's status and keeps who, when, why and from where (docs/work-items.md, "The
   * risk lifecycle"). Compare-then-act: a risk that already has the status is left alone (an
   * acceptance with a new end date is applied again). RiskNotFoundError when there is no such risk.
   */
  async triage(organization: string, id: string, request: TriageRequest): Promise<TriageResult> {
    const reason = request.reason.trim().slice(0, 2000);
    if (!reason) throw new PermanentError('a status change needs a reason (--reason TEXT)');
    for (;;) {
      const existing = await this.risks.read(id, organization);
      if (!existing) throw new RiskNotFoundError(organization, id);
      const current = withoutSystemProperties(existing);
      const transition = transitionTo(request.status);
      if (request.key && current.triage?.key === request.key && current.triage.source === request.source) {
        return { applied: false, risk: current, why: 'this change was applied already', repeat: transition };
      }
      if (request.onlyFrom && !request.onlyFrom.includes(current.status)) {
        return { applied: false, risk: current, why: `the risk is ${current.status}` };
      }
      const now = this.clock.now();
      const until = request.status === 'accepted' ? acceptedUntil(request.until, now) : undefined;
      if (current.status === request.status && (request.status !== 'accepted' || current.triage?.until === until)) {
        return { applied: false, risk: current, why: `the risk is already ${current.status}` };
      }
      const updated = withStatus(current, {
        status: request.status,
        reason,
        by: request.by.trim().slice(0, 200) || 'unknown',
        at: new Date(now).toISOString(),
        source: request.source,
        ...(until ? { until } : {}),
        ...(request.reference ? { reference: request.reference } : {}),
        ...(request.key ? { key: request.key } : {}),
      });
      try {
        const stored = withoutSystemProperties(await this.risks.replace(updated, { ifMatch: existing._etag }));
        await this.tallies?.moved(current, stored);
        return { applied: true, risk: stored, transition };
      } catch (error) {
        if (isPreconditionFailed(error)) continue;
        throw error;
      }
    }
  }

  async get(organization: string, id: string): Promise<Risk | undefined> {
    const stored = await this.risks.read(id, organization);
    return stored ? withoutSystemProperties(stored) : undefined;
  }

  /** One page of a query over the risks (the overview's table): equality filters, one sort field, a continuation token. */
  async page(spec: QuerySpec): Promise<{ items: Risk[]; continuationToken?: string }> {
    const page = await this.risks.query(spec);
    return {
      items: page.items.map(withoutSystemProperties),
      ...(page.continuationToken ? { continuationToken: page.continuationToken } : {}),
    };
  }

  /** The risk with this id in whichever organization holds it (ids are derived from the organization too). */
  async find(id: string): Promise<Risk | undefined> {
    const page = await this.risks.query({ where: { id }, limit: 1 });
    return page.items[0] && withoutSystemProperties(page.items[0]);
  }

  async list(filter: { organization?: string; status?: string; kind?: RiskKind; assetId?: string; ruleId?: string } = {}): Promise<Risk[]> {
    const where: Record<string, Scalar> = {};
    if (filter.organization) where.organization = filter.organization;
    if (filter.status) where.status = filter.status;
    if (filter.kind) where.kind = filter.kind;
    if (filter.assetId) where['asset.id'] = filter.assetId;
    if (filter.ruleId) where.ruleId = filter.ruleId;
    const all = await queryAll(this.risks, { where, orderBy: { field: 'lastSeenAt', descending: true } });
    return all.map(withoutSystemProperties);
  }
}

function transitionTo(status: RiskStatus): TriageTransition {
  return status === 'open' ? 'reopened' : status;
}

function acceptedUntil(requested: string | undefined, now: number): string {
  if (requested === undefined) return new Date(now + defaultAcceptanceDays * dayMs).toISOString();
  const until = Date.parse(requested);
  if (!Number.isFinite(until)) throw new PermanentError(`the acceptance's end '${requested.slice(0, 40)}' is not a date (use YYYY-MM-DD)`);
  if (until <= now) throw new PermanentError(`the acceptance's end ${new Date(until).toISOString().slice(0, 10)} is not in the future`);
  return new Date(until).toISOString();
}

/** The risk with a new status, the change recorded and the previous one kept in the history. */
function withStatus(risk: Risk, change: RiskTriage): Risk {
  const updated: Risk = {
    ...risk,
    status: change.status,
    statusChangedAt: change.at,
    triage: change,
    history: [...(risk.history ?? []), ...(risk.triage ? [risk.triage] : [])].slice(-keptHistory),
  };
  if (change.status === 'resolved') {
    updated.resolvedAt = change.at;
    updated.resolution = change.reason;
  } else {
    delete updated.resolvedAt;
    delete updated.resolution;
  }
  return updated;
}

function withoutSystemProperties(risk: Stored<Risk>): Risk {
  const { _etag, _ts, ...rest } = risk;
  return rest;
}
