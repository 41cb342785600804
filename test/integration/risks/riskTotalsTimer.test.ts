import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AppServices, createAppServices, useServices } from '../../../shared/app/services';
import { validTimerSchedule } from '../../../shared/azureFunctions';
import type { TimerFunctionDefinition } from '../../../shared/azureFunctions/functionRegistry';
import { loadConfig } from '../../../shared/config';
import { TransientError } from '../../../shared/errors';
import { createLogger } from '../../../shared/logging/logger';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting } from '../../support/riskSightings';
import { captureTelemetry, points, type TelemetryCapture } from '../../support/telemetryCapture';
import { appFunctions } from '../../support/testHost';

/**
 * The hourly risk-totals timer: the registered function, run as the host runs it, against the embedded
 * store, after a risk was written while its totals' move failed (the failure injected into the tally
 * container's write, where a crash or an unreachable store would hit it).
 */
let dataDir: string;
let services: AppServices;
let timer: TimerFunctionDefinition;
let capture: TelemetryCapture;
const logLines: string[] = [];

beforeAll(async () => {
  capture = await captureTelemetry();
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-risk-totals-timer-'));
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_LOG_FORMAT: 'json' }), {
    clock: new ManualClock(Date.parse('2026-11-21T10:15:00.000Z')),
    logger: createLogger({ level: 'info', format: 'json', sink: { write: (line) => void logLines.push(line) } }),
  });
  for (const organization of ['contoso', 'fabrikam']) {
    await services.stores.organizations.add(organization, {
      azureDevOps: { url: `https://dev.azure.com/${organization}`, auth: { mode: 'managed-identity' } },
    });
  }
  timer = (await appFunctions()).find(
    (definition): definition is TimerFunctionDefinition => definition.kind === 'timer' && definition.name === 'riskTotalsTimer',
  )!;
  useServices(services);
});

afterAll(async () => {
  useServices(undefined);
  await services?.close();
  await capture?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function fire(): Promise<string[]> {
  const said: string[] = [];
  const tick: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
  await timer.handler(
    tick,
    new InvocationContext({ functionName: timer.name, logHandler: (_level, ...args) => void said.push(args.join(' ')) }),
  );
  return said;
}

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

async function totals(organization: string): Promise<Record<string, number>> {
  return nonZero((await services.stores.riskTallies.current(organization))[0]?.counts ?? {});
}

async function fullCount(organization: string): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  for (const risk of await services.stores.risks.list({ organization })) {
    const key = `${risk.status}.${risk.severity}.${risk.kind}`;
    counted[key] = (counted[key] ?? 0) + 1;
  }
  return counted;
}

describe('the risk totals timer', () => {
  it('runs hourly at minute 15 unless VIGIL_RISK_TOTALS_SCHEDULE says otherwise, and refuses a schedule that is none', () => {
    expect(timer.schedule).toBe('0 15 * * * *');
    expect(loadConfig({ VIGIL_RISK_TOTALS_SCHEDULE: '0 */10 * * * *' }).environment.VIGIL_RISK_TOTALS_SCHEDULE).toBe('0 */10 * * * *');
    expect(() => loadConfig({ VIGIL_RISK_TOTALS_SCHEDULE: 'hourly' })).toThrow(/VIGIL_RISK_TOTALS_SCHEDULE/);
    expect(() => validTimerSchedule('VIGIL_RISK_TOTALS_SCHEDULE', '0 61 * * * *')).toThrow(/invalid setting VIGIL_RISK_TOTALS_SCHEDULE/);
  });

  it("puts an organization's totals back to a full count of its risks after a risk was written while its tally move failed", async () => {
    const risks = services.stores.risks;
    const { risk } = await risks.record(leakedTokenSighting('build:1:log:1:line:1', 'fp-a'));
    await risks.record(leakedTokenSighting('build:1:log:1:line:2', 'fp-b'));
    const tallyWrites = services.stores.riskTallies.tallies;
    // The risk is written; the move of its totals fails, as after a crash or an unreachable store.
    vi.spyOn(tallyWrites, 'patch').mockRejectedValueOnce(new TransientError('the store is unreachable (injected)'));
    await risks.triage('contoso', risk.id, { status: 'resolved', reason: 'rotated', by: 'Dana', source: 'cli' });
    vi.restoreAllMocks();
    expect(await totals('contoso')).toEqual({ 'open.high.leaked-secret': 2 });
    expect(await fullCount('contoso')).toEqual({ 'open.high.leaked-secret': 1, 'resolved.high.leaked-secret': 1 });

    logLines.length = 0;
    expect(await fire()).toEqual(['risk totals reconciled for 2 organization(s): 1 corrected, 0 left to the next run']);

    expect(await totals('contoso')).toEqual(await fullCount('contoso'));
    const lines = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.organization === 'contoso')).toMatchObject({
      level: 'warn',
      message: 'risk totals corrected: they had drifted from the risks',
      organization: 'contoso',
      risks: 2,
      corrected: 2,
      counts: 3,
      outcome: 'corrected',
      attempts: 1,
    });
    expect(lines.find((line) => line.organization === 'fabrikam')).toMatchObject({ outcome: 'unchanged', risks: 0, corrected: 0 });
    // Counts only: nothing of the risk itself.
    for (const text of [risk.id, risk.evidence.redacted, risk.title, risk.asset.name]) expect(logLines.join('\n')).not.toContain(text);
    expect(points(await capture.metrics(), 'vigil.risks.totals_corrected')).toEqual([{ attributes: {}, value: 2 }]);
  });

  it('writes nothing on a second run', async () => {
    const before = (await services.stores.riskTallies.stored('contoso')).map((tally) => [tally.id, tally._etag]);
    logLines.length = 0;

    expect(await fire()).toEqual(['risk totals reconciled for 2 organization(s): 0 corrected, 0 left to the next run']);

    expect((await services.stores.riskTallies.stored('contoso')).map((tally) => [tally.id, tally._etag])).toEqual(before);
    expect(logLines.map((line) => JSON.parse(line).outcome)).toEqual(['unchanged', 'unchanged']);
    expect(points(await capture.metrics(), 'vigil.risks.totals_corrected')).toEqual([{ attributes: {}, value: 2 }]);
  });
});
