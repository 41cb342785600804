import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompiledCli } from '../support/compiledCli';

/** `vigil orgs add --verify` and `vigil orgs verification`: the organization setting that turns verification on for build-log scans. */
let env: NodeJS.ProcessEnv;
let dataDir: string;

const vigil = (...args: string[]) => runCompiledCli(env, ...args);

const verificationOf = async (name: string) =>
  (JSON.parse((await vigil('orgs', 'show', name, '--json')).stdout) as { verification?: { enabled: boolean } }).verification;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-orgs-verify-'));
  env = { PATH: process.env.PATH, VIGIL_DATA_DIR: dataDir };
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('verification in organization settings', () => {
  it('is off unless asked for, and --verify on add turns it on', async () => {
    expect((await vigil('orgs', 'add', 'contoso', '--github-token-secret', 'gh-contoso')).code).toBe(0);
    expect(await verificationOf('contoso')).toBeUndefined();
    expect((await vigil('orgs', 'add', 'fabrikam', '--github-token-secret', 'gh-fabrikam', '--verify')).code).toBe(0);
    expect(await verificationOf('fabrikam')).toEqual({ enabled: true });
  });

  it('is turned on and off with vigil orgs verification', async () => {
    expect(await vigil('orgs', 'verification', 'contoso', '--enable')).toMatchObject({
      code: 0,
      stdout: "organization 'contoso': verification on\n",
    });
    expect(await verificationOf('contoso')).toEqual({ enabled: true });
    expect((await vigil('orgs', 'verification', 'contoso', '--disable')).stdout).toBe("organization 'contoso': verification off\n");
    expect(await verificationOf('contoso')).toEqual({ enabled: false });
  });

  it('needs exactly one of --enable and --disable', async () => {
    const run = await vigil('orgs', 'verification', 'contoso');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('give one of --enable or --disable');
  });
});
