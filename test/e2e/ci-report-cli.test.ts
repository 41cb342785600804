import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuesSettled } from '../support/alertReceiver';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { startTestHost, type TestHost } from '../support/testHost';

/**
 * `vigil ci report` end to end: the compiled CLI as a child process, posting to a local host over
 * real HTTP. No context → exit 2 naming what to set; `vigil scan --format sarif | vigil ci report -`
 * on a GitHub Actions runner → the results become risks, and `--fail-on high` gates on them; a
 * refusal → exit 2 with Vigil's reason. The planted secret reaches neither Vigil nor the output.
 */
const cli = resolve(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
const token = `test-ci-${randomBytes(12).toString('hex')}`;
const sha = 'c'.repeat(40);

let host: TestHost;
let workspace: string;
let planted: string;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a shell line with only the variables given (no CI variables of the machine running the tests). */
function shell(line: string, env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    const child = spawn('/bin/sh', ['-c', line], {
      cwd: workspace,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: workspace,
        VIGIL_DATA_DIR: join(workspace, '.vigil-data'),
        FORCE_COLOR: '0',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

const vigil = `"${process.execPath}" "${cli}"`;

function gitHubActions(): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_SHA: sha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_REPOSITORY: 'octo/app',
    GITHUB_REPOSITORY_OWNER: 'octo',
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.com',
    VIGIL_URL: host.baseUrl,
    VIGIL_CI_TOKEN: token,
  };
}

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` (npm test does it) before this suite`);
  workspace = mkdtempSync(join(tmpdir(), 'vigil-ci-report-'));
  planted = new SecretFactory(57).gitHubToken();
  mkdirSync(join(workspace, 'repo'), { recursive: true });
  writeFileSync(join(workspace, 'repo', 'deploy.env'), `GITHUB_TOKEN=${planted}\n`);
  host = await startTestHost({ env: { VIGIL_SECRET_CI_TOKEN_OCTO: token } });
  await host.services.stores.organizations.add('octo', { github: { tokenSecret: 'github-token-octo' } });
});

afterAll(async () => {
  await host?.dispose();
  if (workspace) rmSync(workspace, { recursive: true, force: true });
});

describe('vigil ci report', () => {
  it('exits 2 and names what to set when no CI context can be found', async () => {
    writeFileSync(
      join(workspace, 'empty.sarif'),
      JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'Trivy' } }, results: [] }] }),
    );
    const run = await shell(`${vigil} ci report empty.sarif`, { VIGIL_URL: host.baseUrl, VIGIL_CI_TOKEN: token });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^vigil: no CI context: no CI environment found/);
    expect(run.stderr).toContain('commit (BUILD_SOURCEVERSION, GITHUB_SHA, CI_COMMIT_SHA, GIT_COMMIT, VIGIL_COMMIT or --commit)');
    expect(run.stderr).toContain('organization (VIGIL_ORGANIZATION or --organization');
  });

  it("posts vigil scan's SARIF from a pipe, the results become risks, and --fail-on high fails the step", async () => {
    const run = await shell(`cd repo && ${vigil} scan --format sarif . | ${vigil} ci report - --fail-on high`, gitHubActions());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^uploaded 1 result\(s\) from Vigil to Vigil \(ci:sarif-/);
    expect(run.stdout).toContain('1 result(s) at or above high: failing (--fail-on high)');
    await queuesSettled(host);
    const risks = await host.services.stores.risks.list({ organization: 'octo' });
    expect(risks).toHaveLength(1);
    expect(risks[0]).toMatchObject({
      kind: 'code-finding',
      tool: 'Vigil',
      asset: { id: 'repository:github:octo:app', name: 'octo/app' },
      evidence: { location: `deploy.env:1 @ ${sha.slice(0, 7)} (main)`, url: 'https://github.com/octo/app/actions/runs/4242' },
    });
    const everything = [run.stdout, run.stderr, JSON.stringify(risks), host.logLines.join('\n')].join('\n');
    expect(everything).not.toContain(planted);
  });

  it('exits 0 without --fail-on, and the same upload again makes no second risk', async () => {
    const run = await shell(`cd repo && ${vigil} scan --format sarif . | ${vigil} ci report - --json`, gitHubActions());
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ results: 1, tool: 'Vigil', failOn: 'none', failing: 0 });
    await queuesSettled(host);
    expect(await host.services.stores.risks.list({ organization: 'octo' })).toHaveLength(1);
  });

  it("exits 2 with Vigil's reason when Vigil refuses the results", async () => {
    const run = await shell(`${vigil} scan --format sarif repo | ${vigil} ci report -`, {
      ...gitHubActions(),
      VIGIL_CI_TOKEN: 'not-the-token',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('vigil: Vigil refused the results (HTTP 401): missing or wrong credentials\n');
  });
});
