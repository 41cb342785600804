import { afterEach, describe, expect, it } from 'vitest';
import { tracedQueue, tracedStore, tracedVault } from '../../../shared/app/tracedAdapters';
import { createEmbeddedQueue } from '../../../shared/queue/embedded/embeddedQueue';
import { openInMemoryDatabase } from '../../../shared/store/embedded/embeddedDatabase';
import { createEmbeddedStore } from '../../../shared/store/embedded/embeddedStore';
import { stopTelemetry, telemetry } from '../../../shared/telemetry';
import { envelope } from '../../contract/queueContractSupport';
import { captureTelemetry } from '../../support/telemetryCapture';

afterEach(async () => {
  await stopTelemetry();
});

describe('the adapters as the composition root wraps them when telemetry is on', () => {
  it('make a span of each store call, named by operation and container, with no document in it', async () => {
    const capture = await captureTelemetry();
    const db = openInMemoryDatabase();
    const store = tracedStore(createEmbeddedStore(db), 'cosmosdb');
    const risks = store.container<{ id: string; organization: string; note: string }>('risks');
    await risks.create({ id: 'r1', organization: 'contoso', note: 'document body' });
    expect(await risks.read('r1', 'contoso')).toMatchObject({ note: 'document body' });
    expect(risks.name).toBe('risks');
    expect(capture.spans().map((span) => [span.name, span.attributes['db.system'], span.attributes['db.operation.name']])).toEqual([
      ['Cosmos DB create risks', 'cosmosdb', 'create'],
      ['Cosmos DB read risks', 'cosmosdb', 'read'],
    ]);
    expect(await capture.everything()).not.toContain('document body');
    await store.close();
    db.close();
  });

  it('put the send span on each message as its traceparent, keeping one a message already has', async () => {
    const capture = await captureTelemetry();
    const db = openInMemoryDatabase();
    const queue = tracedQueue(createEmbeddedQueue(db), 'embedded');
    const kept = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await telemetry().inSpan('webhook', {}, () =>
      queue.send('alerts', [
        { messageId: 'm1', body: envelope('m1') },
        { messageId: 'm2', body: envelope('m2'), traceparent: kept },
      ]),
    );
    const send = capture.spans().find((span) => span.name === 'send alerts');
    expect(send?.attributes).toMatchObject({ 'messaging.system': 'embedded', 'vigil.queue': 'alerts', 'messaging.batch.message_count': 2 });
    const received = await queue.receive('alerts', { maxMessages: 2, lockDurationMs: 60_000 });
    expect(received.map((message) => message.traceparent)).toEqual([
      `00-${send?.spanContext().traceId}-${send?.spanContext().spanId}-01`,
      kept,
    ]);
    await queue.close();
    db.close();
  });

  it('make a span of each vault read that names neither the secret nor its value', async () => {
    const capture = await captureTelemetry();
    const value = 'planted-vault-value-0123456789';
    const vault = tracedVault({ getSecret: async (name) => (name === 'ado-pat-contoso' ? value : undefined) }, 'keyvault');
    expect(await vault.getSecret('ado-pat-contoso')).toBe(value);
    expect(capture.spans().map((span) => span.name)).toEqual(['Key Vault get secret']);
    const everything = await capture.everything();
    expect(everything).not.toContain(value);
    expect(everything).not.toContain('ado-pat-contoso');
  });
});
