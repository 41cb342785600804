import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices, useServices } from '../../shared/app/services';
import type { TimerFunctionDefinition } from '../../shared/azureFunctions/functionRegistry';
import { loadConfig } from '../../shared/config';
import { createLogger } from '../../shared/logging/logger';
import { ManualClock } from '../support/manualClock';
import { leakedTokenSighting } from '../support/riskSightings';
import { appFunctions } from '../support/testHost';

/** `vigil risks rebuild-totals`: the overview's totals recomputed from the risks, as the compiled CLI runs it. */
const cli = join(__dirname, '..', '..', 'dist', 'shared', 'cli', 'main.js');
let dataDir: string;
let services: AppServices;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-totals-'));
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), {
    clock: new ManualClock(), // Friday 2026-11-20: the risks open in the week of Monday 2026-11-16
    logger: createLogger({ level: 'error', sink: { write: () => undefined } }),
  });
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } },
  });
  const { risk } = await services.stores.risks.record(leakedTokenSighting('build:1:log:1:line:1', 'fp-a'));
  await services.stores.risks.record(leakedTokenSighting('build:1:log:1:line:2', 'fp-b'));
  await services.stores.risks.triage('contoso', risk.id, { status: 'accepted', reason: 'a test fixture', by: 'Dana', source: 'cli' });
  await drift();
});

afterAll(async () => {
  useServices(undefined);
  await services?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Totals that drifted: as if a process died after writing a risk and before its totals, and a week no risk counts in. */
async function drift(): Promise<void> {
  await services.stores.riskTallies.tallies.patch('current', 'contoso', [
    { op: 'incr', path: '/counts/open.high.leaked-secret', value: 3 },
  ]);
  await services.stores.riskTallies.tallies.upsert({
    id: 'week:2020-01-06',
    organization: 'contoso',
    scope: 'week',
    week: '2020-01-06',
    counts: { opened: 9 },
  });
}

/** Every tally document's id and counts, without zeros: what the overview reads. */
async function snapshot(): Promise<Array<[string, Record<string, number>]>> {
  return (await services.stores.riskTallies.stored('contoso'))
    .map((tally): [string, Record<string, number>] => [
      tally.id,
      Object.fromEntries(Object.entries(tally.counts).filter(([, n]) => n !== 0)),
    ])
    .sort(([a], [b]) => a.localeCompare(b));
}

async function rebuildTotals(): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'risks', 'rebuild-totals', '--json'], {
    env: { ...process.env, VIGIL_DATA_DIR: dataDir },
  });
  return JSON.parse(stdout);
}

describe('vigil risks rebuild-totals', () => {
  let rebuilt: Array<[string, Record<string, number>]>;

  it('puts the totals back to what the risks say and reports what it corrected', async () => {
    expect((await services.stores.riskTallies.current('contoso'))[0].counts['open.high.leaked-secret']).toBe(4);
    expect(await rebuildTotals()).toEqual({
      rebuilt: [{ organization: 'contoso', risks: 2, corrected: 2, counts: 2, outcome: 'corrected', attempts: 1 }],
    });
    rebuilt = await snapshot();
    expect(rebuilt).toEqual([
      ['current', { 'open.high.leaked-secret': 1, 'accepted.high.leaked-secret': 1 }],
      ['week:2026-11-16', { opened: 2 }],
    ]);
  });

  it('writes nothing when run again', async () => {
    const etags = (await services.stores.riskTallies.stored('contoso')).map((tally) => tally._etag);
    expect(await rebuildTotals()).toEqual({
      rebuilt: [{ organization: 'contoso', risks: 2, corrected: 0, counts: 0, outcome: 'unchanged', attempts: 1 }],
    });
    expect((await services.stores.riskTallies.stored('contoso')).map((tally) => tally._etag)).toEqual(etags);
  });

  it('agrees with the hourly timer on the same data', async () => {
    await drift();
    const timer = (await appFunctions()).find(
      (definition): definition is TimerFunctionDefinition => definition.kind === 'timer' && definition.name === 'riskTotalsTimer',
    )!;
    useServices(services);
    const tick: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
    await timer.handler(tick, new InvocationContext({ functionName: timer.name, logHandler: () => undefined }));
    expect(await snapshot()).toEqual(rebuilt);
  });
});
