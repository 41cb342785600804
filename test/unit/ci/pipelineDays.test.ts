import { describe, expect, it } from 'vitest';
import { durationBucket, durationBucketCount, durationQuantile, type PipelineDay, PipelineDayStore } from '../../../shared/ci/pipelineDays';
import type { CiRun } from '../../../shared/ci/providers/ciProvider';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { ManualClock } from '../../support/manualClock';

function run(id: number, minutes: number, result = 'succeeded'): CiRun {
  const finished = Date.parse('2026-11-20T10:00:00Z') + id * 60_000;
  return {
    provider: 'azure-pipelines',
    id: String(id),
    project: 'web',
    number: `2026.${id}`,
    label: `build 2026.${id}`,
    pipeline: { id: '12', name: 'web-ci' },
    asset: { id: 'pipeline:web:12', name: 'web-ci' },
    key: `build:${id}`,
    status: 'completed',
    result,
    startedAt: new Date(finished - minutes * 60_000).toISOString(),
    finishedAt: new Date(finished).toISOString(),
  };
}

function setup() {
  const clock = new ManualClock();
  return new PipelineDayStore(createEmbeddedStore(openInMemoryDatabase(), clock).container<PipelineDay>('pipelineDays'));
}

describe("the pipelines' per-day health", () => {
  it('counts each run once per pipeline and day, however often its scan is redelivered', async () => {
    const days = setup();
    expect(await days.recordRun('contoso', run(1, 5), { findings: 2, scannedAt: '2026-11-20T10:05:00Z' })).toBe(true);
    expect(await days.recordRun('contoso', run(1, 5), { findings: 2, scannedAt: '2026-11-20T10:06:00Z' })).toBe(false);
    await days.recordRun('contoso', run(2, 7, 'failed'), { findings: 0, scannedAt: '2026-11-20T10:09:00Z' });
    const [day] = await days.since('2026-11-20');
    expect(day).toMatchObject({ day: '2026-11-20', runs: 2, successes: 1, leakRuns: 1, findings: 2, lastLeak: { run: 'build 2026.1' } });
    expect(day.durations).toHaveLength(durationBucketCount);
    expect(day.durations.reduce((a, b) => a + b, 0)).toBe(2);
  });

  it('leaves out days before the window', async () => {
    const days = setup();
    await days.recordRun('contoso', run(1, 5), { findings: 0, scannedAt: '2026-11-20T10:05:00Z' });
    expect(await days.since('2026-11-21')).toEqual([]);
  });

  it('gives p50 and p95 within 10% from the bounded histogram', () => {
    const histogram = new Array<number>(durationBucketCount).fill(0);
    const seconds = Array.from({ length: 1000 }, (_, i) => 30 + i * 3); // 30 s to about 50 min
    for (const s of seconds) histogram[durationBucket(s)]++;
    const exact = (q: number) => seconds[Math.ceil(q * seconds.length) - 1];
    for (const q of [0.5, 0.95]) {
      const estimate = durationQuantile([histogram], q) ?? 0;
      expect(Math.abs(estimate - exact(q)) / exact(q)).toBeLessThan(0.1);
    }
    expect(durationQuantile([], 0.5)).toBeUndefined();
  });
});
