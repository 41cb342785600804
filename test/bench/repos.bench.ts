/**
 * Repository benchmarks, one exported function per section; `main` runs them all and prints one
 * JSON line with every section's figures.
 *
 *   npm run --silent build && node --require tsx/cjs test/bench/repos.bench.ts
 *
 * Inventory (issue 7): 50 projects × 40 repositories (some disabled or empty) on the loopback Azure
 * DevOps, with the real client, the embedded store and queue. Prints `repos`, `inventorySeconds`
 * (first run: every asset created), `apiCalls` (HTTP requests the loopback received during it),
 * `apiCallTarget` (projects + 2; apiCalls must not exceed it), and the same for a second run that
 * finds nothing new. BENCH_PROJECTS / BENCH_REPOS_PER_PROJECT change the size.
 *
 * Full scan: a 200 MB repository archive through the full-scan path, against the engine alone on
 * the same bytes (see reposArchive.bench.ts): `archiveMB`, `zipMB`, `scanMBps`, `engineOnlyMBps`,
 * `ratio`, `ratios` (one per round, BENCH_ROUNDS), `rounds`, `peakRssMB`, `archiveApiCalls`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Services from '../../shared/app/services';
import type * as Config from '../../shared/config';
import type * as Logging from '../../shared/logging/logger';
import type * as Inventory from '../../shared/repositories/inventory/inventoryOrganization';
import type * as Vaults from '../../shared/vault/environmentVault';
import { type CatalogProject, repositoryRoutes } from '../support/azureDevOps/repositoryRoutes';
import { startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { shippedModule } from './shippedApp';

// The app as it ships (dist/), like the other benchmarks: its adapters and use cases load on demand
// with import(), which tsx's CommonJS hook does not serve from the sources.
const { createAppServices } = shippedModule<typeof Services>('app/services');
const { loadConfig } = shippedModule<typeof Config>('config');
const { createLogger } = shippedModule<typeof Logging>('logging/logger');
const { runInventory } = shippedModule<typeof Inventory>('repositories/inventory/inventoryOrganization');
const { createEnvironmentVault } = shippedModule<typeof Vaults>('vault/environmentVault');

type Figures = Record<string, number | string | boolean | number[]>;

const round = (value: number, digits = 2) => Number(value.toFixed(digits));

/** The organization the inventory section lists: every 20th repository disabled, every 25th empty. */
function syntheticOrganization(projects: number, perProject: number): CatalogProject[] {
  return Array.from({ length: projects }, (_, p) => ({
    name: `project-${String(p + 1).padStart(3, '0')}`,
    visibility: p % 10 === 0 ? ('public' as const) : ('private' as const),
    repositories: Array.from({ length: perProject }, (_, r) => {
      const n = p * perProject + r;
      return {
        name: `repository-${String(r + 1).padStart(3, '0')}`,
        size: 10_000 + (n % 997) * 1_000,
        ...(n % 20 === 19 ? { isDisabled: true } : {}),
        ...(n % 25 === 24 ? { defaultBranch: null, size: 0 } : {}),
      };
    }),
  }));
}

export async function benchInventory(
  projects = Number(process.env.BENCH_PROJECTS ?? 50),
  perProject = Number(process.env.BENCH_REPOS_PER_PROJECT ?? 40),
): Promise<Figures> {
  const pat = `bench-pat-${randomBytes(12).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-repos-'));
  const devops = await startAzureDevOpsServer({
    organization: 'contoso',
    pat,
    extensions: [repositoryRoutes(syntheticOrganization(projects, perProject))],
  });
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_ADO_PAT_CONTOSO: pat };
  const services = await createAppServices(loadConfig(env), {
    vault: createEnvironmentVault(env),
    logger: createLogger({ level: 'error' }),
  });
  try {
    await services.stores.organizations.add('contoso', {
      azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
    });
    const timed = async () => {
      const calls = devops.calls.length;
      const started = performance.now();
      const record = await runInventory(services, 'contoso');
      return { record, seconds: (performance.now() - started) / 1000, apiCalls: devops.calls.length - calls };
    };
    const first = await timed();
    const second = await timed();
    const target = projects + 2;
    return {
      repos: first.record.repositories,
      projects,
      active: first.record.active,
      skipped: first.record.skippedTotal,
      inventorySeconds: round(first.seconds),
      apiCalls: first.apiCalls,
      apiCallTarget: target,
      apiCallsWithinTarget: first.apiCalls <= target,
      scanRequests: first.record.scanRequests,
      secondRunSeconds: round(second.seconds),
      secondRunApiCalls: second.apiCalls,
      secondRunWrites: second.record.created + second.record.updated + second.record.deleted,
    };
  } finally {
    await services.close();
    await devops.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The full-scan section (test/bench/reposArchive.bench.ts) in its own process: the archive scan's
 * peak RSS must not include the inventory's store, nor the inventory's the archive's buffers.
 */
export async function benchArchiveScan(): Promise<Figures> {
  const output = execFileSync(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'reposArchive.bench.ts')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  const figures = JSON.parse(output.trim().split('\n').at(-1) ?? '{}') as Figures;
  const { apiCalls, ...rest } = figures;
  return { ...rest, archiveApiCalls: apiCalls ?? 0 };
}

/** Every section, in order; a section adds its own figures to the one printed line. */
const sections: Array<() => Promise<Figures>> = [benchInventory, benchArchiveScan];

async function main(): Promise<void> {
  const figures: Figures = {};
  for (const section of sections) Object.assign(figures, await section());
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`repos benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
