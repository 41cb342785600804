/**
 * Webhook ingest throughput and latency. `autocannon` posts a recorded Azure DevOps service hook,
 * with valid credentials and a fresh event id per request (so every request is a new event that is
 * durably enqueued and recorded), to the local host exactly as `npm start` runs it, and in the same
 * run to a bare node:http server that reads the body and answers 202. Each server runs in its own
 * process so the load generator does not share its event loop.
 *
 *   npm run bench:ingest        (BENCH_SECONDS=10 BENCH_CONNECTIONS=50 to change the load)
 *
 * Prints one JSON line: {reqPerSec, p50Ms, p99Ms, bareReqPerSec, bareP99Ms, ratio, ...}.
 * Target (issue 2): ratio >= 0.5 and p99 <= 20 ms at 50 connections on a 2-core machine.
 *
 * BENCH_TELEMETRY_ROUNDS=N then runs the host N more times with telemetry off and N with it on
 * (exporting over OTLP to a local sink), alternated, and prints a second line with both series and
 * the cost: 1 - median(on) / median(off) (issue 22: at most 0.10).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { spawnWatched, type WatchedProcess } from '../support/childProcess';
import { testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders } from '../support/webhookClient';
import { bareServerScript } from './bareServer';
import { forkOtlpSink } from './otlpSink';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const root = join(__dirname, '..', '..');
const fixture = readFileSync(join(root, 'test', 'fixtures', 'azure-devops', 'service-hooks', 'build.complete.json'), 'utf8');
const payload = JSON.parse(fixture) as Record<string, unknown>;

interface Figures {
  /** The server's CPU time per answered request (Linux: /proc), which other jobs on the machine move less than throughput. */
  cpuMsPerRequest?: number;
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

/** CPU milliseconds (user + system) the process has used so far, from /proc; undefined elsewhere. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command; in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function load(url: string): Promise<Figures> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    headers: azureDevOpsHeaders(),
    // A new service-hook notification id per request: a new event, not a duplicate.
    requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ ...payload, id: randomUUID() }) }) }],
  });
  return {
    reqPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function measure(server: WatchedProcess, path: string): Promise<Figures> {
  try {
    const base = (await server.waitForLine(/^(ready|Vigil local host listening on) /)).split(' ').pop() ?? '';
    // Warm up (JIT, SQLite page cache) before the measured run.
    await autocannon({ url: `${base}${path}`, method: 'POST', connections, duration: 1, headers: azureDevOpsHeaders(), body: fixture });
    const cpuBefore = cpuMs(server.child.pid);
    const figures = await load(`${base}${path}`);
    const cpuAfter = cpuMs(server.child.pid);
    const answered = figures.reqPerSec * seconds;
    if (cpuBefore !== undefined && cpuAfter !== undefined && answered > 0) {
      figures.cpuMsPerRequest = Number(((cpuAfter - cpuBefore) / answered).toFixed(3));
    }
    return figures;
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

/**
 * BENCH_CONSUMERS=off (the default) disables the queue functions with the Functions host's own
 * `AzureWebJobs.<name>.Disabled` switch, so the figure is ingest alone; `on` measures ingest while
 * the same process drains the queue.
 */
const consumers: Record<string, string> =
  process.env.BENCH_CONSUMERS === 'on'
    ? {}
    : Object.fromEntries(
        ['scanBuild', 'scanRepository', 'syncWorkItem', 'publishPullRequest', 'sendAlert'].map((name) => [
          `AzureWebJobs__${name}__Disabled`,
          'true',
        ]),
      );

