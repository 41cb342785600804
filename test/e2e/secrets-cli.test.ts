import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLocalVault } from '../../shared/vault/local/localVault';

/** `vigil secrets` as an operator runs it: the compiled CLI in its own process, the value on stdin. */
const cli = resolve(__dirname, '../../dist/shared/cli/main.js');
const token = () => `tok-${randomBytes(18).toString('base64url')}`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let home: string;
let dataDir: string;

function vigil(args: string[], stdin = '', extraEnv: Record<string, string> = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // The local vault, whatever the developer's shell has set.
  delete env.KEY_VAULT_URL;
  delete env.VIGIL_VAULT_KEY;
  Object.assign(env, { VIGIL_DATA_DIR: dataDir }, extraEnv);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: home, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run 'npx tsc -p tsconfig.json' first`);
});
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'vigil-secrets-cli-'));
  dataDir = join(home, '.vigil');
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('vigil secrets', () => {
  it('sets from stdin, lists names only, deletes; the value is never printed', async () => {
    const value = token();
    const set = await vigil(['secrets', 'set', 'ado-pat-contoso'], `${value}\n`);
    expect(set).toMatchObject({ code: 0 });
    expect(set.stdout).toContain("stored secret 'ado-pat-contoso' in local vault");
    await vigil(['secrets', 'set', 'hooks-github'], token());

    // Stored as typed, minus the line break `echo` adds, and sealed on disk.
    expect(await createLocalVault({ dataDir, env: {} }).getSecret('ado-pat-contoso')).toBe(value);
    expect(readFileSync(join(dataDir, 'vault.json'), 'utf8')).not.toContain(value);

    const list = await vigil(['secrets', 'list']);
    expect(list).toEqual({ code: 0, stdout: 'ado-pat-contoso\nhooks-github\n', stderr: '' });
    const json = await vigil(['secrets', 'list', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ secrets: ['ado-pat-contoso', 'hooks-github'] });

    const removed = await vigil(['secrets', 'delete', 'ado-pat-contoso']);
    expect(removed.code).toBe(0);
    expect((await vigil(['secrets', 'list', '--json'])).stdout).toBe('{"secrets":["hooks-github"]}\n');

    const again = await vigil(['secrets', 'delete', 'ado-pat-contoso']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^vigil: no secret 'ado-pat-contoso' in local vault .*\n$/);

    for (const run of [set, list, json, removed, again]) {
      expect(run.stdout + run.stderr).not.toContain(value);
    }
  });

  it('exits 2 with one line for a bad name', async () => {
    const run = await vigil(['secrets', 'set', 'ado_pat'], token());
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "vigil: invalid secret name 'ado_pat': use 1-127 letters, digits and '-' (Key Vault's rule), e.g. ado-pat-contoso\n",
    );
    expect((await vigil(['secrets', 'delete', 'a/b'])).code).toBe(2);
    expect(existsSync(join(dataDir, 'vault.json'))).toBe(false);
  });

  it('exits 2 with one line for an empty value', async () => {
    for (const input of ['', '\n']) {
      const run = await vigil(['secrets', 'set', 'ado-pat'], input);
      expect(run.code).toBe(2);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain("empty value for secret 'ado-pat'");
    }
    expect(existsSync(join(dataDir, 'vault.json'))).toBe(false);
  });

  it('refuses a value on the command line without echoing it', async () => {
    const value = token();
    const run = await vigil(['secrets', 'set', 'ado-pat', value]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('never from the command line');
    expect(run.stdout + run.stderr).not.toContain(value);
    expect(existsSync(join(dataDir, 'vault.json'))).toBe(false);
  });

  it('exits 2 naming the setting when the vault key is malformed', async () => {
    const run = await vigil(['secrets', 'set', 'ado-pat'], token(), { VIGIL_VAULT_KEY: 'not-a-key' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^vigil: VIGIL_VAULT_KEY must hold a 32-byte key in base64/);
  });

  it('documents itself', async () => {
    const run = await vigil(['secrets', 'set', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('read from stdin, or from a hidden prompt');
  });
});
