import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendAlert } from '../../../shared/alerts/sendAlert';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import { OrganizationDirectory } from '../../../shared/organizations/organizationDirectory';
import type { OrganizationSettings } from '../../../shared/organizations/organizationSettings';
import type { Risk } from '../../../shared/risks/risk';
import { RiskStore } from '../../../shared/risks/riskStore';
import { handleQueueMessage } from '../../../shared/runtime/queueTrigger';
import { createAppServices, type AppServices } from '../../../shared/runtime/services';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** The token a build leaked; only its redacted preview may ever leave the engine. */
const plantedToken = `ghp_${randomBytes(18).toString('hex')}`;
const signingSecret = `whsec_${randomBytes(32).toString('base64')}`;

let received: Received[];
let answer: number;
let receiver: Server;
let services: AppServices;
let dataDir: string;
let riskId: string;

beforeEach(async () => {
  received = [];
  answer = 200;
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers as Record<string, string>, body });
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
  services = await createAppServices(loadConfig({ VIGIL_DATA_DIR: dataDir }), {
    logger: createLogger({ sink: { write: () => undefined } }),
    vault: createEnvironmentVault({
      VIGIL_SECRET_HOOK_URL: `${base}/webhook`,
      VIGIL_SECRET_HOOK_KEY: signingSecret,
      VIGIL_SECRET_SLACK_URL: `${base}/slack`,
    }),
  });
  const organizations = new OrganizationDirectory(services.store.container<OrganizationSettings>('organizations'), services.clock);
  await organizations.add('contoso', { azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } } });
  await organizations.addChannel('contoso', { type: 'webhook', urlSecret: 'hook-url', signingSecret: 'hook-key' });
  await organizations.addChannel('contoso', { type: 'slack', urlSecret: 'slack-url' });
  const recorded = await new RiskStore(services.store.container<Risk>('risks'), services.clock).record({
    organization: 'contoso',
    kind: 'leaked-secret',
    ruleId: 'github-pat',
    title: 'GitHub personal access token',
    severity: 'high',
    asset: { id: 'pipeline-12', name: 'web-ci', type: 'pipeline' },
    fingerprint: 'fp-1',
    verified: true,
    evidence: { location: 'build 7 / log 3 line 40', redacted: `ghp_****${plantedToken.slice(-4)}`, url: 'https://dev.azure.com/contoso/web/_build/results?buildId=7' },
    remediation: 'Revoke the token at github.com/settings/tokens and create a fine-grained one.',
    sightingId: 'build:7:log:3:line:40',
  });
  riskId = recorded.risk.id;
});

afterEach(async () => {
  await services.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

function riskOpened(id: string): EventEnvelope {
  return { id, source: 'vigil', type: 'risk.opened', organization: 'contoso', subject: { riskId, transition: 'opened' }, receivedAt: new Date().toISOString() };
}

async function deliver(envelope: EventEnvelope) {
  return handleQueueMessage({ functionName: 'sendAlert', queue: 'alerts', body: envelope, messageId: envelope.id, deliveryCount: 1 }, sendAlert, services);
}

describe('alerts for a new risk', () => {
  it('go to every channel once, the generic webhook signed per Standard Webhooks, with no secret in them', async () => {
    expect(await deliver(riskOpened('risk-opened-1'))).toBe('completed');
    expect(received.map((r) => r.path).sort()).toEqual(['/slack', '/webhook']);
    const hook = received.find((r) => r.path === '/webhook');
    expect(() => new Webhook(signingSecret).verify(hook?.body ?? '', hook?.headers ?? {})).not.toThrow();
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({ type: 'risk.alert', data: { riskId, redacted: `ghp_****${plantedToken.slice(-4)}`, severity: 'high' } });
    for (const request of received) expect(request.body).not.toContain(plantedToken);
  });

  it('are not sent again when the same risk is announced by another event', async () => {
    await deliver(riskOpened('risk-opened-1'));
    await deliver(riskOpened('risk-opened-2'));
    expect(received).toHaveLength(2);
  });

  it('are retried after a channel fails, without repeating the channels that already got them', async () => {
    answer = 503;
    await expect(deliver(riskOpened('risk-opened-1'))).rejects.toThrow(/answered 503/);
    answer = 200;
    expect(await deliver(riskOpened('risk-opened-1'))).toBe('completed');
    const webhookIds = received.filter((r) => r.path === '/webhook').map((r) => r.headers['webhook-id']);
    expect(new Set(webhookIds).size).toBe(1);
    expect(received.filter((r) => r.path === '/slack')).toHaveLength(1);
  });

  it('are not sent for a sighting of a risk that is already open', async () => {
    const seenAgain = { ...riskOpened('risk-changed-1'), type: 'risk.changed', subject: { riskId, transition: 'seen-again' } };
    expect(await deliver(seenAgain)).toBe('completed');
    expect(received).toEqual([]);
  });
});
