/**
 * SARIF intake and processing (issue 21). A generated 10 MB SARIF log with 20,000 results (Trivy's
 * shape: one rule per advisory, results on lock files) is posted to `POST /api/hooks/ci` of the local
 * host exactly as `npm start` runs it, in its own process, and in the same run to a bare node:http
 * server that reads the body and answers 202 (the baseline for the intake). Then the time until the
 * host has recorded the results as risks, and the host's peak resident memory (VmHWM).
 *
 *   npm run bench:sarif        (BENCH_ROUNDS=2 by default: the second upload finds every risk again)
 *   BENCH_HOST_ARGS=--trace-gc BENCH_HOST_STDOUT=/tmp/host.txt npm run bench:sarif   (the host's own node flags; its stdout kept)
 *
 * The alert, work-item, pull-request and repository functions are switched off (the Functions host's
 * `AzureWebJobs.<name>.Disabled`), so the figure is the SARIF handler's own work, not the 40,000
 * risk events it emits being handled too.
 *
 * Prints one JSON line: {"results","bytes","intakeMs","bareIntakeMs","processSeconds","peakRssMB","intakeRssMB","processingRssMB","idleRssMB",...}
 * (peakRssMB is the host's VmHWM after the last round; intakeRssMB and processingRssMB the highest VmRSS sampled every
 * 20 ms during each phase, so which phase makes the peak; idleRssMB its VmRSS before the first upload).
 * Targets: intake <= 1 s, processing <= 20 s, peak RSS <= 256 MB on a 2-core machine.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWatched } from '../support/childProcess';
import { bareServerScript } from './bareServer';

const rounds = Number(process.env.BENCH_ROUNDS ?? 2);
const resultCount = 20_000;
const targetBytes = 10 * 1024 * 1024 - 64 * 1024;
const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'shared', 'cli', 'main.js');
const token = `bench-ci-${process.pid}`;

/** A Trivy-shaped log: 2,000 advisories, 20,000 results across 40 lock files, padded to just under 10 MB. */
function generateLog(): Buffer {
  const advisories = 2000;
  const rules = Array.from({ length: advisories }, (_, i) => ({
    id: `CVE-2024-${String(10000 + i)}`,
    name: 'LanguageSpecificPackageVulnerability',
    shortDescription: { text: `package-${i}: a vulnerability in a generated package` },
    helpUri: `https://avd.aquasec.com/nvd/cve-2024-${10000 + i}`,
    help: { text: `Vulnerability CVE-2024-${10000 + i}\nSeverity: HIGH\nPackage: package-${i}\nFixed Version: 2.0.0` },
    defaultConfiguration: { level: 'error' },
    properties: { precision: 'very-high', 'security-severity': String(((i % 100) / 10).toFixed(1)), tags: ['vulnerability', 'security'] },
  }));
  const build = (padding: number) =>
    Buffer.from(
      JSON.stringify({
        version: '2.1.0',
        runs: [
          {
            tool: { driver: { name: 'Trivy', version: '0.48.3', rules } },
            results: Array.from({ length: resultCount }, (_, i) => ({
              ruleId: rules[i % advisories].id,
              ruleIndex: i % advisories,
              level: 'error',
              message: {
                text: `Package: package-${i % advisories}\nInstalled Version: 1.${i}.0\nFixed Version: 2.0.0\n${'x'.repeat(padding)}`,
              },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: `services/service-${Math.floor(i / advisories)}/package-lock.json`, uriBaseId: 'ROOTPATH' },
                    region: { startLine: 1 + (i % 5000), startColumn: 1, endLine: 1 + (i % 5000), endColumn: 1 },
                  },
                },
              ],
            })),
          },
        ],
      }),
    );
  const unpadded = build(0).length;
  return build(Math.max(0, Math.floor((targetBytes - unpadded) / resultCount)));
}

async function post(url: string, body: Buffer, headers: Record<string, string>): Promise<{ ms: number; status: number; text: string }> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { ms: performance.now() - started, status: response.status, text };
}

function peakRssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024);
}

function rssMB(pid: number): number {
  return Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024);
}

/** Samples the host's resident memory every 20 ms while `during` runs: which phase (intake or processing) makes the peak. */
async function sampledPeakMB<T>(pid: number, during: () => Promise<T>): Promise<{ value: T; peakMB: number }> {
  let peakMB = rssMB(pid);
  const timer = setInterval(() => (peakMB = Math.max(peakMB, rssMB(pid))), 20);
  try {
    const value = await during();
    return { value, peakMB: Math.max(peakMB, rssMB(pid)) };
  } finally {
    clearInterval(timer);
  }
}

