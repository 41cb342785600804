/**
 * Work-item sync benchmark (issue 17), on the compiled code:
 *
 *   npm run --silent build && node --require tsx/cjs test/bench/workItems.bench.ts
 *
 * 1,000 new risks in one organization, each `risk.opened` handled by the `workitem-sync` queue
 * function (idempotency, settlement, the per-organization limit) four at a time as the local host
 * runs it, against the loopback Azure DevOps with the real azure-devops-node-api transport; then a
 * reconciliation of all of them with the type metadata forgotten (as a fresh process would have
 * it). Prints one JSON line: `risks`, `workItems`, `duplicates` (work items beyond one per risk,
 * by marker tag), `apiCalls` (HTTP requests the loopback received while filing), `seconds`,
 * `reconcileApiCalls`, `reconcileSeconds`, and the targets: duplicates 0, apiCalls ≤ 1.05 × risks
 * + 10, reconcileApiCalls ≤ risks / 200 + 5. BENCH_RISKS changes the count.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as Services from '../../shared/app/services';
import type * as QueueTriggers from '../../shared/azureFunctions/queueTrigger';
import type * as Config from '../../shared/config';
import type { EventEnvelope } from '../../shared/events/envelope';
import type * as Logging from '../../shared/logging/logger';
import type * as RiskEvents from '../../shared/risks/riskEvents';
import type * as Vaults from '../../shared/vault/environmentVault';
import type * as WorkItems from '../../shared/workitems';
import type * as WorkItemStates from '../../shared/workitems/workItemStates';
import { connectionDataRoutes, type LoopbackIdentity } from '../support/azureDevOps/identities';
import { WorkItemRoutes } from '../support/azureDevOps/workItemRoutes';
import { startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { shippedModule } from './shippedApp';

const { loadConfig } = shippedModule<typeof Config>('config');
const { createLogger } = shippedModule<typeof Logging>('logging/logger');
const { handleQueueMessage } = shippedModule<typeof QueueTriggers>('azureFunctions/queueTrigger');
const { createAppServices } = shippedModule<typeof Services>('app/services');
const { createEnvironmentVault } = shippedModule<typeof Vaults>('vault/environmentVault');
const { riskEvents } = shippedModule<typeof RiskEvents>('risks/riskEvents');
const { reconcileOrganization, withSyncSession } = shippedModule<typeof WorkItems>('workitems/index');
const { workItemMetadata } = shippedModule<typeof WorkItemStates>('workitems/workItemStates');

const vigil: LoopbackIdentity = { id: 'dddddddd-0000-4000-8000-00000000beef', displayName: 'Vigil', uniqueName: 'vigil@contoso.example' };
const round = (value: number, digits = 2) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const count = Number(process.env.BENCH_RISKS ?? 1000);
  const pat = `bench-pat-${randomBytes(12).toString('hex')}`;
  const boards = new WorkItemRoutes({ projects: [{ name: 'Web', process: 'Agile' }], identity: vigil });
  const devops = await startAzureDevOpsServer({
    organization: 'contoso',
    pat,
    projects: [{ name: 'Web' }],
    extensions: [connectionDataRoutes(vigil), boards],
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-workitems-'));
  const env = { VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_ADO_PAT_CONTOSO: pat };
  const config = loadConfig(env);
  const services = await createAppServices(config, { vault: createEnvironmentVault(env), logger: createLogger({ level: 'error' }) });
  try {
    await services.stores.organizations.add('contoso', {
      azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
      workItems: { enabled: true, workItemType: 'Bug', stateMapping: {} },
    });
    // The risks, as a scan records them, and their risk.opened on workitem-sync.
    for (let n = 0; n < count; n++) {
      const sightingId = `build:${1000 + n}:log:2:line:${n + 1}`;
      const recorded = await services.stores.risks.record({
        organization: 'contoso',
        kind: 'leaked-secret',
        ruleId: n % 3 === 0 ? 'github-pat' : n % 3 === 1 ? 'npm-token' : 'azure-storage-key',
        title: 'Leaked token',
        severity: (['critical', 'high', 'medium', 'low'] as const)[n % 4],
        asset: { id: `pipeline:Web:${n % 40}`, name: `pipeline-${n % 40}`, type: 'pipeline' },
        project: 'Web',
        fingerprint: `fp-${n}`,
        verified: n % 2 === 0,
        evidence: {
          location: `build ${1000 + n} / log 2 line ${n + 1}`,
          redacted: `tok_****${String(n).padStart(4, '0')}`,
          url: `https://dev.azure.com/contoso/Web/_build/results?buildId=${1000 + n}`,
        },
        remediation: 'Revoke the token and use a secret variable.',
        sightingId,
      });
      const cause: EventEnvelope = {
        id: `build.complete:${1000 + n}`,
        source: 'azure-devops',
        type: 'build.complete',
        organization: 'contoso',
        project: 'Web',
        subject: {},
        receivedAt: new Date().toISOString(),
      };
      await services.queue.send(
        'workitem-sync',
        riskEvents(cause, [{ ...recorded, sightingId }], services.clock).get('workitem-sync') ?? [],
      );
    }

    const callsBefore = devops.calls.length;
    const started = performance.now();
    for (;;) {
      const messages = await services.queue.receive('workitem-sync', { maxMessages: config.queueConcurrency, lockDurationMs: 60_000 });
      if (messages.length === 0) break;
      await Promise.all(
        messages.map(async (message) => {
          await handleQueueMessage(
            { functionName: 'syncWorkItem', queue: 'workitem-sync', body: message.body, messageId: message.messageId, deliveryCount: 1 },
            services,
          );
          await services.queue.complete(message);
        }),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    const apiCalls = devops.calls.length - callsBefore;

    const items = boards.workItems();
    const markers = new Map<string, number>();
    for (const item of items)
      for (const tag of item.tags.filter((t) => t.startsWith('vigil-risk-'))) markers.set(tag, (markers.get(tag) ?? 0) + 1);
    const duplicates = [...markers.values()].reduce((sum, n) => sum + (n - 1), 0) + Math.max(0, items.length - markers.size);
    const parked = await services.stores.parked.count({ queue: 'workitem-sync' });

    // The nightly reconciliation, with type metadata and identity as a fresh process would have them: not cached.
    workItemMetadata.clear();
    const reconcileCallsBefore = devops.calls.length;
    const reconcileStarted = performance.now();
    const session = await withSyncSession(services, 'contoso', services.logger, (ctx) =>
      reconcileOrganization(ctx, { dryRun: false, runId: 'bench' }),
    );
    const reconcileSeconds = (performance.now() - reconcileStarted) / 1000;
    const reconcileApiCalls = devops.calls.length - reconcileCallsBefore;
    const report = session.ran ? session.value : undefined;

    const apiCallTarget = Math.floor(1.05 * count + 10);
    const reconcileApiCallTarget = Math.floor(count / 200 + 5);
    process.stdout.write(
      `${JSON.stringify({
        risks: count,
        workItems: items.length,
        duplicates,
        apiCalls,
        seconds: round(seconds),
        reconcileApiCalls,
        reconcileSeconds: round(reconcileSeconds),
        apiCallTarget,
        reconcileApiCallTarget,
        withinTargets:
          duplicates === 0 && items.length === count && apiCalls <= apiCallTarget && reconcileApiCalls <= reconcileApiCallTarget,
        parked,
        reconcileUnchanged: report?.unchanged ?? null,
        reconcileRepairs: report ? report.pushed + report.pulled + report.broken + report.created + report.recovered : null,
      })}\n`,
    );
  } finally {
    await services.close();
    await devops.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`work-item benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
