import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../shared/app/services';
import { loadConfig } from '../../shared/config';
import { leakedTokenSighting } from '../support/riskSightings';

/** `vigil risks rebuild-totals`: the overview's totals recomputed from the risks, as the compiled CLI runs it. */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
let dataDir: string;
let services: AppServices;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-totals-'));
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }));
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } },
  });
  await services.stores.risks.record(leakedTokenSighting('build:1:log:1:line:1', 'fp-a'));
  await services.stores.risks.record(leakedTokenSighting('build:1:log:1:line:2', 'fp-b'));
  // Totals that drifted: as if a process died after writing a risk and before its totals.
  await services.stores.riskTallies.tallies.patch('current', 'contoso', [
    { op: 'incr', path: '/counts/open.high.leaked-secret', value: 3 },
  ]);
});

afterAll(async () => {
  await services?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('vigil risks rebuild-totals', () => {
  it('puts the totals back to what the risks say and reports how many it read', async () => {
    expect((await services.stores.riskTallies.current('contoso'))[0].counts['open.high.leaked-secret']).toBe(5);
    const { stdout } = await promisify(execFile)(process.execPath, [cli, 'risks', 'rebuild-totals', '--json'], {
      env: { ...process.env, VIGIL_DATA_DIR: dataDir },
    });
    expect(JSON.parse(stdout)).toEqual({ rebuilt: [{ organization: 'contoso', risks: 2 }] });
    expect((await services.stores.riskTallies.current('contoso'))[0].counts).toEqual({ 'open.high.leaked-secret': 2 });
  });
});