function range(values: number[], digits = 0): string {
  const fixed = values.map((v) => v.toFixed(digits));
  return values.length === 1 ? fixed[0] : `${Math.min(...values).toFixed(digits)}-${Math.max(...values).toFixed(digits)}`;
}

async function main(): Promise<void> {
  const log = generateLog();
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-sarif-'));
  const env = {
    ...process.env,
    VIGIL_DATA_DIR: dataDir,
    PORT: '0',
    VIGIL_LOG_LEVEL: 'info',
    VIGIL_SECRET_CI_TOKEN_BENCH: token,
    VIGIL_SECRET_GITHUB_TOKEN_BENCH: 'unused',
    ...Object.fromEntries(
      ['scanRepository', 'syncWorkItem', 'publishPullRequest', 'sendAlert'].map((name) => [`AzureWebJobs__${name}__Disabled`, 'true']),
    ),
  };
  execFileSync(process.execPath, [cli, 'orgs', 'add', 'bench', '--github-token-secret', 'github-token-bench'], { env, stdio: 'ignore' });
  const bare = spawnWatched(process.execPath, ['-e', bareServerScript], process.env);
  const hostArgs = (process.env.BENCH_HOST_ARGS ?? '').split(' ').filter(Boolean);
  const host = spawnWatched(process.execPath, [...hostArgs, cli, 'start'], env);
  if (process.env.BENCH_HOST_LOG) host.child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const bareUrl = (await bare.waitForLine(/^ready /)).split(' ').pop() ?? '';
  const hostUrl = (await host.waitForLine(/^Vigil local host listening on /)).split(' ').pop() ?? '';
  // The host's own footprint before any upload: what the peak is measured against.
  const hostPid = host.child.pid ?? 0;
  const idleRssMB = rssMB(hostPid);
  const intake: number[] = [];
  const bareIntake: number[] = [];
  const processing: number[] = [];
  const intakeRss: number[] = [];
  const processingRss: number[] = [];
  try {
    for (let round = 1; round <= rounds; round++) {
      // Baseline and Vigil alternately, on the same bytes.
      bareIntake.push((await post(bareUrl, log, { 'content-type': 'application/json' })).ms);
      const query = new URLSearchParams({
        source: 'github',
        organization: 'bench',
        repository: 'bench/app',
        commit: String(round).repeat(40).slice(0, 40),
        branch: 'main',
      });
      // The host logs to stderr.
      const recordedSoFar = () => host.stderr().split('SARIF results recorded').length - 1;
      const recorded = recordedSoFar();
      const { value: answer, peakMB: intakePeakMB } = await sampledPeakMB(hostPid, () =>
        post(`${hostUrl}/hooks/ci?${query}`, log, {
          'content-type': 'application/sarif+json',
          authorization: `Bearer ${token}`,
        }),
      );
      if (answer.status !== 202) throw new Error(`the host answered ${answer.status}: ${answer.text}`);
      intake.push(answer.ms);
      intakeRss.push(intakePeakMB);
      const started = performance.now();
      const { peakMB: processingPeakMB } = await sampledPeakMB(hostPid, async () => {
        while (recordedSoFar() <= recorded) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      });
      processing.push((performance.now() - started + answer.ms) / 1000);
      processingRss.push(processingPeakMB);
    }
    const figures = {
      bench: 'sarif',
      results: resultCount,
      bytes: log.length,
      rounds,
      intakeMs: range(intake),
      bareIntakeMs: range(bareIntake),
      processSeconds: range(processing, 1),
      peakRssMB: peakRssMB(hostPid),
      intakeRssMB: range(intakeRss),
      processingRssMB: range(processingRss),
      idleRssMB,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    // What the host printed on stdout (with BENCH_HOST_ARGS=--trace-gc, its collections).
    if (process.env.BENCH_HOST_STDOUT) writeFileSync(process.env.BENCH_HOST_STDOUT, `${host.lines.join('\n')}\n`);
  } finally {
    host.child.kill('SIGTERM');
    bare.child.kill('SIGTERM');
    await Promise.all([host.exited, bare.exited]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`);
  process.exitCode = 1;
});
