/**
 * Pipeline monitor benchmark (not a test): `npm run bench:pipeline`.
 *
 * A finished build with 20 logs totalling 200 MB (one realistic generated log with a few hundred
 * planted synthetic secrets, as bench:scan makes, cut at line ends into 20 pieces; VIGIL_BENCH_MB
 * changes the total) is served by the loopback Azure DevOps in its own process, with three service
 * connections for the audit sweep that follows the build, and processed through the real queue handler (`handleQueueMessage` +
 * `scanBuild`): re-fetch the build, list its logs, stream each one through the engine, record
 * risks, announce them, audit the project's service connections. The engine alone then scans the
 * same 20 pieces from disk in the same process.
 * Prints one JSON line:
 *
 *   {"bytes","seconds","MBps","engineOnlyMBps","overhead","handlerCpuSeconds","engineOnlyCpuSeconds","cpuOverhead","peakRssMB","apiCalls","metadataCalls","callsByKind"}
 *
 * `overhead` is end-to-end throughput over engine-only throughput (target ≥ 0.7); `cpuOverhead`
 * the same with this process's CPU time (all threads) instead of wall time, which leaves out the time it
 * waits for the loopback server (on a 2-core machine the server's own work competes for the cores
 * that the handler and the engine use). `peakRssMB` is
 * this process's peak while the handler runs (before the engine-only pass). `apiCalls` counts
 * REST calls for the measured scan (target: 1 build + 1 log list + 1 per log, plus one audit sweep
 * per project per hour); node-api's route-table lookups are reported as `metadataCalls`. Both paths
 * are warmed up first, untimed (a small build in another project).
 *
 * BENCH_TELEMETRY_ROUNDS=N then scans the same build N more times with telemetry off and N with it
 * on (spans and metrics exported over OTLP to a local sink), alternated, each with the app's services
 * made afresh, and prints a second line with both series of MB/s and the cost:
 * 1 - median(on) / median(off) (issue 22: at most 0.10).
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as Services from '../../shared/app/services';
import type * as QueueTriggers from '../../shared/azureFunctions/queueTrigger';
import type * as Scanners from '../../shared/ci/buildScanner';
import type * as Config from '../../shared/config';
import type { EventEnvelope } from '../../shared/events/envelope';
import type * as Logging from '../../shared/logging/logger';
import type * as Telemetry from '../../shared/telemetry';
import type * as Vaults from '../../shared/vault/environmentVault';
import { azureRmEndpoint, genericEndpoint } from '../support/azureDevOps/serviceConnectionRoutes';
import type { BenchDevOpsOptions } from './azureDevOpsProcess';
import { forkOtlpSink } from './otlpSink';
import { shippedModule } from './shippedApp';

const { buildLogScanner } = shippedModule<typeof Scanners>('ci/buildScanner');
const { loadConfig } = shippedModule<typeof Config>('config');
const { createLogger } = shippedModule<typeof Logging>('logging/logger');
const { handleQueueMessage } = shippedModule<typeof QueueTriggers>('azureFunctions/queueTrigger');
const { createAppServices } = shippedModule<typeof Services>('app/services');
const { createEnvironmentVault } = shippedModule<typeof Vaults>('vault/environmentVault');
const { stopTelemetry } = shippedModule<typeof Telemetry>('telemetry/index');

/** VIGIL_BENCH_LOGS=1 VIGIL_BENCH_MB=1024 serves one 1 GB log, to see memory stay at the engine's bound. */
const logCount = Number(process.env.VIGIL_BENCH_LOGS ?? 20);
const project = 'web';
const buildId = 9001;
const warmUpProject = 'warm-up';

interface RecordedCall {
  method: string;
  path: string;
  status?: number;
}

