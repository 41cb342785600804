import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext, type Timer } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices, useServices } from '../../../shared/app/services';
import { scheduleSlot, validTimerSchedule } from '../../../shared/azureFunctions';
import type { TimerFunctionDefinition } from '../../../shared/azureFunctions/functionRegistry';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import { ManualClock } from '../../support/manualClock';
import { appFunctions } from '../../support/testHost';

/**
 * The nightly inventory timer: the registered function, run as the host runs it, against the
 * embedded store and queue on a manual clock.
 */
let dataDir: string;
let services: AppServices;
let clock: ManualClock;
let timer: TimerFunctionDefinition;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-inventory-timer-'));
  clock = new ManualClock(Date.parse('2026-11-21T02:00:00.250Z'));
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), {
    clock,
    logger: createLogger({ level: 'error', sink: { write: () => undefined } }),
  });
  const organizations = services.stores.organizations;
  await organizations.add('contoso', { azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } } });
  await organizations.add('fabrikam', {
    azureDevOps: { url: 'https://dev.azure.com/fabrikam', auth: { mode: 'pat', tokenSecret: 'ado-pat-fabrikam' } },
  });
  await organizations.add('octo', { github: { tokenSecret: 'github-octo' } });
  timer = (await appFunctions()).find(
    (definition): definition is TimerFunctionDefinition => definition.kind === 'timer' && definition.name === 'inventoryTimer',
  )!;
  useServices(services);
});

afterAll(async () => {
  useServices(undefined);
  await services?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function fire(): Promise<void> {
  const tick: Timer = { isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } };
  await timer.handler(tick, new InvocationContext({ functionName: timer.name, logHandler: () => undefined }));
}

async function takeQueued(): Promise<EventEnvelope[]> {
  const messages = await services.queue.receive('repo-scan', { maxMessages: 50, lockDurationMs: 60_000 });
  for (const message of messages) await services.queue.complete(message);
  return messages.map((message) => message.body as EventEnvelope);
}

describe('the inventory timer', () => {
  it('runs nightly at 02:00 UTC unless VIGIL_INVENTORY_SCHEDULE says otherwise', () => {
    expect(timer.schedule).toBe(loadConfig().environment.VIGIL_INVENTORY_SCHEDULE);
    expect(loadConfig({}).environment.VIGIL_INVENTORY_SCHEDULE).toBe('0 0 2 * * *');
    expect(loadConfig({ VIGIL_INVENTORY_SCHEDULE: '0 30 */6 * * *' }).environment.VIGIL_INVENTORY_SCHEDULE).toBe('0 30 */6 * * *');
  });

  it.each([['0 0 2 * * *'.slice(2)], ['every night']])('refuses the schedule %j with one line naming the setting', (schedule) => {
    expect(() => loadConfig({ VIGIL_INVENTORY_SCHEDULE: schedule })).toThrow(
      /invalid setting VIGIL_INVENTORY_SCHEDULE .*six NCRONTAB fields/,
    );
  });

  it('refuses a schedule of six fields that is no schedule, naming the setting', () => {
    expect(() => validTimerSchedule('VIGIL_INVENTORY_SCHEDULE', '0 0 25 * * *')).toThrow(
      /invalid setting VIGIL_INVENTORY_SCHEDULE '0 0 25 \* \* \*'/,
    );
  });

  it('asks for one inventory per organization with Azure DevOps settings, on repo-scan', async () => {
    await fire();
    const queued = await takeQueued();
    expect(queued.map((envelope) => envelope.id).sort()).toEqual([
      'inventory:contoso:2026-11-21T02:00:00.000Z',
      'inventory:fabrikam:2026-11-21T02:00:00.000Z',
    ]);
    expect(queued[0]).toMatchObject({ source: 'vigil', type: 'inventory.requested' });
  });

  it('asks once when the same occurrence fires twice', async () => {
    clock.advance(90_000); // a second firing of the 02:00 occurrence, 90 s later
    await fire();
    expect(await takeQueued()).toEqual([]);
  });

  it('asks again at the next occurrence', async () => {
    clock.advance(24 * 3_600_000);
    await fire();
    expect((await takeQueued()).map((envelope) => envelope.id).sort()).toEqual([
      'inventory:contoso:2026-11-22T02:00:00.000Z',
      'inventory:fabrikam:2026-11-22T02:00:00.000Z',
    ]);
  });
});

describe('the schedule slot of a timer run', () => {
  it.each([
    ['on time', '0 0 2 * * *', '2026-11-21T02:00:00.300Z', '2026-11-21T02:00:00.000Z'],
    ['a few minutes late', '0 0 2 * * *', '2026-11-21T02:04:10.000Z', '2026-11-21T02:00:00.000Z'],
    ['long past due: the minute it ran', '0 0 2 * * *', '2026-11-21T07:12:45.000Z', '2026-11-21T07:12:00.000Z'],
    ['every five minutes', '0 */5 * * * *', '2026-11-21T10:17:02.000Z', '2026-11-21T10:15:00.000Z'],
  ])('is the occurrence it belongs to when %s', (_case, schedule, firedAt, slot) => {
    expect(scheduleSlot(schedule, Date.parse(firedAt))).toBe(slot);
  });
});
