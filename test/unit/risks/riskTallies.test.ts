import { describe, expect, it } from 'vitest';
import { reconcileRiskTotals } from '../../../shared/risks/reconcileRiskTotals';
import type { Risk } from '../../../shared/risks/risk';
import { RiskStore } from '../../../shared/risks/riskStore';
import { type RiskTally, RiskTallyStore, weekOf } from '../../../shared/risks/riskTallies';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting as sighting } from '../../support/riskSightings';

const dayMs = 86_400_000;

function setup() {
  const clock = new ManualClock(); // Friday 2026-11-20
  const store = createEmbeddedStore(openInMemoryDatabase(), clock);
  const container = store.container<Risk>('risks');
  const tallies = new RiskTallyStore(store.container<RiskTally>('riskTallies'), clock);
  const risks = new RiskStore(container, clock, tallies);
  const counts = async () => (await tallies.current('contoso'))[0]?.counts ?? {};
  const week = async (monday: string) => (await tallies.weeks(monday, 'contoso')).find((t) => t.week === monday)?.counts ?? {};
  return { clock, risks, tallies, counts, week, container };
}

describe("the overview's risk totals", () => {
  it('count a new risk as open in its severity and kind, and as opened in its week', async () => {
    const { risks, counts, week } = setup();
    await risks.record(sighting('build:7:log:1:line:40'));
    expect(await counts()).toEqual({ 'open.high.leaked-secret': 1 });
    expect(await week('2026-11-16')).toEqual({ opened: 1 });
  });

  it('do not move when the same sighting is recorded again, or the risk is seen again', async () => {
    const { risks, counts } = setup();
    await risks.record(sighting('build:7:log:1:line:40'));
    await risks.record(sighting('build:7:log:1:line:40'));
    await risks.record(sighting('build:8:log:1:line:40'));
    expect(await counts()).toEqual({ 'open.high.leaked-secret': 1 });
  });

  it('move a resolved risk out of open, count the resolution and the seconds it took in its week', async () => {
    const { risks, counts, week, clock } = setup();
    const { risk } = await risks.record(sighting('build:7:log:1:line:40'));
    clock.advance(3 * dayMs); // Monday 2026-11-23
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' }); // already resolved
    expect(await counts()).toEqual({ 'open.high.leaked-secret': 0, 'resolved.high.leaked-secret': 1 });
    expect(await week('2026-11-23')).toEqual({ resolved: 1, resolveSeconds: 3 * 86_400 });
  });

  it('are rebuilt from the risks to what the live updates would have made, after a crash between the two writes', async () => {
    const { risks, counts, tallies, clock } = setup();
    const { risk } = await risks.record(sighting('build:7:log:1:line:40'));
    await risks.record(sighting('build:7:log:1:line:41', 'fp-2'));
    clock.advance(3 * dayMs);
    await risks.triage('contoso', risk.id, { status: 'accepted', reason: 'test fixture', by: 'Dana', source: 'cli' });
    clock.advance(dayMs);
    await risks.triage('contoso', risk.id, { status: 'open', reason: 'not a fixture', by: 'Dana', source: 'cli' });
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });
    const live = await tallies.weeks('2026-11-01', 'contoso');
    const liveCounts = await counts();

    // A lost increment (the process died after the risk was written) and a stale week.
    await tallies.tallies.patch('current', 'contoso', [{ op: 'incr', path: '/counts/open.high.leaked-secret', value: 5 }]);
    await tallies.tallies.upsert({
      id: 'week:2020-01-06',
      organization: 'contoso',
      scope: 'week',
      week: '2020-01-06',
      counts: { opened: 9 },
    });
    const result = await reconcileRiskTotals({ risks, tallies }, 'contoso');

    expect(result).toMatchObject({ risks: 2, outcome: 'corrected' });
    const nonZero = (c: Record<string, number>) => Object.fromEntries(Object.entries(c).filter(([, n]) => n !== 0));
    expect(nonZero(await counts())).toEqual(nonZero(liveCounts));
    const rebuilt = await tallies.weeks('2020-01-01', 'contoso');
    expect(rebuilt.map((t) => [t.week, t.counts]).sort()).toEqual(live.map((t) => [t.week, t.counts]).sort());
  });

  it('start a week on Monday, UTC', () => {
    expect(weekOf('2026-11-20T10:00:00Z')).toBe('2026-11-16');
    expect(weekOf('2026-11-16T00:00:00Z')).toBe('2026-11-16');
    expect(weekOf('2026-11-22T23:59:59Z')).toBe('2026-11-16');
  });
});
