import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretFactory } from '../support/scanning/syntheticSecrets';

/**
 * A token in a file name: `vigil scan` (the compiled CLI) reports it as a finding of its own and
 * never prints it, neither as that finding's location nor as the location of what the file holds.
 */
const cli = resolve(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
const factory = new SecretFactory(404);
const inName = factory.gitHubToken();
const inFolder = factory.gitHubToken();
const inContent = factory.slackBotToken();
let workspace: string;

function vigil(...args: string[]) {
  const result = spawnSync(process.execPath, [cli, 'scan', ...args], {
    cwd: workspace,
    encoding: 'utf8',
    env: { ...process.env, VIGIL_DATA_DIR: join(workspace, '.vigil-data'), VIGIL_FINGERPRINT_KEY: '', FORCE_COLOR: '0' },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'vigil-scan-paths-'));
  mkdirSync(join(workspace, 'tree', inFolder), { recursive: true });
  writeFileSync(join(workspace, 'tree', `dump-${inName}.txt`), 'nothing to see here\n');
  writeFileSync(join(workspace, 'tree', inFolder, 'settings.env'), `SLACK_BOT_TOKEN=${inContent}\n`);
  // A second file under the same folder: the folder's token is still one finding.
  writeFileSync(join(workspace, 'tree', inFolder, 'readme.md'), 'nothing here either\n');
});

afterAll(() => rmSync(workspace, { recursive: true, force: true }));

describe('vigil scan on a folder whose paths hold tokens', () => {
  it('reports each token in a path, redacted, and prints no token anywhere (text)', () => {
    const run = vigil('tree');
    expect(run.status).toBe(1);
    for (const token of [inName, inFolder, inContent]) expect(run.stdout + run.stderr).not.toContain(token);
    expect(run.stdout).toMatch(
      new RegExp(`tree/dump-${inName.slice(0, 4)}\\*+${inName.slice(-4)}\\.txt:0:\\d+ .*github-pat.*in the file name`),
    );
    expect(run.stdout).toMatch(/slack-bot-token/);
    expect(run.stdout).toMatch(/^3 secrets found/m);
  });

  it('marks path findings in the JSON report and keeps their content findings under the redacted path', () => {
    const run = vigil('tree', '--format', 'json');
    for (const token of [inName, inFolder, inContent]) expect(run.stdout).not.toContain(token);
    const { findings } = JSON.parse(run.stdout) as { findings: Array<{ ruleId: string; path: string; line: number; location?: string }> };
    expect(findings.filter((f) => f.location === 'path').map((f) => f.ruleId)).toEqual(['github-pat', 'github-pat']);
    const content = findings.find((f) => f.ruleId === 'slack-bot-token');
    expect(content).toMatchObject({ line: 1 });
    expect(content?.location).toBeUndefined();
    expect(content?.path).toMatch(/^tree\/ghp_\*+.{4}\/settings\.env$/);
  });

  it('gives path findings no region in SARIF, and no token', () => {
    const run = vigil('tree', '--format', 'sarif');
    for (const token of [inName, inFolder, inContent]) expect(run.stdout).not.toContain(token);
    const sarif = JSON.parse(run.stdout) as {
      runs: Array<{ results: Array<{ message: { text: string }; locations: Array<{ physicalLocation: { region?: unknown } }> }> }>;
    };
    const inFileName = sarif.runs[0].results.filter((r) => r.message.text.includes('in the file name'));
    expect(inFileName).toHaveLength(2);
    for (const result of inFileName) expect(result.locations[0].physicalLocation.region).toBeUndefined();
  });
});
