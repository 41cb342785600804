import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeOnQueue } from '../../../shared/app/eventRoutes';
import { type AppServices, createAppServices, useServices } from '../../../shared/app/services';
import { validTimerSchedule } from '../../../shared/azureFunctions';
import type { TimerFunctionDefinition } from '../../../shared/azureFunctions/functionRegistry';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import { ManualClock } from '../../support/manualClock';
import { appFunctions } from '../../support/testHost';

/**
 * The nightly work-item timer: the registered function, run as the host runs it, asks for one
 * reconciliation per organization whose sync is on, once per occurrence of its schedule.
 */
let dataDir: string;
let services: AppServices;
let clock: ManualClock;
let timer: TimerFunctionDefinition;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-workitems-timer-'));
  clock = new ManualClock(Date.parse('2026-11-21T03:30:00.200Z'));
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), {
    clock,
    logger: createLogger({ level: 'error', sink: { write: () => undefined } }),
  });
  const organizations = services.stores.organizations;
  await organizations.add('contoso', {
    azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } },
    workItems: { enabled: true, workItemType: 'Bug', stateMapping: {} },
  });
  await organizations.add('fabrikam', { azureDevOps: { url: 'https://dev.azure.com/fabrikam', auth: { mode: 'managed-identity' } } });
  timer = (await appFunctions()).find(
    (definition): definition is TimerFunctionDefinition => definition.kind === 'timer' && definition.name === 'workItemsTimer',
  )!;
  useServices(services);
});

afterAll(async () => {
  useServices(undefined);
  await services?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function fire(): Promise<EventEnvelope[]> {
  const tick: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
  await timer.handler(tick, new InvocationContext({ functionName: timer.name, logHandler: () => undefined }));
  const messages = await services.queue.receive('workitem-sync', { maxMessages: 50, lockDurationMs: 60_000 });
  for (const message of messages) await services.queue.complete(message);
  return messages.map((message) => message.body as EventEnvelope);
}

describe('the work-item reconciliation timer', () => {
  it('runs nightly at 03:30 UTC unless VIGIL_WORKITEMS_RECONCILE_SCHEDULE says otherwise, and refuses a schedule that is none', () => {
    expect(timer.schedule).toBe('0 30 3 * * *');
    expect(loadConfig({ VIGIL_WORKITEMS_RECONCILE_SCHEDULE: '0 0 */6 * * *' }).environment.VIGIL_WORKITEMS_RECONCILE_SCHEDULE).toBe(
      '0 0 */6 * * *',
    );
    expect(() => validTimerSchedule('VIGIL_WORKITEMS_RECONCILE_SCHEDULE', '0 0 25 * * *')).toThrow(
      /invalid setting VIGIL_WORKITEMS_RECONCILE_SCHEDULE/,
    );
  });

  it('asks for one reconciliation per organization whose sync is on, once per occurrence', async () => {
    const queued = await fire();
    expect(queued.map((e) => e.id)).toEqual(['workitems-reconcile:contoso:2026-11-21T03:30:00.000Z']);
    expect(routeOnQueue('workitem-sync', queued[0])?.useCase).toBe('reconcileWorkItems');
    clock.advance(60_000);
    expect(await fire()).toEqual([]);
  });
});
