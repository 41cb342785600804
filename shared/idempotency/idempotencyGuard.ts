import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import { ThrottledError } from '../errors';
import type { Container, Stored } from '../store';
import { isConflict, isNotFound, isPreconditionFailed, queryAll } from '../store';

/**
 * Per-handler idempotency records, after Powertools for AWS Lambda: a conditional create decides
 * who runs; `completed` records replay their result; an `in-progress` record whose holder died is
 * taken over once it expires. Expiry is computed from the clock, never left to a store TTL.
 */
export interface IdempotencyRecord {
  id: string;
  handler: string;
  eventId: string;
  status: 'in-progress' | 'completed';
  /** The holder's deadline (ms since epoch): past it, another worker may take over. */
  inProgressExpiresAt: number;
  /** After this the record no longer suppresses a re-run. */
  expiresAt: number;
  result?: unknown;
  completedAt?: string;
}

export type IdempotentOutcome<T> = { status: 'ran'; result: T } | { status: 'replayed'; result: T };

export class IdempotencyInProgressError extends ThrottledError {
  constructor(handler: string, eventId: string, retryAfterMs: number) {
    super(`event '${eventId}' is being handled by another '${handler}' worker; retrying after it expires`, retryAfterMs);
  }
}

export interface IdempotencyGuardOptions {
  /** How long a holder may work before its claim lapses (the function timeout). */
  inProgressTtlMs: number;
  /** How long a completed event is remembered. */
  completedTtlMs: number;
}

export function idempotencyKey(handler: string, eventId: string): string {
  return createHash('sha256').update(`${handler}\u0000${eventId}`).digest('base64url');
}

export class IdempotencyGuard {
  constructor(
    private readonly records: Container<IdempotencyRecord>,
    private readonly clock: Clock,
    private readonly options: IdempotencyGuardOptions,
  ) {}

  async run<T>(handler: string, eventId: string, work: () => Promise<T>): Promise<IdempotentOutcome<T>> {
    const claim = await this.claim(handler, eventId);
    if (claim.status === 'replayed') return { status: 'replayed', result: claim.result as T };
    let result: T;
    try {
      result = await work();
    } catch (error) {
      // Let a retry run: drop our claim (unless someone already took it over).
      await this.records.delete(claim.record.id, claim.record.id, { ifMatch: claim.record._etag }).catch((e: unknown) => {
        if (!isNotFound(e) && !isPreconditionFailed(e)) throw e;
      });
      throw error;
    }
    const now = this.clock.now();
    await this.records.replace(
      {
        ...claim.record,
        status: 'completed',
        result: result === undefined ? null : result,
        completedAt: new Date(now).toISOString(),
        expiresAt: now + this.options.completedTtlMs,
      },
      { ifMatch: claim.record._etag },
    );
    return { status: 'ran', result };
  }

  /**
   * Drops every in-progress claim. Only for a host that knows it is the sole worker on its store
   * (the local host, under its host lock): claims left by a killed predecessor would otherwise
   * hold their events back until the handler timeout passes.
   */
  async releaseInProgressClaims(): Promise<number> {
    // Collect first: deleting while paging would shift the pages under an offset-based token.
    const claims = await queryAll(this.records, { where: { status: 'in-progress' } });
    let released = 0;
    for (const record of claims) {
      try {
        await this.records.delete(record.id, record.id, { ifMatch: record._etag });
        released++;
      } catch (error) {
        if (!isNotFound(error) && !isPreconditionFailed(error)) throw error;
      }
    }
    return released;
  }

  private async claim(
    handler: string,
    eventId: string,
  ): Promise<{ status: 'claimed'; record: Stored<IdempotencyRecord> } | { status: 'replayed'; result: unknown }> {
    const id = idempotencyKey(handler, eventId);
    const now = this.clock.now();
    const fresh: IdempotencyRecord = {
      id,
      handler,
      eventId,
      status: 'in-progress',
      inProgressExpiresAt: now + this.options.inProgressTtlMs,
      expiresAt: now + this.options.inProgressTtlMs,
    };
    try {
      return { status: 'claimed', record: await this.records.create(fresh) };
    } catch (error) {
      if (!isConflict(error)) throw error;
    }
    const existing = await this.records.read(id, id);
    if (!existing) return this.claim(handler, eventId);
    if (existing.status === 'completed' && existing.expiresAt > now) {
      return { status: 'replayed', result: existing.result };
    }
    if (existing.status === 'in-progress' && existing.inProgressExpiresAt > now) {
      throw new IdempotencyInProgressError(handler, eventId, existing.inProgressExpiresAt - now);
    }
    // Expired: take it over, but only if nobody else did in the meantime.
    try {
      return { status: 'claimed', record: await this.records.replace(fresh, { ifMatch: existing._etag }) };
    } catch (error) {
      if (isPreconditionFailed(error) || isNotFound(error)) {
        throw new IdempotencyInProgressError(handler, eventId, this.options.inProgressTtlMs);
      }
      throw error;
    }
  }
}
