import type { Container } from '../store';
import { isConflict, isPreconditionFailed } from '../store';
import type { CiRun } from './providers/ciProvider';

/**
 * Pipeline health, recorded cheaply from the runs Vigil already scans (docs/overview.md, "Aggregates"): one
 * document per pipeline per day (UTC), never one per run or log line. Durations go into a fixed
 * histogram of 64 geometric buckets (each 20% wider than the last, 1 s to about 27 h), so p50 and p95
 * over any number of days are within 10% and the document stays the same size however many runs it holds.
 */
export interface PipelineDay {
  /** `{pipeline asset id}:{day}`, with `/ \ ? #` replaced (Cosmos ids may not hold them). */
  id: string;
  organization: string;
  provider: string;
  /** The pipeline's risk asset id (`pipeline:{project}:{definitionId}`) and name. */
  pipeline: { id: string; name: string };
  project?: string;
  /** YYYY-MM-DD (UTC) of the run's finish. */
  day: string;
  runs: number;
  successes: number;
  /** Runs whose logs held at least one secret. */
  leakRuns: number;
  findings: number;
  /** Runs counted per duration bucket (`durationBucket`); runs without times are not in it. */
  durations: number[];
  lastLeak?: { at: string; run: string; url?: string };
  /** The runs counted (bounded), so a redelivered scan does not count twice. */
  runKeys: string[];
}

export const durationBucketCount = 64;
const bucketGrowth = 1.2;
/** A day of one pipeline with more runs than this counts the extra ones without checking for repeats. */
const keptRunKeys = 2_000;

export function durationBucket(seconds: number): number {
  if (!(seconds > 1)) return 0;
  return Math.min(durationBucketCount - 1, Math.floor(Math.log(seconds) / Math.log(bucketGrowth)));
}

/** The `q` quantile (0–1) of the merged histograms, in seconds (the middle of its bucket), or undefined without runs. */
export function durationQuantile(histograms: number[][], q: number): number | undefined {
  const merged = new Array<number>(durationBucketCount).fill(0);
  for (const histogram of histograms) {
    for (const [i, n] of histogram.entries()) merged[i] += n;
  }
  const total = merged.reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, n] of merged.entries()) {
    seen += n;
    if (seen >= rank) return bucket === 0 ? 1 : Math.round(bucketGrowth ** (bucket + 0.5));
  }
  return undefined;
}

const successes = new Set(['succeeded', 'success', 'partiallysucceeded']);

export class PipelineDayStore {
  constructor(readonly days: Container<PipelineDay>) {}

  /** Counts one scanned run once (etag-checked read-modify-write); returns false when it was counted before. */
  async recordRun(organization: string, run: CiRun, scan: { findings: number; scannedAt: string }): Promise<boolean> {
    const finished = run.finishedAt ?? scan.scannedAt;
    const day = finished.slice(0, 10);
    const id = `${run.asset.id}:${day}`.replace(/[/\\?#]/g, '_');
    const seconds = run.startedAt && run.finishedAt ? (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000 : Number.NaN;
    for (;;) {
      const existing = await this.days.read(id, organization);
      if (existing?.runKeys.includes(run.key)) return false;
      const current: PipelineDay = existing ?? {
        id,
        organization,
        provider: run.provider,
        pipeline: { id: run.asset.id, name: run.asset.name },
        ...(run.project ? { project: run.project } : {}),
        day,
        runs: 0,
        successes: 0,
        leakRuns: 0,
        findings: 0,
        durations: new Array<number>(durationBucketCount).fill(0),
        runKeys: [],
      };
      const durations = [...current.durations];
      if (Number.isFinite(seconds) && seconds >= 0) durations[durationBucket(seconds)]++;
      const leaked = scan.findings > 0;
      const updated: PipelineDay = {
        ...current,
        pipeline: { id: run.asset.id, name: run.asset.name },
        runs: current.runs + 1,
        successes: current.successes + (successes.has(run.result ?? '') ? 1 : 0),
        leakRuns: current.leakRuns + (leaked ? 1 : 0),
        findings: current.findings + scan.findings,
        durations,
        ...(leaked && (!current.lastLeak || finished >= current.lastLeak.at)
          ? { lastLeak: { at: finished, run: run.label, ...(run.webUrl ? { url: run.webUrl } : {}) } }
          : {}),
        runKeys: current.runKeys.length < keptRunKeys ? [...current.runKeys, run.key] : current.runKeys,
      };
      try {
        if (existing) await this.days.replace(updated, { ifMatch: existing._etag });
        else await this.days.create(updated);
        return true;
      } catch (error) {
        if (isConflict(error) || isPreconditionFailed(error)) continue;
        throw error;
      }
    }
  }

  /** The days from `sinceDay` (YYYY-MM-DD) on, of every pipeline (or one organization's). */
  async since(sinceDay: string, organization?: string): Promise<PipelineDay[]> {
    // Newest first, so reading stops at the first page that reaches past the window.
    const found: PipelineDay[] = [];
    let continuationToken: string | undefined;
    do {
      const page = await this.days.query({
        where: organization ? { organization } : {},
        orderBy: { field: 'day', descending: true },
        limit: 500,
        ...(continuationToken ? { continuationToken } : {}),
      });
      for (const day of page.items) if (day.day >= sinceDay) found.push(day);
      if (page.items.some((day) => day.day < sinceDay)) break;
      continuationToken = page.continuationToken;
    } while (continuationToken);
    return found;
  }
}
