import type { Clock } from '../clock';
import type { Container, Scalar, Stored } from '../store';
import { isConflict, isPreconditionFailed } from '../store';
import { queryAll } from '../store';
import { riskId, type Risk, type RiskAsset, type RiskEvidence, type RiskKind, type RiskSeverity } from './risk';

/** One sighting of a risk, as a scan reports it. */
export interface RiskSighting {
  organization: string;
  kind: RiskKind;
  ruleId: string;
  title: string;
  severity: RiskSeverity;
  asset: RiskAsset;
  fingerprint: string;
  verified: boolean;
  evidence: RiskEvidence;
  remediation: string;
  /** Identifies this sighting (e.g. `build:7:log:12:line:40`): the same sighting recorded twice counts once. */
  sightingId: string;
}

/** What recording a sighting did: the internal event to emit, if any. */
export type RiskTransition = 'opened' | 'reopened' | 'seen-again' | 'already-counted' | 'resolved';

const keptSightings = 50;

/** Risks by organization, recorded idempotently with etag-checked read-modify-write. */
export class RiskStore {
  constructor(
    private readonly risks: Container<Risk>,
    private readonly clock: Clock,
  ) {}

  async record(sighting: RiskSighting): Promise<{ risk: Risk; transition: RiskTransition }> {
    const id = riskId(sighting.organization, sighting.kind, sighting.ruleId, sighting.asset.id, sighting.fingerprint);
    const now = new Date(this.clock.now()).toISOString();
    for (;;) {
      const existing = await this.risks.read(id, sighting.organization);
      if (!existing) {
        const { sightingId, ...fields } = sighting;
        const risk: Risk = { ...fields, id, status: 'open', occurrences: 1, firstSeenAt: now, lastSeenAt: now, recentSightings: [sightingId] };
        try {
          return { risk: await this.risks.create(risk), transition: 'opened' };
        } catch (error) {
          if (isConflict(error)) continue; // another worker opened it first: count ours on top
          throw error;
        }
      }
      if (existing.recentSightings.includes(sighting.sightingId)) return { risk: existing, transition: 'already-counted' };
      const reopened = existing.status === 'resolved';
      const updated: Risk = {
        ...withoutSystemProperties(existing),
        status: 'open',
        severity: sighting.severity,
        verified: existing.verified || sighting.verified,
        evidence: sighting.evidence,
        occurrences: existing.occurrences + 1,
        lastSeenAt: now,
        recentSightings: [...existing.recentSightings, sighting.sightingId].slice(-keptSightings),
      };
      delete updated.resolvedAt;
      delete updated.resolution;
      try {
        return { risk: await this.risks.replace(updated, { ifMatch: existing._etag }), transition: reopened ? 'reopened' : 'seen-again' };
      } catch (error) {
        if (isPreconditionFailed(error)) continue;
        throw error;
      }
    }
  }

  /**
   * Marks an open risk resolved (`because` says why, for the record). Returns the risk when this
   * call resolved it; undefined when it was already resolved or does not exist, so a redelivered
   * audit announces a resolution once.
   */
  async resolve(organization: string, id: string, because: string): Promise<Risk | undefined> {
    for (;;) {
      const existing = await this.risks.read(id, organization);
      if (!existing || existing.status === 'resolved') return undefined;
      const resolved: Risk = { ...withoutSystemProperties(existing), status: 'resolved', resolvedAt: new Date(this.clock.now()).toISOString(), resolution: because };
      try {
        return withoutSystemProperties(await this.risks.replace(resolved, { ifMatch: existing._etag }));
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

  async list(filter: { organization?: string; status?: string; kind?: RiskKind; assetId?: string } = {}): Promise<Risk[]> {
    const where: Record<string, Scalar> = {};
    if (filter.organization) where.organization = filter.organization;
    if (filter.status) where.status = filter.status;
    if (filter.kind) where.kind = filter.kind;
    if (filter.assetId) where['asset.id'] = filter.assetId;
    const all = await queryAll(this.risks, { where, orderBy: { field: 'lastSeenAt', descending: true } });
    return all.map(withoutSystemProperties);
  }
}

function withoutSystemProperties(risk: Stored<Risk>): Risk {
  const { _etag, _ts, ...rest } = risk;
  return rest;
}
