import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type AzureDevOpsServer, startAzureDevOpsServer } from '../../support/azureDevOpsServer';
import { ManualClock } from '../../support/manualClock';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * What the build-scan handler does when Azure DevOps pushes back: a throttled log download is
 * rescheduled at the stated time and finishes later with nothing lost or counted twice; a
 * refused credential parks the event with a reason an operator can act on.
 */
const project = 'web';
const buildId = 41;
const leaked = new SecretFactory(11).gitHubToken();
const pat = `test-pat-${randomBytes(12).toString('hex')}`;

let devops: AzureDevOpsServer;
let services: AppServices;
let clock: ManualClock;
let dataDir: string;
const logLines: string[] = [];

beforeEach(async () => {
  devops = await startAzureDevOpsServer({
    organization: 'contoso',
    pat,
    projects: [{ name: project }],
    builds: [
      {
        id: buildId,
        project,
        logs: [
          { id: 1, content: `2026-11-20T10:00:01.0000000Z export GITHUB_TOKEN=${leaked}\n` },
          { id: 2, sizeBytes: 50_000 },
          { id: 3, content: `2026-11-20T10:00:09.0000000Z echo ${leaked}\n` },
        ],
      },
    ],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-build-faults-'));
  clock = new ManualClock();
  logLines.length = 0;
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_LOG_LEVEL: 'debug' }), {
    clock,
    logger: createLogger({ level: 'debug', sink: { write: (line: string) => void logLines.push(line) } }),
    vault: createEnvironmentVault({ VIGIL_SECRET_ADO_PAT_CONTOSO: pat }),
  });
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: devops.url, auth: { mode: 'pat', tokenSecret: 'ado-pat-contoso' } },
  });
});

afterEach(async () => {
  await services.close();
  await devops.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const buildComplete: EventEnvelope = {
  id: 'sub-1:evt-1',
  source: 'azure-devops',
  type: 'build.complete',
  organization: 'contoso',
  project,
  subject: { buildId },
  receivedAt: '2026-11-20T10:00:00.000Z',
};

function handle(envelope: EventEnvelope, messageId = envelope.id) {
  return handleQueueMessage({ functionName: 'scanBuild', queue: 'build-scan', body: envelope, messageId, deliveryCount: 1 }, services);
}

async function takeDue(queue: 'build-scan' | 'alerts') {
  const due = await services.queue.receive(queue, { maxMessages: 50, lockDurationMs: 60_000 });
  for (const message of due) await services.queue.complete(message);
  return due;
}

describe('a build whose log download is throttled', () => {
  it('is rescheduled at the stated time, then scanned once, with one risk and one alert announced', async () => {
    devops.injectFault({ path: `/builds/${buildId}/logs/2`, status: 429, retryAfterSeconds: 120, times: 1 });

    expect(await handle(buildComplete)).toBe('rescheduled');
    expect(await services.queue.counts('build-scan')).toMatchObject({ scheduled: 1 });
    expect(await takeDue('build-scan')).toEqual([]); // not before Retry-After

    clock.advance(120_000);
    const [retry] = await takeDue('build-scan');
    expect(retry.body).toMatchObject({ id: buildComplete.id, attempt: 1 });
    expect(await handle(retry.body as EventEnvelope, retry.messageId)).toBe('completed');

    const risks = await services.stores.risks.list({ organization: 'contoso' });
    expect(risks).toHaveLength(1);
    expect(risks[0].occurrences).toBe(2); // log 1 and log 3, each counted once across both attempts
    const announced = (await takeDue('alerts')).map((m) => (m.body as EventEnvelope).subject.transition);
    expect(announced.filter((t) => t === 'opened')).toHaveLength(1);
    expect(devops.callsTo(`/builds/${buildId}/logs/2`).map((c) => c.status)).toEqual([429, 200]);
  });

  it('never writes the token or the PAT to the logs while it waits', async () => {
    devops.injectFault({ path: `/builds/${buildId}/logs/2`, status: 429, retryAfterSeconds: 120, times: 1 });
    await handle(buildComplete);
    const text = logLines.join('\n');
    expect(text).toContain('rescheduled');
    expect(text).not.toContain(leaked);
    expect(text).not.toContain(pat);
  });
});

describe('a build whose credential Azure DevOps refuses', () => {
  it('is parked with a reason that names the organization and the token secret to fix', async () => {
    devops.injectFault({ path: `/builds/${buildId}`, status: 401 });
    expect(await handle(buildComplete)).toBe('parked');
    const parked = (await services.stores.parked.query({ where: { queue: 'build-scan' } })).items;
    expect(parked).toHaveLength(1);
    expect(parked[0].reason).toMatch(/contoso/);
    expect(parked[0].reason).toMatch(/ado-pat-contoso/);
    expect(parked[0].reason).not.toContain(pat);
    expect((await services.stores.risks.list()).length).toBe(0);
  });
});
