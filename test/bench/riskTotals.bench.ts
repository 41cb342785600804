/**
 * Risk totals reconcile benchmark, on the compiled code:
 *
 *   npm run --silent build && node --require tsx/cjs test/bench/riskTotals.bench.ts
 *
 * One organization with 100,000 risks (a fifth resolved, with a status change in their history) in the
 * embedded store, its totals made once by a reconcile. Then, alternately in the same run: the hourly
 * reconcile when nothing drifted; the same after one count drifted; and the baseline, what
 * `vigil risks rebuild-totals` did before the reconcile (read every risk, count, upsert every document).
 * Prints one JSON line: `risks`, `tallyDocuments`, medians and ranges of `unchangedMs`, `driftedMs`,
 * `baselineRewriteAllMs`, the documents each wrote, the peak RSS of the reconcile alone (`reconcilePeakRssMB`,
 * taken before the baseline first runs) and after the baseline (`baselinePeakRssMB`). BENCH_RISKS changes the count.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Services from '../../shared/app/services';
import type * as Config from '../../shared/config';
import type * as Logging from '../../shared/logging/logger';
import type * as Risks from '../../shared/risks';
import type { Risk } from '../../shared/risks/risk';
import type * as EmbeddedDatabase from '../../shared/store/embedded/embeddedDatabase';
import type * as EmbeddedStore from '../../shared/store/embedded/embeddedStore';
import { shippedModule } from './shippedApp';

const { loadConfig } = shippedModule<typeof Config>('config');
const { createLogger } = shippedModule<typeof Logging>('logging/logger');
const { createAppServices } = shippedModule<typeof Services>('app/services');
const { expectedTallies, reconcileRiskTotals } = shippedModule<typeof Risks>('risks/index');
const { openEmbeddedDatabase } = shippedModule<typeof EmbeddedDatabase>('store/embedded/embeddedDatabase');
const { createEmbeddedStore } = shippedModule<typeof EmbeddedStore>('store/embedded/embeddedStore');

const severities = ['critical', 'high', 'medium', 'low'] as const;
const round = (value: number, digits = 1) => Number(value.toFixed(digits));
const median = (values: number[]) => round([...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]);
const range = (values: number[]) => [round(Math.min(...values)), round(Math.max(...values))];
const rssMB = () => round(process.resourceUsage().maxRSS / 1024);
const riskCount = Number(process.env.BENCH_RISKS ?? 100_000);
const rounds = 5;

async function seed(dataDir: string): Promise<void> {
  const db = openEmbeddedDatabase(dataDir);
  const risks = createEmbeddedStore(db).container<Risk>('risks');
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < riskCount; i++) {
    const firstSeenAt = new Date(Date.UTC(2026, 8, 1) + (i % 90) * 86_400_000).toISOString();
    const resolved = i % 5 === 0;
    const resolvedAt = new Date(Date.parse(firstSeenAt) + 3 * 86_400_000).toISOString();
    writes.push(
      risks.create({
        id: `risk-${i}`,
        organization: 'contoso',
        kind: i % 10 === 0 ? 'service-connection' : 'leaked-secret',
        ruleId: `rule-${i % 40}`,
        title: 'A generated finding',
        severity: severities[i % severities.length],
        status: resolved ? 'resolved' : 'open',
        asset: { id: `repository:repo-${i % 5000}`, name: `service-${i % 5000}`, type: 'repository' },
        fingerprint: `fp-${i}`,
        verified: false,
        occurrences: 1,
        firstSeenAt,
        lastSeenAt: firstSeenAt,
        statusChangedAt: resolved ? resolvedAt : firstSeenAt,
        evidence: { location: `src/config-${i}.ts:12`, redacted: 'ghp_****abcd' },
        remediation: 'Revoke it.',
        recentSightings: [`bench:${i}`],
        ...(resolved ? { triage: { status: 'resolved', reason: 'rotated', by: 'bench', at: resolvedAt, source: 'cli' }, resolvedAt } : {}),
      } as Risk),
    );
    if (writes.length >= 1000) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  db.close();
}

async function main(): Promise<void> {
  if (process.env.BENCH_SEED_INTO) return seed(process.env.BENCH_SEED_INTO);
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-totals-'));
  try {
    // Seeded in a child process, so this one's peak RSS is the reconcile's, not the seeding's.
    const child = spawnSync(process.execPath, ['--require', 'tsx/cjs', __filename], {
      env: { ...process.env, BENCH_SEED_INTO: dataDir },
      stdio: 'inherit',
    });
    if (child.status !== 0) throw new Error(`seeding failed (exit ${child.status})`);
    const services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), { logger: createLogger({ level: 'error' }) });
    try {
      const deps = { risks: services.stores.risks, tallies: services.stores.riskTallies };
      await reconcileRiskTotals(deps, 'contoso'); // the totals, made once
      const tallyDocuments = (await deps.tallies.stored('contoso')).length;
      const times = { unchanged: [] as number[], drifted: [] as number[], baseline: [] as number[] };
      const written = { unchanged: 0, drifted: 0, baseline: 0 };
      let reconcilePeakRssMB = 0;
      for (let round = 0; round < rounds; round++) {
        let started = performance.now();
        written.unchanged += (await reconcileRiskTotals(deps, 'contoso')).corrected;
        times.unchanged.push(performance.now() - started);

        await deps.tallies.tallies.patch('current', 'contoso', [{ op: 'incr', path: '/counts/open.high.leaked-secret', value: 1 }]);
        started = performance.now();
        written.drifted += (await reconcileRiskTotals(deps, 'contoso')).corrected;
        times.drifted.push(performance.now() - started);
        // Before the baseline first holds every risk at once: the reconcile's own peak.
        if (round === 0) reconcilePeakRssMB = rssMB();

        // The baseline: rebuild-totals before the reconcile read every risk, counted, and upserted every document.
        started = performance.now();
        const all = (await services.stores.risks.page({ where: { organization: 'contoso' }, limit: 10_000_000 })).items;
        for (const [id, counts] of expectedTallies(all)) {
          const week = id.startsWith('week:') ? id.slice(5) : undefined;
          await deps.tallies.tallies.upsert({
            id,
            organization: 'contoso',
            scope: week ? 'week' : 'current',
            ...(week ? { week } : {}),
            counts,
          });
          written.baseline += 1;
        }
        times.baseline.push(performance.now() - started);
      }
      process.stdout.write(
        `${JSON.stringify({
          risks: riskCount,
          tallyDocuments,
          rounds,
          unchangedMs: median(times.unchanged),
          unchangedRangeMs: range(times.unchanged),
          unchangedWrites: written.unchanged / rounds,
          driftedMs: median(times.drifted),
          driftedRangeMs: range(times.drifted),
          driftedWrites: written.drifted / rounds,
          baselineRewriteAllMs: median(times.baseline),
          baselineRangeMs: range(times.baseline),
          baselineWrites: written.baseline / rounds,
          reconcilePeakRssMB,
          baselinePeakRssMB: rssMB(),
        })}\n`,
      );
    } finally {
      await services.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
