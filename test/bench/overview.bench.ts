/**
 * Overview benchmark (issue 20), on the compiled code:
 *
 *   npm run --silent build && node --require tsx/cjs test/bench/overview.bench.ts
 *
 * 100,000 risks (recorded through RiskStore, so the running totals are kept as they would be; a
 * fifth then resolved) on 5,000 repositories in the embedded store. Then the server time of the
 * Overview page and of the Risks page (first page, default sort; also filtered and sorted by
 * severity), each rendered several times, against the baseline: the Overview's numbers computed
 * by reading every risk, as a page without aggregates would, measured alternately in the same run.
 * Prints one JSON line: `risks`, `repositories`, `overviewMs`, `risksPageMs`, `risksFilteredMs`
 * (open leaked secrets by severity), `risksOneAssetMs` (one repository's risks), `riskPageMs` (one risk's page, found by id alone) (medians), their ranges, `peakRssMB` (before the baseline runs), `baselineScanAllMs`,
 * `baselinePeakRssMB`, `seedSeconds`, and the targets (each page < 300 ms, peak RSS ≤ 256 MB).
 * BENCH_RISKS and BENCH_REPOSITORIES change the counts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Services from '../../shared/app/services';
import type * as Config from '../../shared/config';
import type * as Logging from '../../shared/logging/logger';
import type * as OverviewPage from '../../shared/overview/overviewPage';
import type * as RisksPages from '../../shared/overview/risksPages';
import type { RepositoryAsset } from '../../shared/repositories/assets/asset';
import type { RiskSighting } from '../../shared/risks/riskStore';
import { shippedModule } from './shippedApp';

const { loadConfig } = shippedModule<typeof Config>('config');
const { createLogger } = shippedModule<typeof Logging>('logging/logger');
const { createAppServices } = shippedModule<typeof Services>('app/services');
const { renderOverview } = shippedModule<typeof OverviewPage>('overview/overviewPage');
const { renderRisk, renderRisks } = shippedModule<typeof RisksPages>('overview/risksPages');

const severities = ['critical', 'high', 'medium', 'low'] as const;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const rssMB = () => round(process.resourceUsage().maxRSS / 1024);

/** A small deterministic generator, so every run seeds the same data. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

async function timed(rounds: number, work: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const range = (values: number[]) => [round(Math.min(...values)), round(Math.max(...values))];

const riskCount = Number(process.env.BENCH_RISKS ?? 100_000);
const repositoryCount = Number(process.env.BENCH_REPOSITORIES ?? 5_000);

/**
 * Seeding runs in a child process of its own: the 100,000 risks it holds while recording them are
 * not the pages' memory, and the pages' peak RSS is what the target is about.
 */
async function main(): Promise<void> {
  if (process.env.BENCH_SEED_INTO) return seed(process.env.BENCH_SEED_INTO);
  const dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'vigil-bench-overview-'));
  const seedStarted = performance.now();
  if (!process.env.BENCH_DATA_DIR) {
    const child = spawnSync(process.execPath, ['--require', 'tsx/cjs', __filename], {
      env: { ...process.env, BENCH_SEED_INTO: dataDir },
      stdio: 'inherit',
    });
    if (child.status !== 0) throw new Error(`seeding failed (exit ${child.status})`);
  }
  const seedSeconds = round((performance.now() - seedStarted) / 1000);
  const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), { logger: createLogger({ level: 'error' }) });
  try {
    await measure(services, seedSeconds);
  } finally {
    await services.close();
    if (!process.env.BENCH_DATA_DIR && !process.env.BENCH_KEEP_DATA) rmSync(dataDir, { recursive: true, force: true });
    if (process.env.BENCH_KEEP_DATA) process.stderr.write(`data kept in ${dataDir} (BENCH_DATA_DIR=${dataDir} measures it again)\n`);
  }
}

