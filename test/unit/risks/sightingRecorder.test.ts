import { describe, expect, it } from 'vitest';
import type { Risk } from '../../../shared/risks/risk';
import { type RiskSighting, RiskStore } from '../../../shared/risks/riskStore';
import { SightingRecorder } from '../../../shared/risks/sightingRecorder';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting } from '../../support/riskSightings';

function setup() {
  const clock = new ManualClock();
  const container = createEmbeddedStore(openInMemoryDatabase(), clock).container<Risk>('risks');
  return { container, risks: new RiskStore(container, clock) };
}

const sighting = leakedTokenSighting;

describe('recording the sightings of a scan several at a time', () => {
  it('records every sighting, counting repeats of one secret on one risk', async () => {
    const { risks, container } = setup();
    const recorder = new SightingRecorder(risks, 4);
    for (let line = 1; line <= 30; line++) await recorder.add(sighting(`log:1:line:${line}`, `fp-${line % 5}`));
    const recorded = await recorder.drain();
    expect(recorded).toHaveLength(30);
    expect(recorded.filter((r) => r.transition === 'opened')).toHaveLength(5);
    const stored = (await container.query({})).items;
    expect(stored.map((r) => r.occurrences).sort()).toEqual([6, 6, 6, 6, 6]);
  });

  it('reports a failed write when the scan finishes, and records nothing more after it', async () => {
    let calls = 0;
    const failing = {
      record: async (s: RiskSighting) => {
        calls++;
        if (s.sightingId === 'bad') throw new Error('store unavailable');
        return { risk: { id: s.sightingId } as Risk, transition: 'opened' as const };
      },
    };
    const recorder = new SightingRecorder(failing, 1);
    await recorder.add(sighting('bad', 'fp-a'));
    await expect(recorder.add(sighting('good', 'fp-b'))).rejects.toThrow('store unavailable');
    await expect(recorder.drain()).rejects.toThrow('store unavailable');
    expect(calls).toBe(1);
  });
});
