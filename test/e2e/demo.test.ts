import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../shared/app/services';
import { loadConfig } from '../../shared/config';
import { plantedSecrets } from '../../shared/demo';
import { createLogger } from '../../shared/logging/logger';
import type { Risk } from '../../shared/risks/risk';
import { projectIdFor } from '../../shared/simulator';
import { createVault } from '../../shared/vault/createVault';
import { spawnWatched, type WatchedProcess } from '../support/childProcess';

/**
 * `npm run demo` as a person runs it, through the compiled CLI in a child process (what the npm
 * script runs after building): `--json --keep` prints one summary object and leaves the host and the
 * simulator running, so the summary is checked against what Vigil's store holds (risks) and what
 * the simulator recorded, read through its REST API with the PAT from the demo's vault (work items,
 * pull request comments and statuses). The synthetic secrets come from a seed the test chooses, so
 * it can look for every one of them in all the demo printed.
 */
const root = join(__dirname, '..', '..');
const cli = join(root, 'dist', 'shared', 'cli', 'main.js');
const seed = randomInt(1, 2 ** 31 - 1);
const planted = plantedSecrets(seed);
const env = { PATH: process.env.PATH ?? '' };

interface Summary {
  risks: { opened: number; open: number; resolved: number; byKind: Record<string, number>; bySeverity: Record<string, number> };
  alerts: { delivered: number };
  workItems: { created: number; closed: number };
  pullRequestComments: number;
  statuses: number;
  seconds: number;
}

let dataDir: string;
let demo: WatchedProcess;
let summary: Summary;
let services: AppServices;
let simulatorUrl: string;
let pat: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-demo-test-'));
  demo = spawnWatched(process.execPath, [cli, 'demo', '--json', '--keep', '--data-dir', dataDir, '--seed', String(seed)], env, root);
  summary = JSON.parse(await demo.waitForLine(/^\{/)) as Summary;
  const config = loadConfig({ VIGIL_DATA_DIR: dataDir });
  // The demo's own data folder, opened beside its running host as `vigil status` would.
  services = await createAppServices(config, {
    logger: createLogger({ sink: { write: () => undefined } }),
    vault: createVault(config, { env: { VIGIL_DATA_DIR: dataDir } }),
  });
  const settings = await services.stores.organizations.get('demo');
  simulatorUrl = settings?.azureDevOps?.url ?? '';
  pat = (await services.vault.getSecret('ado-pat-demo')) ?? '';
});

