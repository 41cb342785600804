import { type Risk, riskId } from './risk';
import type { RiskSighting, RiskStore, RiskTransition } from './riskStore';

export interface RecordedSighting {
  risk: Risk;
  transition: RiskTransition;
  sightingId: string;
}

/**
 * Records sightings while a scan goes on, several at a time: a scan that finds a thousand secrets
 * must not wait for a thousand store round trips one after the other (the embedded store commits
 * concurrent writes together; Cosmos serves them in parallel). Sightings of the same risk are
 * recorded in order, one after the other, so they never race on its etag.
 */
export class SightingRecorder {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly tailByRisk = new Map<string, Promise<void>>();
  private readonly results: RecordedSighting[] = [];
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly risks: Pick<RiskStore, 'record'>,
    private readonly concurrency = 32,
  ) {}

  /** Starts recording; waits only when `concurrency` writes are already under way. */
  async add(sighting: RiskSighting): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    this.throwIfFailed();
    const id = riskId(sighting.organization, sighting.kind, sighting.ruleId, sighting.asset.id, sighting.fingerprint);
    const previous = this.tailByRisk.get(id) ?? Promise.resolve();
    const write: Promise<void> = previous
      .then(() => this.risks.record(sighting))
      .then((recorded) => void this.results.push({ ...recorded, sightingId: sighting.sightingId }))
      .catch((error: unknown) => void (this.failure ??= { error }))
      .finally(() => {
        this.inFlight.delete(write);
        if (this.tailByRisk.get(id) === write) this.tailByRisk.delete(id);
      });
    this.inFlight.add(write);
    this.tailByRisk.set(id, write);
  }

  /** Hands over what has been recorded so far and forgets it, so a long scan can announce as it goes and hold no history. */
  takeRecorded(): RecordedSighting[] {
    this.throwIfFailed();
    return this.results.splice(0);
  }

  /** Waits for every write; throws the first failure. Returns what was recorded, in completion order. */
  async drain(): Promise<RecordedSighting[]> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    this.throwIfFailed();
    return this.results;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
