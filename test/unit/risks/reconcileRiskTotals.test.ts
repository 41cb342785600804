import { describe, expect, it } from 'vitest';
import { TransientError } from '../../../shared/errors';
import { reconcileRiskTotals } from '../../../shared/risks/reconcileRiskTotals';
import type { Risk } from '../../../shared/risks/risk';
import { RiskStore } from '../../../shared/risks/riskStore';
import { expectedTallies, type RiskTally, RiskTallyStore } from '../../../shared/risks/riskTallies';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import type { Container } from '../../../shared/store/port';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting as sighting } from '../../support/riskSightings';

const dayMs = 86_400_000;

/**
 * The totals' self-repair (shared/risks/reconcileRiskTotals.ts): what the hourly timer and
 * `vigil risks rebuild-totals` both run. Failures are injected where they happen in production: the
 * tally container's write, between the risk's write and the totals' move.
 */
function setup() {
  const clock = new ManualClock(); // Friday 2026-11-20
  const store = createEmbeddedStore(openInMemoryDatabase(), clock);
  const container = store.container<Risk>('risks');
  const talliesContainer = store.container<RiskTally>('riskTallies');
  const writes = { count: 0, failNext: 0 };
  // The tally container as RiskStore sees it: counts writes, and fails the next `failNext` of them.
  const watched: Container<RiskTally> = Object.assign(Object.create(talliesContainer) as Container<RiskTally>, {
    name: talliesContainer.name,
    partitionKeyField: talliesContainer.partitionKeyField,
    ...Object.fromEntries(
      (['create', 'replace', 'upsert', 'patch', 'delete'] as const).map((method) => [
        method,
        async (...args: unknown[]) => {
          if (writes.failNext > 0) {
            writes.failNext -= 1;
            throw new TransientError('the store is unreachable (injected)');
          }
          writes.count += 1;
          return (talliesContainer[method] as (...a: unknown[]) => Promise<unknown>).apply(talliesContainer, args);
        },
      ]),
    ),
  });
  const tallies = new RiskTallyStore(watched, clock);
  const risks = new RiskStore(container, clock, tallies);
  const current = async () => (await tallies.current('contoso'))[0]?.counts ?? {};
  /** The totals a full count of the risks gives, without zeros. */
  const fullCount = async () => {
    const counted: Record<string, number> = {};
    for (const risk of await risks.list({ organization: 'contoso' })) {
      const key = `${risk.status}.${risk.severity}.${risk.kind}`;
      counted[key] = (counted[key] ?? 0) + 1;
    }
    return counted;
  };
  const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));
  const deps = { risks, tallies };
  return { clock, risks, tallies, writes, current, fullCount, nonZero, deps };
}

