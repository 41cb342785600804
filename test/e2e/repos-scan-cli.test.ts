import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppServices } from '../../shared/app/services';
import { registerReposScanCommand } from '../../shared/cli/commands/reposScan';
import { UsageError } from '../../shared/cli/usageError';
import { loadConfig } from '../../shared/config';
import { RepositoryContentRoutes } from '../support/azureDevOps/repositoryContentRoutes';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../support/azureDevOpsServer';
import { SecretFactory } from '../support/scanning/syntheticSecrets';

/**
 * `vigil repos scan ORG/PROJECT/REPO`, run in process the way the CLI runs it (the command is
 * registered on a bare `repos` command, as repos.ts does), against the loopback Azure DevOps with
 * the organization configured in the embedded store. Exit codes follow `vigil scan`: 0 clean,
 * 1 findings, 2 (UsageError) for a wrong argument or an unknown organization.
 */
const pat = `test-pat-${randomBytes(12).toString('hex')}`;
const token = new SecretFactory(43).gitHubToken();
let devops: AzureDevOpsServer;
let dataDir: string;
const saved = { ...process.env };

beforeAll(async () => {
  devops = await startAzureDevOpsServer({
    organization: 'contoso',
    pat,
    extensions: [
      new RepositoryContentRoutes([
        {
          id: '278d5cd2-584d-4b63-824a-2ba458937249',
          name: 'payments',
          project: 'Fabrikam',
          commits: [
            {
              commitId: 'be67f8871a4d2c75f13a51c1d3c30ac0d74d4ef4',
              changes: {
                '/src/settings.ts': `export const settings = {\n  token: "${token}",\n};\n`,
                '/node_modules/x/index.js': 'module.exports = 1;\n',
                '/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]),
              },
            },
          ],
        },
        {
          id: 'a1a1a1a1-0000-4000-8000-000000000001',
          name: 'docs',
          project: 'Fabrikam',
          commits: [{ commitId: 'd'.repeat(40), changes: { '/README.md': '# docs\n' } }],
        },
      ]),
    ],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-repos-scan-'));
  Object.assign(process.env, { VIGIL_DATA_DIR: dataDir, VIGIL_SECRET_ADO_PAT_CONTOSO: pat, VIGIL_LOG_LEVEL: 'error' });
  const services = await createAppServices(loadConfig());
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
  });
  await services.close();
});

afterAll(async () => {
  process.env = saved;
  await devops?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  error?: unknown;
}

/** `vigil repos ARGS` with the scan command registered on a bare program; output captured. */
async function vigilRepos(args: string[], options: { tty?: boolean } = {}): Promise<Run> {
  const program = new Command('vigil').exitOverride();
  const repos = program.command('repos').exitOverride();
  registerReposScanCommand(repos);
  for (const command of repos.commands) command.exitOverride();
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  const wasTty = process.stderr.isTTY;
  process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  process.stderr.isTTY = options.tty ?? false;
  process.exitCode = undefined;
  try {
    await program.parseAsync(['repos', ...args], { from: 'user' });
    return { code: Number(process.exitCode ?? 0), stdout: out.join(''), stderr: err.join('') };
  } catch (error) {
    return { code: error instanceof UsageError ? 2 : 1, stdout: out.join(''), stderr: err.join(''), error };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.stderr.isTTY = wasTty;
    process.exitCode = undefined;
  }
}

describe('vigil repos scan', () => {
  it('scans the default branch, prints a summary with the redacted finding, and exits 1', async () => {
    const run = await vigilRepos(['scan', 'contoso/Fabrikam/payments']);
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^scanned Fabrikam\/payments at refs\/heads\/main \(be67f88\): 1 files, 0\.0 MB$/);
    expect(lines[1]).toBe('skipped 2 files (binary 1, excluded 1)');
    expect(lines[2]).toBe('1 finding, 1 new risk');
    expect(lines[3]).toMatch(/^ {2}\S+ +github-\S+ {2}src\/settings\.ts:2 {2}ghp_\*+\w{4}$/);
    expect(run.stdout + run.stderr).not.toContain(token);
  });

  it('prints the scan document with --json, and counts the same commit once in the risk', async () => {
    const run = await vigilRepos(['scan', 'contoso/Fabrikam/payments', '--json']);
    expect(run.code).toBe(1);
    const record = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(record).toMatchObject({
      kind: 'repository',
      repository: 'Fabrikam/payments',
      reason: 'on-demand',
      filesScanned: 1,
      findings: 1,
      risksOpened: 0,
    });
    const services = await createAppServices(loadConfig());
    try {
      const [risk] = await services.stores.risks.list({ organization: 'contoso' });
      expect(risk).toMatchObject({ occurrences: 1, evidence: { location: 'src/settings.ts:2 @ be67f88' } });
    } finally {
      await services.close();
    }
  });

  it('exits 0 for a repository without findings, and shows progress on an interactive stderr', async () => {
    const run = await vigilRepos(['scan', 'contoso/Fabrikam/docs'], { tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 findings, 0 new risks');
    expect(run.stderr).toMatch(/scanning: \d+ files, \d+\.\d MB, \d+ skipped, 0 findings/);
  });

  it.each([
    [['scan', 'contoso/payments'], /expected ORG\/PROJECT\/REPO \(e\.g\. contoso\/web\/api\), got 'contoso\/payments'/],
    [['scan', 'northwind/web/api'], /no organization 'northwind' \(add it with: vigil orgs add northwind/],
    [['scan', 'contoso/web%ff/api'], /ORG\/PROJECT\/REPO 'web%ff' has a malformed percent-escape \(write %25 for a literal %\)/],
  ])('refuses %j with a usage error (exit 2) that says what to do', async (args, message) => {
    const run = await vigilRepos(args);
    expect(run.code).toBe(2);
    expect((run.error as Error).message).toMatch(message);
  });
});
