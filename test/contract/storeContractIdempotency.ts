import { describe, expect, it } from 'vitest';
import {
  IdempotencyGuard,
  IdempotencyInProgressError,
  type IdempotencyRecord,
  type IdempotentOutcome,
  idempotencyKey,
} from '../../shared/idempotency/idempotencyGuard';
import { isPreconditionFailed } from '../../shared/store/errors';
import type { Store } from '../../shared/store/port';
import { type ContractSubject, createGate, ManualClock, rejectionOf } from './storeContractSubject';

const inProgressTtlMs = 60_000;
const completedTtlMs = 3_600_000;

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

/**
 * Idempotency records on the store port (shared/idempotency): a conditional create decides who
 * runs, an etag-checked replace decides who takes over an expired claim. Expiry comes from an
 * injected clock, never from a store TTL. Holders wait on gates, so every race has one outcome.
 */
export function describeIdempotencyContract(subject: ContractSubject): void {
  describe('idempotency records', () => {
    const guardOn = (store: Store, clock: ManualClock) =>
      new IdempotencyGuard(store.container<IdempotencyRecord>('idempotency'), clock, { inProgressTtlMs, completedTtlMs });

    it('runs the work once and replays the completed result', async () => {
      const clock = new ManualClock(Date.UTC(2025, 0, 1));
      const guard = guardOn(subject.store, clock);
      const event = subject.unique('event');
      let runs = 0;
      const work = async () => ({ risks: (runs += 1) });

      expect(await guard.run('build-scan', event, work)).toEqual({ status: 'ran', result: { risks: 1 } });
      clock.advance(completedTtlMs - 1);
      expect(await guardOn(subject.peer, clock).run('build-scan', event, work)).toEqual({ status: 'replayed', result: { risks: 1 } });
      expect(runs).toBe(1);

      const record = await subject.store
        .container<IdempotencyRecord>('idempotency')
        .read(idempotencyKey('build-scan', event), idempotencyKey('build-scan', event));
      expect(record).toMatchObject({ handler: 'build-scan', eventId: event, status: 'completed', result: { risks: 1 } });
    });

    it('lets exactly one of two concurrent workers run; the other is told the event is in progress', async () => {
      const clock = new ManualClock(Date.UTC(2025, 0, 1));
      const event = subject.unique('event');
      const release = createGate();
      let runs = 0;
      const work = async () => {
        runs += 1;
        await release.opened;
        return 'scanned';
      };
      const workers = [guardOn(subject.store, clock), guardOn(subject.peer, clock)].map((guard) =>
        settle(guard.run('build-scan', event, work)),
      );

      // The winner is parked on the gate, so whoever settles first lost the claim.
      const loser = await Promise.race(workers);
      expect(loser.ok).toBe(false);
      expect((loser as { error: unknown }).error).toBeInstanceOf(IdempotencyInProgressError);
      expect((loser as { error: IdempotencyInProgressError }).error.retryAfterMs).toBe(inProgressTtlMs);

      release.open();
      const outcomes = await Promise.all(workers);
      expect(outcomes.filter((outcome) => outcome.ok)).toEqual([{ ok: true, value: { status: 'ran', result: 'scanned' } }]);
      expect(runs).toBe(1);
      expect(await guardOn(subject.peer, clock).run('build-scan', event, work)).toEqual({ status: 'replayed', result: 'scanned' });
    });

    it('lets exactly one of two racers take over an expired claim; the old holder cannot complete over it', async () => {
      const clock = new ManualClock(Date.UTC(2025, 0, 1));
      const event = subject.unique('event');
      const holderStarted = createGate();
      const holderRelease = createGate();
      const holder = settle(
        guardOn(subject.store, clock).run('repo-scan', event, async () => {
          holderStarted.open();
          await holderRelease.opened;
          return 'from the dead holder';
        }),
      );
      await holderStarted.opened;
      clock.advance(inProgressTtlMs + 1);

      const racersRelease = createGate();
      let runs = 0;
      const work = async () => {
        runs += 1;
        await racersRelease.opened;
        return 'from the new holder';
      };
      const racers = [guardOn(subject.peer, clock), guardOn(subject.store, clock)].map((guard) =>
        settle(guard.run('repo-scan', event, work)),
      );
      const loser = await Promise.race(racers);
      expect(loser.ok).toBe(false);
      expect((loser as { error: unknown }).error).toBeInstanceOf(IdempotencyInProgressError);

      racersRelease.open();
      const outcomes = await Promise.all(racers);
      expect(outcomes.filter((outcome) => outcome.ok)).toEqual([{ ok: true, value: { status: 'ran', result: 'from the new holder' } }]);
      expect(runs).toBe(1);

      holderRelease.open();
      const old = await holder;
      expect(old.ok).toBe(false);
      expect(isPreconditionFailed((old as { error: unknown }).error)).toBe(true);
      const replay: IdempotentOutcome<string> = await guardOn(subject.store, clock).run('repo-scan', event, work);
      expect(replay).toEqual({ status: 'replayed', result: 'from the new holder' });
    });

    it('drops the claim when the work fails, so a retry runs', async () => {
      const clock = new ManualClock(Date.UTC(2025, 0, 1));
      const guard = guardOn(subject.store, clock);
      const event = subject.unique('event');
      const failure = new Error('Azure DevOps answered 503');
      expect(await rejectionOf(guard.run('workitem-sync', event, async () => Promise.reject(failure)))).toBe(failure);
      expect(await guardOn(subject.peer, clock).run('workitem-sync', event, async () => 'synced')).toEqual({
        status: 'ran',
        result: 'synced',
      });
    });

    it('runs again once a completed record has expired', async () => {
      const clock = new ManualClock(Date.UTC(2025, 0, 1));
      const guard = guardOn(subject.store, clock);
      const event = subject.unique('event');
      let runs = 0;
      const work = async () => (runs += 1);
      await guard.run('alerts', event, work);
      clock.advance(completedTtlMs + 1);
      expect(await guard.run('alerts', event, work)).toEqual({ status: 'ran', result: 2 });
    });

    it('keeps records per handler: the same event runs once for each', async () => {
      const clock = new ManualClock(Date.UTC(2025, 0, 1));
      const guard = guardOn(subject.store, clock);
      const event = subject.unique('event');
      expect(await guard.run('build-scan', event, async () => 'scan')).toEqual({ status: 'ran', result: 'scan' });
      expect(await guard.run('pr-publish', event, async () => 'publish')).toEqual({ status: 'ran', result: 'publish' });
    });
  });
}
