import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TimerFunctionDefinition } from '../../shared/azureFunctions/functionRegistry';
import { leakedTokenSighting } from '../support/riskSightings';
import { startTestHost, type TestHost } from '../support/testHost';

/**
 * The local host runs the risk totals timer on its schedule, as it runs every registered timer
 * (shared/localHost/timerSchedule.ts). The schedule is read from VIGIL_RISK_TOTALS_SCHEDULE when the
 * function file loads; here every second, so the test waits for the host's own run, not for an hour.
 */
let host: TestHost;
const previousSchedule = process.env.VIGIL_RISK_TOTALS_SCHEDULE;

beforeAll(async () => {
  process.env.VIGIL_RISK_TOTALS_SCHEDULE = '* * * * * *';
  host = await startTestHost();
});

afterAll(async () => {
  await host?.dispose();
  if (previousSchedule === undefined) delete process.env.VIGIL_RISK_TOTALS_SCHEDULE;
  else process.env.VIGIL_RISK_TOTALS_SCHEDULE = previousSchedule;
});

describe('the local host and the risk totals timer', () => {
  it('registers the timer with the schedule from VIGIL_RISK_TOTALS_SCHEDULE', () => {
    const timer = host.functions.find((f): f is TimerFunctionDefinition => f.kind === 'timer' && f.name === 'riskTotalsTimer');
    expect(timer?.schedule).toBe('* * * * * *');
  });

  it('corrects totals that drifted on its own, on its schedule', async () => {
    const { stores } = host.services;
    await stores.organizations.add('contoso', {
      azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } },
    });
    await stores.risks.record(leakedTokenSighting('build:1:log:1:line:1', 'fp-a'));
    // As if the process had died between writing a risk and moving its totals.
    await stores.riskTallies.tallies.patch('current', 'contoso', [{ op: 'incr', path: '/counts/open.high.leaked-secret', value: 2 }]);

    const line = JSON.parse(await host.waitForLog(/risk totals reconciled for 1 organization\(s\): 1 corrected/)) as Record<
      string,
      unknown
    >;

    expect(line.function).toBe('riskTotalsTimer');
    const counts = (await stores.riskTallies.current('contoso'))[0].counts;
    expect(counts['open.high.leaked-secret']).toBe(1);
  });
});