afterAll(async () => {
  await services?.close();
  if (demo && demo.child.exitCode === null) {
    demo.child.kill('SIGINT');
    await demo.exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** A GET or POST on the simulator's REST API, as Vigil's own client calls it. */
async function simulator<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${simulatorUrl}/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Basic ${Buffer.from(`:${pat}`).toString('base64')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

function tally(risks: Risk[], key: (r: Risk) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const risk of risks) counts[key(risk)] = (counts[key(risk)] ?? 0) + 1;
  return counts;
}

describe('npm run demo -- --json', () => {
  it('prints exactly one summary object with the six fields', () => {
    expect(demo.lines).toHaveLength(1);
    expect(Object.keys(summary).sort()).toEqual(['alerts', 'pullRequestComments', 'risks', 'seconds', 'statuses', 'workItems']);
    expect(summary.seconds).toBeGreaterThan(0);
  });

  it('counts the risks Vigil holds: leaked secrets from builds and a push, a service connection open to every pipeline, one resolved', async () => {
    const risks = await services.stores.risks.list({ organization: 'demo' });
    expect(summary.risks).toEqual({
      opened: risks.length,
      open: risks.filter((r) => r.status === 'open').length,
      resolved: risks.filter((r) => r.status === 'resolved').length,
      byKind: tally(risks, (r) => r.kind),
      bySeverity: tally(risks, (r) => r.severity),
    });
    // Plain, base64 in a header, two in an environment dump, and the pushed key.
    expect(risks.filter((r) => r.kind === 'leaked-secret')).toHaveLength(5);
    expect(risks.map((r) => r.ruleId)).toContain('service-connection/open-to-all-pipelines');
    expect(summary.risks.resolved).toBe(1);
    expect(summary.alerts.delivered).toBe(risks.length);
  });

  it('counts the work items the simulator holds, one closed by a person', async () => {
    const { workItems } = await simulator<{ workItems: Array<{ id: number }> }>('Payments/_apis/wit/wiql?api-version=7.1', {
      query: "SELECT [System.Id] FROM WorkItems WHERE [System.TeamProject] = 'Payments'",
    });
    const { value } = await simulator<{ value: Array<{ fields: Record<string, string> }> }>(
      `_apis/wit/workitems?ids=${workItems.map((w) => w.id).join(',')}&api-version=7.1`,
    );
    expect(summary.workItems).toEqual({
      created: value.length,
      closed: value.filter((w) => w.fields['System.State'] === 'Closed').length,
    });
    expect(summary.workItems.closed).toBe(1);
    expect(summary.workItems.created).toBe(summary.risks.opened);
  });

  it('counts the pull request comments and statuses the simulator recorded from Vigil', async () => {
    const base = `Payments/_apis/git/repositories/${projectIdFor('Payments/payments-api')}/pullRequests/1`;
    const threads = (
      await simulator<{ value: Array<{ comments: Array<{ author: { displayName: string } }> }> }>(`${base}/threads?api-version=7.1`)
    ).value;
    const statuses = (await simulator<{ value: unknown[] }>(`${base}/statuses?api-version=7.1`)).value;
    expect(summary.pullRequestComments).toBe(threads.flatMap((t) => t.comments).filter((c) => c.author.displayName === 'Vigil').length);
    expect(summary.pullRequestComments).toBeGreaterThanOrEqual(2); // the summary and the finding's thread
    expect(summary.statuses).toBe(statuses.length);
  });

  it('leaves a simulator that serves the repository as an archive, which a full scan finds the pushed key in', async () => {
    const scan = await promisify(execFile)(process.execPath, [cli, 'repos', 'scan', 'demo/Payments/payments-api'], {
      env: { ...env, VIGIL_DATA_DIR: dataDir },
    }).then(
      () => ({ code: 0, stdout: '' }),
      (error: { code: number; stdout: string }) => error,
    );
    expect(scan.code).toBe(1); // findings
    expect(scan.stdout).toMatch(/critical private-key\s+deploy\/signing-key\.pem:1/);
    for (const secret of planted) expect(scan.stdout).not.toContain(secret);
  });

  it('stops cleanly on Ctrl+C with exit code 0, having printed no planted secret and not the PAT', async () => {
    demo.child.kill('SIGINT');
    expect((await demo.exited).code).toBe(0);
    const printed = [...demo.lines, demo.stderr()].join('\n');
    expect(printed).toContain('Press Ctrl+C to stop');
    // The host stays up, so the summary gives the overview's address with this start's token.
    expect(printed).toMatch(/overview\s+http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/);
    for (const secret of [...planted, pat]) expect(printed).not.toContain(secret);
  });
});

describe('npm run demo', () => {
  it('prints its progress, each alert redacted, and the summary with how to keep the overview open, and no planted secret', async () => {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, 'demo', '--seed', String(seed)], { env, cwd: root });
    expect(stdout).toMatch(/build 101 finishes: .*\n(.*\n)*\s+alert \[critical\] .*ghp_\*+/);
    expect(stdout).toMatch(/pull request 1 is opened.*\n\s+→ posted back: \d+ thread\(s\), status secret-scan 'failed'/);
    expect(stdout).toMatch(/closes work item #\d+.*\n\s+→ 1 risk resolved/);
    expect(stdout).toMatch(/risks opened\s+\d+ \(\d+ open, 1 resolved\)/);
    expect(stdout).toMatch(/overview\s+run npm run demo -- --keep to open it/);
    for (const secret of planted) expect(stdout + stderr).not.toContain(secret);
  });

  it('answers a usage error with exit code 2 and --help with what it plays', async () => {
    const bad = await promisify(execFile)(process.execPath, [cli, 'demo', '--seed', 'x'], { env }).then(
      () => ({ code: 0 }),
      (error: { code: number }) => error,
    );
    expect(bad.code).toBe(2);
    const used = await promisify(execFile)(process.execPath, [cli, 'demo', '--data-dir', dataDir], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(used).toMatchObject({ code: 2, stderr: expect.stringMatching(/is not empty: the demo starts from a fresh folder/) });
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'demo', '--help'], { env });
    expect(stdout).toMatch(/--json[\s\S]*--keep[\s\S]*Exit codes: 0 done, 1 a step failed/);
  });
});
