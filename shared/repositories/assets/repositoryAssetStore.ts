import type { Clock } from '../../clock';
import type { Container, Scalar, Stored } from '../../store';
import { isConflict, isNotFound, isPreconditionFailed, queryAll } from '../../store';
import { type RepositoryAsset, type RepositoryRiskScore, type RepositoryState, repositoryAssetId } from './asset';

/** What Azure DevOps says about a repository right now: the fields the inventory owns. */
export type ObservedRepository = Pick<
  RepositoryAsset,
  'organization' | 'repositoryId' | 'name' | 'project' | 'projectId' | 'projectVisibility' | 'size' | 'state'
> &
  Partial<Pick<RepositoryAsset, 'defaultBranch' | 'webUrl' | 'skipReason' | 'forks' | 'lastPushAt'>>;

export type AssetChange = 'created' | 'updated' | 'unchanged';

export interface AssetWrite {
  change: AssetChange;
  asset: RepositoryAsset;
  /** The asset as it was before this write; absent when it is new. */
  previous?: RepositoryAsset;
}

export interface RepositoryAssetFilter {
  organization?: string;
  state?: RepositoryState;
  project?: string;
}

/**
 * Compared field by field before anything is written: an inventory that sees nothing new writes
 * nothing (etags and `_ts` stay as they were). `forks` and `lastPushAt` only count when observed.
 */
const observedFields = [
  'name',
  'project',
  'projectId',
  'projectVisibility',
  'defaultBranch',
  'webUrl',
  'size',
  'state',
  'skipReason',
] as const;
const optionalObservedFields = ['forks', 'lastPushAt'] as const;

/**
 * The repositories of the `assets` container (partition `/organization`). Every read-modify-write
 * is etag-checked and retried on a lost race, re-applying its change to what is stored then.
 */
export class RepositoryAssetStore {
  constructor(
    private readonly assets: Container<RepositoryAsset>,
    private readonly clock: Clock,
  ) {}

  async get(organization: string, id: string): Promise<Stored<RepositoryAsset> | undefined> {
    const stored = await this.assets.read(id, organization);
    return stored?.type === 'repository' ? stored : undefined;
  }

  /** Repository assets, in no particular order (callers sort). */
  async list(filter: RepositoryAssetFilter = {}): Promise<Array<Stored<RepositoryAsset>>> {
    const where: Record<string, Scalar> = { type: 'repository' };
    if (filter.organization) where.organization = filter.organization;
    if (filter.state) where.state = filter.state;
    if (filter.project) where.project = filter.project;
    return queryAll(this.assets, { where });
  }

  /**
   * Writes what was observed unless the stored asset already says the same. `known` is the stored
   * document when the caller already read it (the inventory lists them all once), saving a read.
   */
  async upsertIfChanged(observed: ObservedRepository, known?: Stored<RepositoryAsset>): Promise<AssetWrite> {
    const id = repositoryAssetId(observed.repositoryId);
    let current: Stored<RepositoryAsset> | undefined = known ?? (await this.get(observed.organization, id));
    for (;;) {
      const now = new Date(this.clock.now()).toISOString();
      if (!current) {
        const asset: RepositoryAsset = withoutUndefined({ ...observed, id, type: 'repository', firstSeenAt: now, lastInventoriedAt: now });
        try {
          return { change: 'created', asset: plain(await this.assets.create(asset)) };
        } catch (error) {
          if (!isConflict(error)) throw error;
          current = await this.get(observed.organization, id); // created meanwhile (an event beside the inventory)
          continue;
        }
      }
      const previous = plain(current);
      if (!differs(previous, observed)) return { change: 'unchanged', asset: previous };
      const next: RepositoryAsset = withoutUndefined({
        ...previous,
        ...observed,
        // Optional fields the listing did not report keep what an earlier observation stored.
        forks: observed.forks ?? previous.forks,
        lastPushAt: observed.lastPushAt ?? previous.lastPushAt,
        defaultBranch: observed.defaultBranch,
        webUrl: observed.webUrl,
        skipReason: observed.skipReason,
        deletedAt: observed.state === 'deleted' ? previous.deletedAt : undefined,
        lastInventoriedAt: now,
      });
      try {
        return { change: 'updated', asset: plain(await this.assets.replace(next, { ifMatch: current._etag })), previous };
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        current = await this.get(observed.organization, id);
      }
    }
  }

