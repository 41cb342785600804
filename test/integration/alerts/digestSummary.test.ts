import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AppServices, createAppServices } from '../../../shared/app/services';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { loadConfig } from '../../../shared/config';
import type { EventEnvelope } from '../../../shared/events/envelope';
import { createLogger } from '../../../shared/logging/logger';
import { createEnvironmentVault } from '../../../shared/vault/environmentVault';
import { type AzureOpenAiServer, startAzureOpenAiServer } from '../../support/azureOpenAiServer';
import { ManualClock } from '../../support/manualClock';
import { leakedTokenSighting } from '../../support/riskSightings';
import { SecretFactory } from '../../support/scanning/syntheticSecrets';

/**
 * The summary on top of an alert digest: a burst of risks past the burst limit is grouped when the
 * window ends, and the grouped message carries a few sentences from the organization's summary
 * writer — the template by default, the Azure OpenAI deployment when configured (given redacted
 * evidence only), the template again with the reason when the model fails. Single alerts carry none.
 */
const f = new SecretFactory(2106);
const planted = f.gitHubToken();
const modelKey = `key-${f.npmToken().slice(4, 24)}`;

let received: Array<{ path: string; body: string }>;
let receiver: Server;
let model: AzureOpenAiServer;
let services: AppServices;
let dataDir: string;
let clock: ManualClock;

beforeAll(async () => {
  model = await startAzureOpenAiServer({ deployment: 'summaries', apiKey: modelKey });
});
afterAll(async () => {
  await model?.close();
});

beforeEach(async () => {
  received = [];
  model.requests.length = 0;
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ path: request.url ?? '', body });
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'vigil-digest-summary-'));
  clock = new ManualClock(Date.now());
  services = await createAppServices(
    loadConfig({ VIGIL_DATA_DIR: dataDir, VIGIL_ALERT_BURST_LIMIT: '1', VIGIL_ALERT_WINDOW_SECONDS: '60' }),
    {
      clock,
      logger: createLogger({ sink: { write: () => undefined } }),
      vault: createEnvironmentVault({ VIGIL_SECRET_SLACK_URL: `${base}/slack`, VIGIL_SECRET_AZURE_OPENAI_KEY: modelKey }),
    },
  );
  await services.stores.organizations.add('contoso', {
    azureDevOps: { url: 'https://dev.azure.com/contoso', auth: { mode: 'managed-identity' } },
  });
  await services.stores.organizations.addChannel('contoso', { type: 'slack', urlSecret: 'slack-url' });
});

afterEach(async () => {
  await services.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  rmSync(dataDir, { recursive: true, force: true });
});

async function deliver(envelope: EventEnvelope) {
  return handleQueueMessage(
    { functionName: 'sendAlert', queue: 'alerts', body: envelope, messageId: envelope.id, deliveryCount: 1 },
    services,
  );
}

/** Three risks opened at once: the first goes alone, the other two are held and grouped. */
async function burstAndFlush(): Promise<{
  single: unknown;
  digest: { text: string; blocks: Array<{ type: string; text?: { text: string } }> };
}> {
  for (let i = 0; i < 3; i++) {
    const recorded = await services.stores.risks.record({
      ...leakedTokenSighting(`build:7:log:3:line:${i}`, `fp-${i}`),
      // The token itself reached the evidence by mistake: the writer must still not send it on.
      evidence: { location: `build 7 / log 3 line ${i} (${planted})`, redacted: `ghp_****${planted.slice(-4)}` },
      remediation: 'Revoke the token.',
    });
    await deliver({
      id: `opened-${i}`,
      source: 'vigil',
      type: 'risk.opened',
      organization: 'contoso',
      subject: { riskId: recorded.risk.id, transition: 'opened' },
      receivedAt: new Date().toISOString(),
    });
  }
  clock.advance(60_000);
  const due = await services.queue.receive('alerts', { maxMessages: 10, lockDurationMs: 60_000 });
  for (const message of due) {
    await services.queue.complete(message);
    await deliver(message.body as EventEnvelope);
  }
  const slack = received.filter((r) => r.path === '/slack').map((r) => JSON.parse(r.body));
  expect(slack).toHaveLength(2);
  return { single: slack[0], digest: slack[1] };
}

const summaryBlock = (digest: { blocks: Array<{ type: string; text?: { text: string } }> }) => digest.blocks[1]?.text?.text;

/** The organization's digests are summarised by the loopback Azure OpenAI deployment. */
async function summariseWithAzureOpenAi(): Promise<void> {
  await services.stores.organizations.update('contoso', (current) => ({
    ...current,
    summaries: {
      writer: 'azure-openai',
      azureOpenAi: {
        endpoint: model.endpoint,
        deployment: 'summaries',
        apiVersion: '2024-10-21',
        auth: { mode: 'key', keySecret: 'azure-openai-key' },
        timeoutSeconds: 10,
      },
    },
  }));
}

describe('an alert digest', () => {
  it('is summarised by the template by default, and a single alert is not', async () => {
    const { single, digest } = await burstAndFlush();
    expect(digest.text).toBe('2 new risks in contoso (worst: high)');
    expect(summaryBlock(digest)).toMatch(
      /^2 new risks \(2 high\) in .+\. Most common: .+ \(2\)\. Start with the high ones: revoke and rotate them\.$/,
    );
    expect(JSON.stringify(single)).not.toContain('Most common');
    expect(model.requests).toHaveLength(0);
  });

  it('is summarised by the Azure OpenAI deployment when configured, which sees no secret', async () => {
    await summariseWithAzureOpenAi();
    model.behave({ kind: 'answer', text: 'Two GitHub tokens leaked in build 7: revoke both.' });
    const { digest } = await burstAndFlush();
    expect(summaryBlock(digest)).toBe('Two GitHub tokens leaked in build 7: revoke both.');
    expect(model.requests).toHaveLength(1);
    expect(model.requests[0].body).not.toContain(planted);
    expect(model.requests[0].body).toContain(`ghp_****${planted.slice(-4)}`);
  });

  it('falls back to the template, saying why, when the model refuses', async () => {
    await summariseWithAzureOpenAi();
    model.behave({ kind: 'refuse', status: 503 });
    const { digest } = await burstAndFlush();
    expect(summaryBlock(digest)).toMatch(/^2 new risks \(2 high\)/);
    expect(summaryBlock(digest)).toMatch(/_summary written by template: the model answered HTTP 503_$/);
  });
});