function startDevOps(options: BenchDevOpsOptions): Promise<{ child: ChildProcess; url: string }> {
  const child = fork(join(__dirname, 'azureDevOpsProcess.ts'), [], {
    execArgv: ['--require', 'tsx/cjs'],
    env: { ...process.env, VIGIL_BENCH_DEVOPS_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve({ child, url: (message as { url: string }).url }));
    child.once('exit', (code) => reject(new Error(`loopback Azure DevOps exited with ${code}`)));
  });
}

function recordedCalls(child: ChildProcess): Promise<RecordedCall[]> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve((message as { calls: RecordedCall[] }).calls));
    child.send('calls');
  });
}

async function main(): Promise<void> {
  const totalMB = Number(process.env.VIGIL_BENCH_MB ?? 200);
  const directory = mkdtempSync(join(tmpdir(), 'vigil-bench-pipeline-'));
  const log = join(directory, 'build.log');
  const warmUp = join(directory, 'warm-up.log');
  const generator = join(__dirname, 'scanLogGenerator.ts');
  execFileSync(process.execPath, ['--require', 'tsx/cjs', generator, log, String(totalMB)], { maxBuffer: 64 * 1024 * 1024 });
  execFileSync(process.execPath, ['--require', 'tsx/cjs', generator, warmUp, '8'], { maxBuffer: 64 * 1024 * 1024 });
  const bytes = statSync(log).size;
  const pieces = lineAlignedPieces(log, bytes, logCount);
  const pat = `bench-pat-${randomBytes(12).toString('hex')}`;
  const { child, url } = await startDevOps({
    organization: 'contoso',
    pat,
    projects: [{ name: project }, { name: warmUpProject }],
    builds: [
      { id: buildId, project, logs: pieces.map((range, i) => ({ id: i + 1, file: log, range })) },
      { id: buildId, project: warmUpProject, logs: [{ id: 1, file: warmUp }] },
    ],
    serviceConnections: [
      {
        endpoint: azureRmEndpoint({
          id: 'e0000000-0000-4000-8000-000000000001',
          name: 'deploy-prod',
          authenticationType: 'spnKey',
          scopeLevel: 'Subscription',
          projects: [project],
        }),
        allPipelines: true,
        executions: [{ finishTime: new Date().toISOString() }],
      },
      {
        endpoint: azureRmEndpoint({
          id: 'e0000000-0000-4000-8000-000000000002',
          name: 'deploy-test',
          scheme: 'WorkloadIdentityFederation',
          scope: '/subscriptions/0000/resourcegroups/test',
          projects: [project],
        }),
        pipelines: [1],
        executions: [{ finishTime: new Date().toISOString() }],
      },
      {
        endpoint: genericEndpoint({ id: 'e0000000-0000-4000-8000-000000000003', name: 'artifacts', projects: [project] }),
        pipelines: [1],
        executions: [],
      },
    ],
  });
  const benchEnv = { VIGIL_DATA_DIR: join(directory, 'data'), VIGIL_FINGERPRINT_KEY: 'vigil-benchmark-key-not-secret-0' };
  const config = loadConfig(benchEnv);
  const services = await createAppServices(config, {
    logger: createLogger({ level: 'warn', sink: { write: () => undefined } }),
    vault: createEnvironmentVault({ VIGIL_SECRET_ADO_PAT_CONTOSO: pat }),
  });
  try {
    await services.stores.organizations.add('contoso', {
      azureDevOps: { url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
    });
    const scanner = buildLogScanner(config);
    const reusedBlock = Buffer.allocUnsafeSlow(256 * 1024);
    const engineOnly = async (file: string, ranges: Array<{ start?: number; end?: number }>) => {
      for (const range of ranges) for await (const _ of scanner.scanStream(readInto(reusedBlock, file, range), { path: 'job.log' }));
    };
    const buildComplete = (inProject: string): EventEnvelope => ({
      id: `bench:build.complete:${inProject}`,
      source: 'azure-devops',
      type: 'build.complete',
      organization: 'contoso',
      project: inProject,
      subject: { buildId },
      receivedAt: new Date().toISOString(),
    });
    const handle = (envelope: EventEnvelope) =>
      handleQueueMessage(
        { functionName: 'scanBuild', queue: 'build-scan', body: envelope, messageId: envelope.id, deliveryCount: 1 },
        services,
      );
    // Untimed warm-up of both paths: JIT, and the modules the handler loads on first use. The
    // warm-up build is in another project, so the measured one still runs its audit sweep.
    await engineOnly(warmUp, [{}]);
    await handle(buildComplete(warmUpProject));
    const callsBefore = (await recordedCalls(child)).length;

    const mb = bytes / (1024 * 1024);
    const envelope = buildComplete(project);
    const started = process.hrtime.bigint();
    const cpuBefore = process.cpuUsage();
    const outcome = await handle(envelope);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const peakRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    if (outcome !== 'completed') throw new Error(`the build scan ended '${outcome}'`);

    const engineStarted = process.hrtime.bigint();
    const engineCpuBefore = process.cpuUsage();
    await engineOnly(log, pieces);
    const engineSeconds = Number(process.hrtime.bigint() - engineStarted) / 1e9;
    const engineCpu = process.cpuUsage(engineCpuBefore);
    const engineCpuSeconds = (engineCpu.user + engineCpu.system) / 1e6;

    const calls = (await recordedCalls(child)).slice(callsBefore);
    const metadata = calls.filter((c) => c.method === 'OPTIONS' || /_apis\/ResourceAreas/i.test(c.path));
    const api = calls.filter((c) => !metadata.includes(c));
    const kind = (path: string) => path.replace(/\/\d+(?=\/|$)/g, '/{id}').replace(/^\/[^/]+\/[^/]+\/_apis\//, '');
    const callsByKind: Record<string, number> = {};
    for (const call of api) callsByKind[`${call.method} ${kind(call.path)}`] = (callsByKind[`${call.method} ${kind(call.path)}`] ?? 0) + 1;
    const round = (value: number, digits = 1) => Number(value.toFixed(digits));
    process.stdout.write(
      `${JSON.stringify({
        bytes,
        seconds: round(seconds, 2),
        MBps: round(mb / seconds),
        engineOnlyMBps: round(mb / engineSeconds),
        overhead: round(engineSeconds / seconds, 2),
        handlerCpuSeconds: round(cpuSeconds, 2),
        engineOnlyCpuSeconds: round(engineCpuSeconds, 2),
        cpuOverhead: round(engineCpuSeconds / cpuSeconds, 2),
        peakRssMB,
        apiCalls: api.length,
        metadataCalls: metadata.length,
        callsByKind,
      })}\n`,
    );
    const rounds = Number(process.env.BENCH_TELEMETRY_ROUNDS ?? 0);
    if (rounds > 0) {
      await services.close();
      await compareTelemetry(rounds, benchEnv, pat, mb);
    }
  } finally {
    await services.close();
    child.disconnect();
    rmSync(directory, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/**
 * The measured build scanned again with telemetry off and on, alternated. Each run is a new event id
 * (the idempotency record would replay it) on services made for that run, as a process starting with
 * that setting would make them; the risks already exist after the first scan, so every run does the same work.
 */
async function compareTelemetry(rounds: number, environment: Record<string, string>, pat: string, mb: number): Promise<void> {
  const sink = await forkOtlpSink();
  let totals = { requests: 0, bytes: 0 };
  // `local`: on without a collector, as `npm start` runs by default (spans made for the log lines' ids, none exported).
  const series: Record<'off' | 'on' | 'local', number[]> = { off: [], on: [], local: [] };
  // This process's CPU time per scan (all threads): less moved by other jobs on a shared machine than wall time.
  const cpu: Record<'off' | 'on' | 'local', number[]> = { off: [], on: [], local: [] };
  let run = 0;
  const scan = async (mode: 'off' | 'on' | 'local') => {
    const config = loadConfig({
      ...environment,
      VIGIL_TELEMETRY: mode === 'off' ? 'off' : 'on',
      ...(mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url } : {}),
    });
    const services = await createAppServices(config, {
      logger: createLogger({ level: 'warn', sink: { write: () => undefined } }),
      vault: createEnvironmentVault({ VIGIL_SECRET_ADO_PAT_CONTOSO: pat }),
    });
    try {
      const id = `bench:build.complete:${project}:telemetry:${run++}`;
      const envelope: EventEnvelope = {
        id,
        source: 'azure-devops',
        type: 'build.complete',
        organization: 'contoso',
        project,
        subject: { buildId },
        receivedAt: new Date().toISOString(),
      };
      const started = process.hrtime.bigint();
      const cpuBefore = process.cpuUsage();
      const outcome = await handleQueueMessage(
        { functionName: 'scanBuild', queue: 'build-scan', body: envelope, messageId: id, deliveryCount: 1 },
        services,
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const used = process.cpuUsage(cpuBefore);
      cpu[mode].push(Number(((used.user + used.system) / 1e6).toFixed(3)));
      if (outcome !== 'completed') throw new Error(`the build scan ended '${outcome}'`);
      series[mode].push(Number((mb / seconds).toFixed(1)));
    } finally {
      await services.close();
      await stopTelemetry();
    }
  };
  try {
    for (let round = 0; round < rounds; round++) {
      for (const mode of round % 2 === 0 ? (['off', 'on', 'local'] as const) : (['local', 'on', 'off'] as const)) await scan(mode);
    }
  } finally {
    totals = await sink.totals();
    sink.close();
  }
  process.stdout.write(
    `${JSON.stringify({
      bench: 'pipeline-telemetry',
      offMBps: series.off,
      onMBps: series.on,
      localMBps: series.local,
      offCpuSeconds: cpu.off,
      onCpuSeconds: cpu.on,
      localCpuSeconds: cpu.local,
      otlpRequests: totals.requests,
      otlpBytes: totals.bytes,
      cost: Number((1 - median(series.on) / median(series.off)).toFixed(3)),
      cpuCost: Number((median(cpu.on) / median(cpu.off) - 1).toFixed(3)),
      localCpuCost: Number((median(cpu.local) / median(cpu.off) - 1).toFixed(3)),
    })}\n`,
  );
}

/**
 * The file's bytes in `block`, refilled for each read: the engine-only pass allocates nothing per
 * read, so it measures the engine and not the collector's work on 200 MB of read buffers (which
 * made the baseline vary from 210 to 400 MB/s with the heap state the handler left behind).
 */
async function* readInto(block: Buffer, file: string, range: { start?: number; end?: number }): AsyncGenerator<Buffer> {
  const handle = await open(file, 'r');
  try {
    let position = range.start ?? 0;
    const end = range.end === undefined ? (await handle.stat()).size : range.end + 1;
    while (position < end) {
      const { bytesRead } = await handle.read(block, 0, Math.min(block.length, end - position), position);
      if (bytesRead === 0) return;
      position += bytesRead;
      yield block.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** `count` byte ranges of the file, each ending at a line end, covering it exactly. */
function lineAlignedPieces(file: string, size: number, count: number): Array<{ start: number; end: number }> {
  const descriptor = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const pieces: Array<{ start: number; end: number }> = [];
    let start = 0;
    for (let i = 1; i < count; i++) {
      const at = Math.floor((size * i) / count);
      const read = readSync(descriptor, buffer, 0, buffer.length, at);
      const newline = buffer.subarray(0, read).indexOf(10);
      const end = newline < 0 ? at + read - 1 : at + newline;
      pieces.push({ start, end });
      start = end + 1;
    }
    pieces.push({ start, end: size - 1 });
    return pieces;
  } finally {
    closeSync(descriptor);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`pipeline benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
