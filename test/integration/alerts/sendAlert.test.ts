import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting } from '../../support/riskSightings';

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
let clock: ManualClock;

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
  clock = new ManualClock(Date.now()); // now, so receivers that check signature timestamps accept the deliveries
  services = await createAppServices(
    loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_ALERT_BURST_LIMIT: '3', VIGIL_ALERT_WINDOW_SECONDS: '60' }),
    {
      clock,
      logger: createLogger({ sink: { write: () => undefined } }),
      vault: createEnvironmentVault({
        VIGIL_SECRET_HOOK_URL: `${base}/webhook`,
        VIGIL_SECRET_HOOK_KEY: signingSecret,
        VIGIL_SECRET_SLACK_URL: `${base}/slack`,
      }),
    },
  );
  const organizations = services.stores.organizations;
  await organizations.add('contoso', { azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } } });
  await organizations.addChannel('contoso', { type: 'webhook', urlSecret: 'hook-url', signingSecret: 'hook-key' });
  await organizations.addChannel('contoso', { type: 'slack', urlSecret: 'slack-url' });
  riskId = await recordRisk('fp-1', 40);
});

/** A leaked-token risk seen at `line` of a build log; only its redacted preview is kept. */
async function recordRisk(fingerprint: string, line: number): Promise<string> {
  const recorded = await services.stores.risks.record({
    ...leakedTokenSighting(`build:7:log:3:line:${line}`, fingerprint),
    evidence: {
      location: `build 7 / log 3 line ${line}`,
      redacted: `ghp_****${plantedToken.slice(-4)}`,
      url: 'https://dev.azure.com/contoso/web/_build/results?buildId=7',
    },
    remediation: 'Revoke the token at github.com/settings/tokens and create a fine-grained one.',
  });
  return recorded.risk.id;
}

afterEach(async () => {
  await services.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

function riskOpened(id: string, risk = riskId): EventEnvelope {
  return {
    id,
    source: 'vigil',
    type: 'risk.opened',
    organization: 'contoso',
    subject: { riskId: risk, transition: 'opened' },
    receivedAt: new Date().toISOString(),
  };
}

async function deliver(envelope: EventEnvelope) {
  return handleQueueMessage(
    { functionName: 'sendAlert', queue: 'alerts', body: envelope, messageId: envelope.id, deliveryCount: 1 },
    services,
  );
}

describe('alerts for a new risk', () => {
  it('go to every channel once, the generic webhook signed per Standard Webhooks, with no secret in them', async () => {
    expect(await deliver(riskOpened('risk-opened-1'))).toBe('completed');
    expect(received.map((r) => r.path).sort()).toEqual(['/slack', '/webhook']);
    const hook = received.find((r) => r.path === '/webhook');
    expect(() => new Webhook(signingSecret).verify(hook?.body ?? '', hook?.headers ?? {})).not.toThrow();
    expect(JSON.parse(hook?.body ?? '{}')).toMatchObject({
      type: 'risk.alert',
      data: { riskId, redacted: `ghp_****${plantedToken.slice(-4)}`, severity: 'high' },
    });
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

describe('a burst of alerts to one destination', () => {
  async function burst(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const id = await recordRisk(`fp-burst-${i}`, 100 + i);
      expect(await deliver(riskOpened(`risk-opened-burst-${i}`, id))).toBe('completed');
    }
  }

  async function dueFlushes() {
    const due = await services.queue.receive('alerts', { maxMessages: 10, lockDurationMs: 60_000 });
    for (const message of due) await services.queue.complete(message);
    return due.map((m) => m.body as EventEnvelope);
  }

  it('sends the first alerts one by one and the rest as one grouped message when the window ends', async () => {
    await burst(8);
    const webhook = () => received.filter((r) => r.path === '/webhook');
    expect(webhook()).toHaveLength(3);
    expect(await dueFlushes()).toEqual([]); // held until the window ends

    clock.advance(60_000);
    const flushes = await dueFlushes();
    expect(flushes.map((f) => f.type)).toEqual(['alerts.flush', 'alerts.flush']); // one per destination: webhook and slack
    for (const flush of flushes) expect(await deliver(flush)).toBe('completed');

    expect(webhook()).toHaveLength(4);
    const grouped = webhook()[3];
    expect(() => new Webhook(signingSecret).verify(grouped.body, grouped.headers)).not.toThrow();
    const payload = JSON.parse(grouped.body) as { type: string; data: { alerts: Array<{ redacted: string }> } };
    expect(payload.type).toBe('risk.alert.batch');
    expect(payload.data.alerts).toHaveLength(5);
    expect(grouped.body).not.toContain(plantedToken);
    const slack = received.filter((r) => r.path === '/slack');
    expect(slack).toHaveLength(4);
    expect(JSON.parse(slack[3].body)).toMatchObject({ text: '5 new risks in contoso (worst: high)' });
  });

  it('does not send a grouped message twice when its flush is delivered again', async () => {
    await burst(5);
    clock.advance(60_000);
    const flushes = await dueFlushes();
    for (const flush of flushes) await deliver(flush);
    const before = received.length;
    for (const flush of flushes) await deliver({ ...flush, id: `${flush.id}:again` });
    expect(received).toHaveLength(before);
  });

  it('keeps a held alert held when its event is delivered again, and alerts it once', async () => {
    await burst(4);
    const fourth = received.length;
    const riskOfFourth = await recordRisk('fp-burst-3', 103);
    await deliver(riskOpened('risk-opened-burst-3-again', riskOfFourth));
    expect(received).toHaveLength(fourth);
    clock.advance(60_000);
    for (const flush of await dueFlushes()) await deliver(flush);
    const single = received.filter((r) => r.path === '/webhook').slice(3);
    expect(single).toHaveLength(1);
    expect(JSON.parse(single[0].body)).toMatchObject({ type: 'risk.alert', data: { riskId: riskOfFourth } });
  });

  it('starts a fresh window after a quiet period', async () => {
    await burst(3);
    clock.advance(61_000);
    await burst(0);
    const id = await recordRisk('fp-after-quiet', 300);
    await deliver(riskOpened('risk-opened-after-quiet', id));
    expect(received.filter((r) => r.path === '/webhook')).toHaveLength(4);
    expect(await dueFlushes()).toEqual([]);
  });
});