describe("the risk totals' reconciliation", () => {
  it('puts the totals back to a full count of the risks after a risk was written while its tally move failed', async () => {
    const { risks, writes, current, fullCount, nonZero, deps, clock } = setup();
    const { risk } = await risks.record(sighting('build:7:log:1:line:40'));
    await risks.record(sighting('build:7:log:1:line:41', 'fp-2'));
    writes.failNext = 1; // the new risk is written, its totals are not
    await risks.record({ ...sighting('build:8:log:1:line:3', 'fp-3'), severity: 'critical' });
    clock.advance(3 * dayMs);
    writes.failNext = 1; // the resolution is written, the totals still count the risk open
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });

    expect(nonZero(await current())).toEqual({ 'open.high.leaked-secret': 2 });
    expect(await fullCount()).toEqual({ 'open.high.leaked-secret': 1, 'open.critical.leaked-secret': 1, 'resolved.high.leaked-secret': 1 });

    const result = await reconcileRiskTotals(deps, 'contoso');

    expect(result).toEqual({ organization: 'contoso', risks: 3, corrected: 3, counts: 6, outcome: 'corrected', attempts: 1 });
    expect(nonZero(await current())).toEqual(await fullCount());
    // The week the resolution fell in now counts it, as the live update would have.
    const week = (await deps.tallies.weeks('2026-11-23', 'contoso')).find((t) => t.week === '2026-11-23');
    expect(week?.counts).toEqual({ resolved: 1, resolveSeconds: 3 * 86_400 });
  });

  it('writes nothing when nothing drifted, and nothing on a second run', async () => {
    const { risks, writes, deps, tallies } = setup();
    const { risk } = await risks.record(sighting('build:7:log:1:line:40'));
    await risks.triage('contoso', risk.id, { status: 'accepted', reason: 'test fixture', by: 'Dana', source: 'cli' });
    await tallies.tallies.patch('current', 'contoso', [{ op: 'incr', path: '/counts/accepted.high.leaked-secret', value: 4 }]);
    expect((await reconcileRiskTotals(deps, 'contoso')).outcome).toBe('corrected');

    const before = (await tallies.stored('contoso')).map((t) => [t.id, t._etag]);
    writes.count = 0;
    expect(await reconcileRiskTotals(deps, 'contoso')).toEqual({
      organization: 'contoso',
      risks: 1,
      corrected: 0,
      counts: 0,
      outcome: 'unchanged',
      attempts: 1,
    });
    expect(writes.count).toBe(0);
    expect((await tallies.stored('contoso')).map((t) => [t.id, t._etag])).toEqual(before);
  });

  it('keeps totals whose counts went to zero as they are, and removes a week no risk counts in', async () => {
    const { risks, deps, tallies, current } = setup();
    const { risk } = await risks.record(sighting('build:7:log:1:line:40'));
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });
    expect(await current()).toEqual({ 'open.high.leaked-secret': 0, 'resolved.high.leaked-secret': 1 });
    await tallies.tallies.create({
      id: 'week:2020-01-06',
      organization: 'contoso',
      scope: 'week',
      week: '2020-01-06',
      counts: { opened: 9 },
    });

    const result = await reconcileRiskTotals(deps, 'contoso');

    expect(result).toMatchObject({ corrected: 1, counts: 1, outcome: 'corrected' });
    expect(await current()).toEqual({ 'open.high.leaked-secret': 0, 'resolved.high.leaked-secret': 1 });
    expect((await tallies.stored('contoso')).map((t) => t.id).sort()).toEqual(['current', 'week:2026-11-16']);
  });

  it('counts again, without overwriting it, when a risk is written while the risks are being counted', async () => {
    const { risks, current, fullCount, nonZero, deps, tallies } = setup();
    await risks.record(sighting('build:7:log:1:line:40'));
    await tallies.tallies.patch('current', 'contoso', [{ op: 'incr', path: '/counts/open.high.leaked-secret', value: 2 }]);
    let interleaved = 0;
    // A scan records a new risk (and moves the totals) after the reconcile read the totals and the risks.
    const racing = {
      page: async (spec: Parameters<RiskStore['page']>[0]) => {
        const page = await risks.page(spec);
        if (interleaved++ === 0) await risks.record(sighting(`build:9:log:1:line:${interleaved}`, `fp-race-${interleaved}`));
        return page;
      },
    };

    const result = await reconcileRiskTotals({ ...deps, risks: racing }, 'contoso');

    expect(result).toMatchObject({ risks: 2, outcome: 'corrected', attempts: 2 });
    expect(nonZero(await current())).toEqual(await fullCount());
    expect(await fullCount()).toEqual({ 'open.high.leaked-secret': 2 });
  });

  it('leaves an organization to the next run when risk writes keep winning the race', async () => {
    const { risks, current, fullCount, nonZero, deps, tallies } = setup();
    await risks.record(sighting('build:7:log:1:line:40'));
    await tallies.tallies.patch('current', 'contoso', [{ op: 'incr', path: '/counts/open.high.leaked-secret', value: 2 }]);
    let written = 0;
    const alwaysRacing = {
      page: async (spec: Parameters<RiskStore['page']>[0]) => {
        const page = await risks.page(spec);
        written += 1;
        await risks.record(sighting(`build:9:log:1:line:${written}`, `fp-race-${written}`));
        return page;
      },
    };

    expect(await reconcileRiskTotals({ ...deps, risks: alwaysRacing }, 'contoso')).toMatchObject({ outcome: 'deferred', attempts: 3 });
    expect(nonZero(await current())).not.toEqual(await fullCount()); // still off: the live moves were kept

    expect(await reconcileRiskTotals(deps, 'contoso')).toMatchObject({ outcome: 'corrected', attempts: 1 });
    expect(nonZero(await current())).toEqual(await fullCount());
  });

  it('leaves the weeks a risk no longer remembers as the live updates counted them', async () => {
    const { risks, deps, clock, tallies, current, fullCount, nonZero } = setup();
    const { risk } = await risks.record(sighting('build:7:log:1:line:40'));
    // 24 status changes over 12 weeks: the risk keeps its last 20 (and its current one).
    for (let week = 0; week < 12; week++) {
      clock.advance(3 * dayMs);
      await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });
      clock.advance(4 * dayMs);
      await risks.triage('contoso', risk.id, { status: 'open', reason: 'seen again', by: 'Dana', source: 'cli' });
    }
    expect((await risks.get('contoso', risk.id))?.history).toHaveLength(20);
    const weeks = (await tallies.stored('contoso')).map((t) => [t.id, t._etag]);
    await tallies.tallies.patch('current', 'contoso', [{ op: 'incr', path: '/counts/open.high.leaked-secret', value: 2 }]);

    const result = await reconcileRiskTotals(deps, 'contoso');

    // `current` is recounted; the first weeks, which the risk's history no longer covers, are not rewritten.
    expect(result).toMatchObject({ corrected: 1, counts: 1, outcome: 'corrected' });
    expect(nonZero(await current())).toEqual(await fullCount());
    const after = new Map((await tallies.stored('contoso')).map((t) => [t.id, t._etag]));
    for (const [id, etag] of weeks) if (id !== 'current') expect(after.get(id), id).toBe(etag);
  });

  it('agrees with the live updates on what the weeks hold', async () => {
    const { risks, deps, clock } = setup();
    const { risk } = await risks.record(sighting('build:7:log:1:line:40'));
    clock.advance(dayMs);
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });
    clock.advance(7 * dayMs);
    await risks.record(sighting('build:8:log:1:line:40')); // reopens
    const expected = expectedTallies(await risks.list({ organization: 'contoso' }));
    const live = new Map((await deps.tallies.stored('contoso')).map((t) => [t.id, t.counts]));
    for (const [id, counts] of expected) expect(live.get(id), id).toMatchObject(counts);
    expect((await reconcileRiskTotals(deps, 'contoso')).outcome).toBe('unchanged');
  });
});
