import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueNames } from '../../shared/queue/names';
import { type AmqpBroker, startAmqpBroker } from '../support/amqpBroker';
import { captureTelemetry, points, type TelemetryCapture } from '../support/telemetryCapture';
import { startTestHost, type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * The same trace across a real Service Bus hop: the local host on the Service Bus adapter (the real
 * @azure/service-bus SDK against the loopback AMQP broker). The webhook's send puts its traceparent in
 * the message's `Diagnostic-Id` application property; the handler that receives it from the broker
 * continues that trace. No organization is configured, so the handler parks the event: its span says so.
 */
const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'azure-devops', 'service-hooks', 'build.complete.json'));

let broker: AmqpBroker;
let host: TestHost;
let capture: TelemetryCapture;

beforeAll(async () => {
  capture = await captureTelemetry();
  broker = await startAmqpBroker({ queues: queueNames });
  host = await startTestHost({ env: { ServiceBusConnection: broker.connectionString } });
  expect(host.services.config.queueBackend).toBe('service-bus');
  expect((await post(host.url('/hooks/azure-devops'), fixture, azureDevOpsHeaders())).status).toBe(202);
  await host.waitForLog(/parked; see `vigil dlq list`/);
  await capture.spanEnded('process build-scan');
});

afterAll(async () => {
  await host?.dispose();
  await broker?.close();
  await capture?.stop();
});

const named = (name: string) => capture.spans().find((span) => span.name === name) as ReadableSpan;

describe('a delivery through Service Bus', () => {
  it('keeps its trace across the broker: the handler continues the traceparent the send wrote', () => {
    const webhook = named('POST /api/hooks/{source}');
    const send = named('send build-scan');
    const processed = named('process build-scan');
    expect(send.attributes).toMatchObject({ 'messaging.system': 'servicebus', 'vigil.queue': 'build-scan' });
    expect(send.parentSpanContext?.spanId).toBe(webhook.spanContext().spanId);
    expect(processed.spanContext().traceId).toBe(webhook.spanContext().traceId);
    expect(processed.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(processed.parentSpanContext?.isRemote).toBe(true);
  });

  it('marks the handler span failed with the parked reason, and counts the outcome', async () => {
    const processed = named('process build-scan');
    expect(processed.status).toMatchObject({ code: 2, message: expect.stringMatching(/^parked: .*no organization 'fabrikamfiber'/) });
    expect(points(await capture.metrics(), 'vigil.handler.duration').map((p) => p.attributes)).toEqual([
      { function: 'scanBuild', outcome: 'parked' },
    ]);
  });

  it('exports none of the hook secrets nor the broker key', async () => {
    const everything = await capture.everything();
    const key = /SharedAccessKey=([^;]+)/.exec(broker.connectionString)?.[1] ?? 'unreachable';
    for (const planted of [key, ...Object.values(testHookSecrets)]) expect(everything).not.toContain(planted);
  });
});