/** One run of `vigil start` in a fresh data directory, loaded and stopped. */
async function measureHost(env: NodeJS.ProcessEnv = {}): Promise<Figures> {
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-'));
  const host = spawnWatched(process.execPath, [join(root, 'dist', 'shared', 'cli', 'main.js'), 'start'], {
    ...process.env,
    ...testHookSecrets,
    VIGIL_DATA_DIR: dataDir,
    PORT: '0',
    VIGIL_LOG_LEVEL: 'warn',
    ...consumers,
    ...env,
  });
  try {
    return await measure(host, '/hooks/azure-devops');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** Telemetry off and on (spans and metrics exported over OTLP to a local sink), alternated so load on the machine hits both alike. */
async function compareTelemetry(rounds: number): Promise<void> {
  const sink = await forkOtlpSink();
  let totals = { requests: 0, bytes: 0 };
  const off: Figures[] = [];
  const on: Figures[] = [];
  // On without a collector, as `npm start` runs by default: spans made (the log lines' trace ids), none exported.
  const local: Figures[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const runOff = async () => off.push(await measureHost({ VIGIL_TELEMETRY: 'off' }));
      const runOn = async () => on.push(await measureHost({ VIGIL_TELEMETRY: 'on', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }));
      const runLocal = async () => local.push(await measureHost({ VIGIL_TELEMETRY: 'on' }));
      for (const run of round % 2 === 0 ? [runOff, runOn, runLocal] : [runLocal, runOn, runOff]) await run();
    }
  } finally {
    totals = await sink.totals();
    sink.close();
  }
  const offRps = off.map((f) => f.reqPerSec);
  const onRps = on.map((f) => f.reqPerSec);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'ingest-telemetry',
      seconds,
      connections,
      offReqPerSec: offRps,
      onReqPerSec: onRps,
      offCpuMsPerRequest: off.map((f) => f.cpuMsPerRequest),
      onCpuMsPerRequest: on.map((f) => f.cpuMsPerRequest),
      localReqPerSec: local.map((f) => f.reqPerSec),
      localCpuMsPerRequest: local.map((f) => f.cpuMsPerRequest),
      offP99Ms: off.map((f) => f.p99Ms),
      onP99Ms: on.map((f) => f.p99Ms),
      non2xx: [...off, ...on].reduce((sum, f) => sum + f.non2xx, 0),
      otlpRequests: totals.requests,
      otlpBytes: totals.bytes,
      cost: Number((1 - median(onRps) / median(offRps)).toFixed(3)),
      cpuCost: cpuCost(off, on),
      localCpuCost: cpuCost(off, local),
    })}\n`,
  );
}

/** median(on) / median(off) - 1 of the CPU per request, when /proc gave it. */
function cpuCost(off: Figures[], on: Figures[]): number | undefined {
  const offCpu = off.flatMap((f) => (f.cpuMsPerRequest === undefined ? [] : [f.cpuMsPerRequest]));
  const onCpu = on.flatMap((f) => (f.cpuMsPerRequest === undefined ? [] : [f.cpuMsPerRequest]));
  if (offCpu.length === 0 || onCpu.length === 0) return undefined;
  return Number((median(onCpu) / median(offCpu) - 1).toFixed(3));
}

async function main(): Promise<void> {
  const bare = await measure(spawnWatched(process.execPath, ['-e', bareServerScript], process.env), '/');
  const vigil = await measureHost();

  process.stdout.write(
    `${JSON.stringify({
      bench: 'ingest',
      seconds,
      connections,
      bodyBytes: Buffer.byteLength(fixture),
      reqPerSec: vigil.reqPerSec,
      p50Ms: vigil.p50Ms,
      p99Ms: vigil.p99Ms,
      non2xx: vigil.non2xx,
      errors: vigil.errors,
      bareReqPerSec: bare.reqPerSec,
      bareP99Ms: bare.p99Ms,
      ratio: Number((vigil.reqPerSec / bare.reqPerSec).toFixed(3)),
      consumers: process.env.BENCH_CONSUMERS === 'on' ? 'on' : 'off',
    })}\n`,
  );
  const rounds = Number(process.env.BENCH_TELEMETRY_ROUNDS ?? 0);
  if (rounds > 0) await compareTelemetry(rounds);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`);
  process.exitCode = 1;
});
