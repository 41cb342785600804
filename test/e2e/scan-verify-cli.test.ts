import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { type LoopbackService, startNpmRegistryServer, startSlackServer } from '../support/verification/verificationServers';

/**
 * `vigil scan --verify` end to end: the compiled CLI, with the services' endpoints pointed at
 * loopback stand-ins (VIGIL_VERIFY_*_URL). Verification is off unless asked for, live credentials
 * come first, and no output holds a secret.
 */
const cli = resolve(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
const factory = new SecretFactory(7020);
const liveSlack = factory.slackBotToken();
const revokedNpm = factory.npmToken();
const input = `npm config set //registry.npmjs.org/:_authToken=${revokedNpm}\nPosting build status with token ${liveSlack}\n`;

let slack: LoopbackService;
let npm: LoopbackService;
let dataDir: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function vigil(args: readonly string[], environment: Record<string, string> = {}): Promise<Run> {
  // Asynchronous: the stand-ins answer from this process's event loop while the CLI runs.
  return new Promise((resolveRun) => {
    const child = execFile(
      process.execPath,
      [cli, ...args],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, VIGIL_DATA_DIR: dataDir, VIGIL_FINGERPRINT_KEY: '', FORCE_COLOR: '0', ...environment },
      },
      (error, stdout, stderr) => resolveRun({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(input);
  });
}

const endpoints = () => ({ VIGIL_VERIFY_SLACK_URL: slack.url, VIGIL_VERIFY_NPM_URL: npm.url });

beforeAll(async () => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` (npm test does it) before this suite`);
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-scan-verify-'));
  slack = await startSlackServer({ liveTokens: [liveSlack] });
  npm = await startNpmRegistryServer({ liveTokens: [] });
});

afterAll(async () => {
  await Promise.all([slack?.close(), npm?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('vigil scan --verify', () => {
  it('records whether each credential is live and lists live ones first', async () => {
    const run = await vigil(['scan', '--verify', '--format', 'json', '-'], endpoints());
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as { findings: { ruleId: string; line: number; liveness?: unknown }[] };
    expect(report.findings.map(({ ruleId, line, liveness }) => ({ ruleId, line, liveness }))).toEqual([
      { ruleId: 'slack-bot-token', line: 2, liveness: { status: 'live', service: 'slack' } },
      { ruleId: 'npm-access-token', line: 1, liveness: { status: 'revoked', service: 'npm' } },
    ]);
    for (const text of [run.stdout, run.stderr]) for (const secret of [liveSlack, revokedNpm]) expect(text).not.toContain(secret);
  });

  it('says LIVE in the text report', async () => {
    const run = await vigil(['scan', '--verify', '-'], endpoints());
    expect(run.stdout.split('\n')[0]).toContain('LIVE (slack)');
    expect(run.stdout).toContain('revoked (npm)');
  });

  it('asks no service without --verify', async () => {
    const before = slack.calls.length + npm.calls.length;
    const run = await vigil(['scan', '--format', 'json', '-'], endpoints());
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('liveness');
    expect(slack.calls.length + npm.calls.length).toBe(before);
  });

  it('refuses an endpoint override that would send credentials off this machine in clear', async () => {
    const run = await vigil(['scan', '--verify', '-'], { VIGIL_VERIFY_SLACK_URL: 'http://slack.example.com/api' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('VIGIL_VERIFY_SLACK_URL must be an https URL');
  });
});