  /** A repository Azure DevOps no longer has: kept, with its risks, as `deleted`. */
  /**
   * Remember on the repository's asset which commit of which branch was last scanned in full, so the
   * inventory can tell when the default branch changed and ask for a new scan. An asset the inventory
   * has not written yet is left alone: the scan creates no asset. Etag-checked, so an inventory
   * writing the same document at the same time loses nothing.
   */
  async recordLastFullScan(
    organization: string,
    repositoryId: string,
    lastFullScan: NonNullable<RepositoryAsset['lastFullScan']>,
  ): Promise<boolean> {
    const id = repositoryAssetId(repositoryId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.get(organization, id);
      if (!existing) return false;
      try {
        await this.assets.patch(id, organization, [{ op: 'set', path: '/lastFullScan', value: lastFullScan }], { ifMatch: existing._etag });
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        if (!isPreconditionFailed(error)) throw error;
      }
    }
    return false;
  }

  async markDeleted(organization: string, id: string, known?: Stored<RepositoryAsset>): Promise<AssetWrite | undefined> {
    return this.modify(organization, id, known, (asset) => {
      if (asset.state === 'deleted') return undefined;
      const now = new Date(this.clock.now()).toISOString();
      return { ...asset, state: 'deleted', deletedAt: now, lastInventoriedAt: now, skipReason: 'deleted in Azure DevOps' };
    });
  }

  /**
   * Stores a score; an identical one (same number, same reasons) is not written again. Given a
   * function, the score is computed from the asset as stored at the write, so a concurrent change
   * of its exposure is never overwritten with a score computed before it.
   */
  async setRiskScore(
    organization: string,
    id: string,
    scoreOf: RepositoryRiskScore | ((asset: RepositoryAsset) => RepositoryRiskScore),
  ): Promise<AssetWrite | undefined> {
    return this.modify(organization, id, undefined, (asset) => {
      const score = typeof scoreOf === 'function' ? scoreOf(asset) : scoreOf;
      const stored = asset.riskScore;
      if (stored && stored.score === score.score && stored.openRisks === score.openRisks && sameJson(stored.factors, score.factors))
        return undefined;
      return { ...asset, riskScore: score };
    });
  }

  /** Read-modify-write with the etag; `change` returns undefined when there is nothing to write. */
  private async modify(
    organization: string,
    id: string,
    known: Stored<RepositoryAsset> | undefined,
    change: (asset: RepositoryAsset) => RepositoryAsset | undefined,
  ): Promise<AssetWrite | undefined> {
    let current = known ?? (await this.get(organization, id));
    for (;;) {
      if (!current) return undefined;
      const previous = plain(current);
      const next = change(previous);
      if (!next) return { change: 'unchanged', asset: previous };
      try {
        return { change: 'updated', asset: plain(await this.assets.replace(withoutUndefined(next), { ifMatch: current._etag })), previous };
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        current = await this.get(organization, id);
      }
    }
  }
}

function differs(stored: RepositoryAsset, observed: ObservedRepository): boolean {
  if (observedFields.some((field) => stored[field] !== observed[field])) return true;
  return optionalObservedFields.some((field) => observed[field] !== undefined && stored[field] !== observed[field]);
}

function plain(stored: Stored<RepositoryAsset>): RepositoryAsset {
  const { _etag, _ts, ...asset } = stored;
  return asset;
}

/** JSON has no `undefined`: dropping the keys keeps the stored document and the comparison honest. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
