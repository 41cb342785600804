import type { Clock } from '../clock';
import type { Container, PatchOperation, Stored } from '../store';
import { isConflict, isNotFound, queryAll } from '../store';
import { type Risk, type RiskKind, type RiskSeverity, type RiskStatus, statusChangedAt } from './risk';
import { keptHistory } from './riskStore';

/**
 * The overview's running totals of risks (docs/overview.md, "Aggregates"), one container, one document type:
 * per organization, `current` holds how many risks are in each (status, severity, kind), and one
 * `week` document per ISO week (Monday, UTC) holds how many became open, how many were resolved and
 * the seconds they took. They are changed where a risk changes, never computed by reading every risk
 * per request; `reconcileRiskTotals` (reconcileRiskTotals.ts) puts them back to what the risks say after a
 * crash (or a failed tally write) between the two writes.
 */
export interface RiskTally {
  /** `current`, or `week:2026-11-30`. */
  id: string;
  organization: string;
  scope: 'current' | 'week';
  /** The week's Monday (UTC), for `week` documents. */
  week?: string;
  /** `current`: `open.high.leaked-secret` → n. `week`: `opened`, `resolved`, `resolveSeconds`. */
  counts: Record<string, number>;
  /** When a reconcile last recomputed the document from the risks. */
  rebuiltAt?: string;
}

export function tallyKey(status: RiskStatus, severity: RiskSeverity, kind: RiskKind): string {
  return `${status}.${severity}.${kind}`;
}

export function parseTallyKey(key: string): { status: RiskStatus; severity: RiskSeverity; kind: RiskKind } | undefined {
  const [status, severity, kind] = key.split('.');
  return status && severity && kind
    ? { status: status as RiskStatus, severity: severity as RiskSeverity, kind: kind as RiskKind }
    : undefined;
}

/** The Monday (UTC) of the week `iso` falls in, as YYYY-MM-DD. */
export function weekOf(iso: string): string {
  const date = new Date(iso);
  const day = (date.getUTCDay() + 6) % 7; // Monday is 0
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() - day)).toISOString().slice(0, 10);
}

type Counted = Pick<Risk, 'status' | 'severity' | 'kind' | 'firstSeenAt'> &
  Partial<Pick<Risk, 'statusChangedAt' | 'triage' | 'resolvedAt'>>;

/** What one write of a risk changes in the tallies: nothing when neither its status, severity nor kind moved. */
export function tallyChanges(before: Counted | undefined, after: Counted): Map<string, PatchOperation[]> {
  const changes = new Map<string, PatchOperation[]>();
  const add = (id: string, path: string, value: number) => {
    const operations = changes.get(id) ?? [];
    operations.push({ op: 'incr', path: `/counts/${path}`, value });
    changes.set(id, operations);
  };
  const beforeKey = before && tallyKey(before.status, before.severity, before.kind);
  const afterKey = tallyKey(after.status, after.severity, after.kind);
  if (beforeKey === afterKey) return changes;
  if (beforeKey) add('current', beforeKey, -1);
  add('current', afterKey, 1);
  if (before?.status === after.status) return changes;
  const at = statusChangedAt(after);
  if (after.status === 'open') add(`week:${weekOf(at)}`, 'opened', 1);
  if (after.status === 'resolved') {
    add(`week:${weekOf(at)}`, 'resolved', 1);
    const openedAt = before ? statusChangedAt(before) : after.firstSeenAt;
    add(`week:${weekOf(at)}`, 'resolveSeconds', Math.max(0, Math.round((Date.parse(at) - Date.parse(openedAt)) / 1000)));
  }
  return changes;
}

/** The `riskTallies` container: increments applied with patch (atomic in Cosmos DB and in the embedded store). */
export class RiskTallyStore {
  constructor(
    readonly tallies: Container<RiskTally>,
    private readonly clock: Clock,
  ) {}

  /**
   * Moves the totals by one write of a risk (`RiskStore` calls it after each). The risk is written by then:
   * a failure here must not fail (and so repeat) the handler, so it is dropped, and the totals stay off
   * until the hourly `riskTotalsTimer` (or `vigil risks rebuild-totals`) reconciles them with the
   * risks (reconcileRiskTotals.ts, docs/operations.md).
   */
  async moved(before: Risk | undefined, after: Risk): Promise<void> {
    const changes = tallyChanges(before, after);
    if (changes.size > 0) await this.apply(after.organization, changes).catch(() => undefined);
  }