async function seed(dataDir: string): Promise<void> {
  const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), { logger: createLogger({ level: 'error' }) });
  try {
    const next = random(20);
    const organizations = ['contoso', 'fabrikam', 'northwind', 'tailspin', 'woodgrove'];
    const repositories: RepositoryAsset[] = Array.from({ length: repositoryCount }, (_, i) => ({
      id: `repository:repo-${i}`,
      organization: organizations[i % organizations.length],
      type: 'repository',
      repositoryId: `repo-${i}`,
      name: `service-${i}`,
      project: `project-${i % 50}`,
      projectId: `project-${i % 50}`,
      projectVisibility: 'private',
      size: 1000,
      state: 'active',
      firstSeenAt: '2026-09-01T00:00:00.000Z',
      lastInventoriedAt: '2026-12-01T00:00:00.000Z',
      riskScore: {
        score: Math.floor(next() * 100),
        openRisks: Math.floor(next() * 40),
        factors: [{ name: 'open risks', value: 10, why: 'open leaked secrets in its content' }],
        computedAt: '2026-12-01T00:00:00.000Z',
      },
    }));
    await inBatches(repositories, 500, (asset) => services.stores.assets.upsert(asset));

    const sightings = Array.from({ length: riskCount }, (_, i): RiskSighting => {
      const repository = repositories[Math.floor(next() * repositories.length)];
      return {
        organization: repository.organization,
        kind: i % 10 === 0 ? 'service-connection' : 'leaked-secret',
        ruleId: `rule-${i % 40}`,
        title: 'A generated finding',
        severity: severities[Math.floor(next() * severities.length)],
        asset: { id: repository.id, name: repository.name, type: 'repository' },
        project: repository.project,
        fingerprint: `fp-${i}`,
        verified: false,
        evidence: { location: `src/config-${i}.ts:12`, redacted: 'ghp_****abcd' },
        remediation: 'Revoke it.',
        sightingId: `bench:${i}`,
      };
    });
    const recorded = await inBatches(sightings, 500, (sighting) => services.stores.risks.record(sighting));
    await inBatches(
      recorded.filter((_, i) => i % 5 === 0),
      500,
      ({ risk }) =>
        services.stores.risks.triage(risk.organization, risk.id, { status: 'resolved', reason: 'rotated', by: 'bench', source: 'cli' }),
    );
  } finally {
    await services.close();
  }
}

async function measure(services: Awaited<ReturnType<typeof createAppServices>>, seedSeconds: number): Promise<void> {
  {
    // Warm up once, then measure the pages alone: the peak RSS is theirs and the seeding's.
    await renderOverview(services);
    await renderRisks(services, {});
    const overview = await timed(5, () => renderOverview(services));
    const risksPage = await timed(5, () => renderRisks(services, {}));
    const filtered = await timed(5, () => renderRisks(services, { status: 'open', kind: 'leaked-secret', sort: 'severity' }));
    const oneAsset = await timed(5, () => renderRisks(services, { asset: 'repository:repo-17' }));
    const someRisk = (
      await services.stores.risks.page({ limit: 1, continuationToken: Buffer.from(JSON.stringify({ offset: 5000 })).toString('base64url') })
    ).items[0];
    const oneRisk = await timed(5, () => renderRisk(services, someRisk.id));
    const peakRssMB = rssMB();

    // Baseline and ours alternately: the Overview's numbers by reading every risk, as without aggregates.
    const baseline: number[] = [];
    for (let i = 0; i < 3; i++) {
      baseline.push(...(await timed(1, () => overviewByReadingEveryRisk(services))));
      overview.push(...(await timed(1, () => renderOverview(services))));
      risksPage.push(...(await timed(1, () => renderRisks(services, {}))));
    }
    process.stdout.write(
      `${JSON.stringify({
        risks: riskCount,
        repositories: repositoryCount,
        overviewMs: round(median(overview)),
        overviewRangeMs: range(overview),
        risksPageMs: round(median(risksPage)),
        risksPageRangeMs: range(risksPage),
        risksFilteredMs: round(median(filtered)),
        risksFilteredRangeMs: range(filtered),
        risksOneAssetMs: round(median(oneAsset)),
        risksOneAssetRangeMs: range(oneAsset),
        riskPageMs: round(median(oneRisk)),
        riskPageRangeMs: range(oneRisk),
        peakRssMB,
        baselineScanAllMs: round(median(baseline)),
        baselineRangeMs: range(baseline),
        baselinePeakRssMB: rssMB(),
        seedSeconds,
        targets: { pageMs: 300, peakRssMB: 256 },
      })}\n`,
    );
  }
}

/** Runs `work` over `items`, `size` at a time, so writes share the store's group commits. */
async function inBatches<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

/** The baseline: open risks by severity and kind, and the recent leaks, from every risk read. */
async function overviewByReadingEveryRisk(services: Awaited<ReturnType<typeof createAppServices>>): Promise<unknown> {
  // One query for all of them (paging through OFFSETs would make the baseline quadratic on the embedded store).
  const all = (await services.stores.risks.page({ limit: 10_000_000 })).items;
  const open: Record<string, number> = {};
  for (const risk of all)
    if (risk.status === 'open') open[`${risk.severity}.${risk.kind}`] = (open[`${risk.severity}.${risk.kind}`] ?? 0) + 1;
  return { open, recent: all.filter((r) => r.kind === 'leaked-secret').slice(0, 10) };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
