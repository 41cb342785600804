import { describe, expect, it } from 'vitest';
import type { Risk } from '../../../shared/risks/risk';
import { RiskStore } from '../../../shared/risks/riskStore';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting } from '../../support/riskSightings';

function setup() {
  const clock = new ManualClock();
  return { clock, risks: new RiskStore(createEmbeddedStore(openInMemoryDatabase(), clock).container<Risk>('risks'), clock) };
}

const sighting = leakedTokenSighting;

describe('recording risks', () => {
  it('opens a risk on the first sighting and counts the same secret seen in the next build on the same risk', async () => {
    const { risks, clock } = setup();
    const first = await risks.record(sighting('build:7:log:1:line:40'));
    clock.advance(60_000);
    const second = await risks.record(sighting('build:8:log:1:line:41'));
    expect(first.transition).toBe('opened');
    expect(second.transition).toBe('seen-again');
    expect(second.risk).toMatchObject({ id: first.risk.id, occurrences: 2, firstSeenAt: first.risk.firstSeenAt });
    expect(second.risk.lastSeenAt > first.risk.lastSeenAt).toBe(true);
  });

  it('does not count a redelivered sighting twice', async () => {
    const { risks } = setup();
    await risks.record(sighting('build:7:log:1:line:40'));
    const again = await risks.record(sighting('build:7:log:1:line:40'));
    expect(again.transition).toBe('already-counted');
    expect(again.risk.occurrences).toBe(1);
  });

  it('keeps different secrets apart', async () => {
    const { risks } = setup();
    await risks.record(sighting('a', 'fp-1'));
    await risks.record(sighting('b', 'fp-2'));
    expect(await risks.list({ organization: 'contoso' })).toHaveLength(2);
  });

  it('counts concurrent sightings from two workers without losing one', async () => {
    const { risks } = setup();
    await Promise.all([risks.record(sighting('w1')), risks.record(sighting('w2')), risks.record(sighting('w3'))]);
    const [risk] = await risks.list();
    expect(risk.occurrences).toBe(3);
  });
});