  async apply(organization: string, changes: Map<string, PatchOperation[]>): Promise<void> {
    for (const [id, operations] of changes) {
      for (;;) {
        try {
          await this.tallies.patch(id, organization, operations);
          break;
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
        const week = id.startsWith('week:') ? id.slice(5) : undefined;
        const counts: Record<string, number> = {};
        for (const operation of operations) if (operation.op === 'incr') counts[operation.path.slice('/counts/'.length)] = operation.value;
        try {
          await this.tallies.create({ id, organization, scope: week ? 'week' : 'current', ...(week ? { week } : {}), counts });
          break;
        } catch (error) {
          if (!isConflict(error)) throw error; // created by another writer meanwhile: patch it
        }
      }
    }
  }

  /** Every organization's `current` document. */
  async current(organization?: string): Promise<RiskTally[]> {
    return queryAll(this.tallies, { where: { scope: 'current', ...(organization ? { organization } : {}) } });
  }

  /** Week documents from `sinceWeek` (a Monday) on. */
  async weeks(sinceWeek: string, organization?: string): Promise<RiskTally[]> {
    const all = await queryAll(this.tallies, { where: { scope: 'week', ...(organization ? { organization } : {}) } });
    return all.filter((tally) => (tally.week ?? '') >= sinceWeek);
  }

  /**
   * Sets one tally document to `counts`, on the condition that it is still the one read (`have`, with its
   * etag; absent: that no one has created it since). A week no risk counts in any more is deleted.
   * PreconditionFailedError, ConflictError or NotFoundError when a risk write moved it meanwhile.
   */
  async rewrite(organization: string, id: string, counts: Record<string, number>, have: Stored<RiskTally> | undefined): Promise<void> {
    const week = id.startsWith('week:') ? id.slice(5) : undefined;
    const rebuiltAt = new Date(this.clock.now()).toISOString();
    const document: RiskTally = { id, organization, scope: week ? 'week' : 'current', ...(week ? { week } : {}), counts, rebuiltAt };
    if (!have) await this.tallies.create(document);
    else if (week && Object.keys(counts).length === 0) await this.tallies.delete(id, organization, { ifMatch: have._etag });
    else await this.tallies.replace(document, { ifMatch: have._etag });
  }

  /** Every tally document of an organization, as stored (with its etag, for a conditional write). */
  async stored(organization: string): Promise<Stored<RiskTally>[]> {
    return queryAll(this.tallies, { where: { organization } });
  }
}

/**
 * What an organization's tally documents should hold, by id, from its risks alone: `current` from each
 * risk's status now, the weeks from replaying each risk's status changes, oldest first, through the same
 * rule the live updates use (`tallyChanges`). Risks are added one at a time, so a reader can fold page
 * after page without holding them all.
 */
export class TallyCount {
  private readonly documents = new Map<string, Record<string, number>>([['current', {}]]);
  /** Weeks (first and last Monday) a risk with a shortened history changed status in, in ways it no longer holds. */
  private readonly unknownWeeks: Array<[string, string]> = [];
  risks = 0;

  add(risk: Risk): void {
    this.risks += 1;
    const { severity, kind, firstSeenAt } = risk;
    // A risk keeps its last `keptHistory` changes: with a full history, older ones may be gone, so
    // the weeks from its first sighting to its oldest kept change cannot be recounted from it.
    const oldestKept = risk.history && risk.history.length >= keptHistory ? risk.history[0] : undefined;
    if (oldestKept) this.unknownWeeks.push([weekOf(firstSeenAt), weekOf(oldestKept.at)]);
    let previous: Counted | undefined;
    let step: Counted = { status: 'open', severity, kind, firstSeenAt, statusChangedAt: firstSeenAt };
    for (const change of [...(risk.history ?? []), ...(risk.triage ? [risk.triage] : []), undefined]) {
      for (const [id, operations] of tallyChanges(previous, step)) {
        // Only the final state counts in `current`; the weeks count every step.
        if (id === 'current') continue;
        for (const operation of operations)
          if (operation.op === 'incr') this.count(id, operation.path.slice('/counts/'.length), operation.value);
      }
      if (!change) break;
      previous = step;
      step = { status: change.status, severity, kind, firstSeenAt, statusChangedAt: change.at };
    }
    this.count('current', tallyKey(risk.status, severity, kind), 1);
  }

  /**
   * False for a week document the risks cannot recount (a risk changed status in it more often than
   * it still remembers): the live updates counted it and are left to stand.
   */
  recountable(id: string): boolean {
    if (!id.startsWith('week:')) return true;
    const week = id.slice(5);
    return !this.unknownWeeks.some(([first, last]) => week >= first && week <= last);
  }

  /** The documents' counts, without zeros. */
  result(): Map<string, Record<string, number>> {
    const documents = new Map<string, Record<string, number>>();
    for (const [id, counts] of this.documents) documents.set(id, Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0)));
    return documents;
  }

  private count(id: string, key: string, value: number): void {
    let counts = this.documents.get(id);
    if (!counts) this.documents.set(id, (counts = {}));
    counts[key] = (counts[key] ?? 0) + value;
  }
}

/** `TallyCount` over a list of risks. */
export function expectedTallies(all: Iterable<Risk>): Map<string, Record<string, number>> {
  const count = new TallyCount();
  for (const risk of all) count.add(risk);
  return count.result();
}
