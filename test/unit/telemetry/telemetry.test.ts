import { afterEach, describe, expect, it } from 'vitest';
import { envelopeAttributes, handlerOutcome, messageTraceparent } from '../../../shared/azureFunctions/queueTelemetry';
import { loadConfig } from '../../../shared/config';
import { deliveryOutcome } from '../../../shared/events/webhookTelemetry';
import { createLogger, registerSecretValue } from '../../../shared/logging/logger';
import {
  noTelemetry,
  startPendingTelemetry,
  startTelemetry,
  startTelemetryLater,
  stopTelemetry,
  telemetry,
  telemetryWanted,
  validTraceparent,
} from '../../../shared/telemetry';
import { captureTelemetry } from '../../support/telemetryCapture';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

afterEach(async () => {
  await stopTelemetry();
});

describe('whether telemetry runs', () => {
  it('is off for the CLI unless a collector or Application Insights is configured, and VIGIL_TELEMETRY decides over both', () => {
    expect(telemetryWanted(loadConfig({}))).toBe(false);
    expect(telemetryWanted(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' }))).toBe(true);
    expect(
      telemetryWanted(loadConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000' })),
    ).toBe(true);
    expect(telemetryWanted(loadConfig({ VIGIL_TELEMETRY: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318' }))).toBe(false);
    expect(telemetryWanted(loadConfig({ VIGIL_TELEMETRY: 'on' }))).toBe(true);
  });

  it('refuses a collector address that is not an http(s) URL, naming the setting', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' })).toThrow(/invalid setting OTEL_EXPORTER_OTLP_ENDPOINT/);
  });

  it("under the Functions host, starts only once the first invocation's answer is out", async () => {
    const config = loadConfig({ VIGIL_TELEMETRY: 'on' });
    startTelemetryLater(config);
    expect(telemetry().enabled).toBe(false);
    startPendingTelemetry();
    expect(telemetry().enabled).toBe(false);
    // The start is one macrotask later; a zero timer set now runs after it (timers of equal delay run in order).
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect((await startTelemetry(config)).enabled).toBe(true);
    expect(telemetry().enabled).toBe(true);
  });

  it('off, runs the work and traces nothing', async () => {
    await startTelemetry(loadConfig({ VIGIL_TELEMETRY: 'off' }));
    expect(telemetry()).toBe(noTelemetry);
    expect(await telemetry().inSpan('x', {}, async () => telemetry().traceparent())).toBeUndefined();
  });
});

describe('trace context on messages', () => {
  it('accepts only a well-formed W3C traceparent with non-zero ids', () => {
    expect(validTraceparent(traceparent)).toBe(traceparent);
    for (const bad of [
      undefined,
      42,
      '',
      '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
      '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
      `${traceparent}\nforged`,
      '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01',
    ]) {
      expect(validTraceparent(bad)).toBeUndefined();
    }
  });

  it("continues the Functions host's invocation when there is one, else the message's Diagnostic-Id", () => {
    const host = '00-11111111111111111111111111111111-2222222222222222-01';
    expect(messageTraceparent(host, { 'Diagnostic-Id': traceparent })).toBe(host);
    expect(messageTraceparent(undefined, { 'Diagnostic-Id': traceparent })).toBe(traceparent);
    expect(messageTraceparent('garbage', { 'Diagnostic-Id': 'garbage' })).toBeUndefined();
    expect(messageTraceparent(undefined, undefined)).toBeUndefined();
  });

  it('puts the active span on a message and continues it on the other side, as parent', async () => {
    const capture = await captureTelemetry();
    const sent = await telemetry().inSpan('send', { kind: 'producer' }, async () => telemetry().traceparent());
    await telemetry().inSpan('process', { kind: 'consumer', parent: sent, links: [sent as string] }, async () => undefined);
    const [send, processed] = capture.spans();
    expect(sent).toBe(`00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);
    expect(processed.spanContext().traceId).toBe(send.spanContext().traceId);
    expect(processed.parentSpanContext?.spanId).toBe(send.spanContext().spanId);
    expect(processed.links.map((link) => link.context.spanId)).toEqual([send.spanContext().spanId]);
  });

  it('marks a span failed with the reason scrubbed of vault values, and rethrows', async () => {
    const capture = await captureTelemetry();
    const token = `tok-${'x'.repeat(20)}-planted`;
    registerSecretValue(token);
    await expect(
      telemetry().inSpan('call', {}, async () => {
        throw new Error(`refused ${token}`);
      }),
    ).rejects.toThrow('refused');
    expect(capture.spans()[0].status).toEqual({ code: 2, message: 'refused ***' });
  });
});

describe('log lines inside a span', () => {
  for (const format of ['text', 'json'] as const) {
    it(`name the trace and span in the ${format} format, and lines outside any span do not`, async () => {
      await captureTelemetry();
      const lines: string[] = [];
      const logger = createLogger({ format, sink: { write: (line) => lines.push(line) } });
      logger.info('before');
      const ids = await telemetry().inSpan('work', {}, async () => {
        logger.info('inside', { step: 1 });
        return telemetry().traceIds();
      });
      expect(ids).toBeDefined();
      expect(lines[0]).not.toContain('traceId');
      if (format === 'json') {
        expect(JSON.parse(lines[1])).toMatchObject({ message: 'inside', traceId: ids?.traceId, spanId: ids?.spanId, step: 1 });
      } else {
        expect(lines[1]).toContain(`inside traceId=${ids?.traceId} spanId=${ids?.spanId} step=1`);
      }
    });
  }
});

describe('what is measured', () => {
  it('counts a webhook answer as accepted, duplicate, ignored or refused', () => {
    expect(deliveryOutcome({ status: 202, body: { id: 'a', queues: ['build-scan'] } })).toBe('accepted');
    expect(deliveryOutcome({ status: 202, body: { id: 'a', queues: [], parked: 'no build id' } })).toBe('accepted');
    expect(deliveryOutcome({ status: 202, body: { id: 'a', duplicate: true } })).toBe('duplicate');
    expect(deliveryOutcome({ status: 202, body: { id: 'a', queues: [], ignored: 'not built yet' } })).toBe('ignored');
    expect(deliveryOutcome({ status: 401, body: { error: 'unauthorized' } })).toBe('refused');
    expect(deliveryOutcome({ status: 503, body: { error: 'unavailable' } })).toBe('refused');
  });

  it("labels a handler's run by its settlement; a failure at the delivery limit is the one dead-lettered", () => {
    expect(handlerOutcome('completed', 1, 10)).toBe('completed');
    expect(handlerOutcome('replayed', 1, 10)).toBe('completed');
    expect(handlerOutcome('rescheduled', 1, 10)).toBe('rescheduled');
    expect(handlerOutcome('parked', 1, 10)).toBe('parked');
    expect(handlerOutcome('failed', 9, 10)).toBe('failed');
    expect(handlerOutcome('failed', 10, 10)).toBe('dead-lettered');
  });

  it("puts a handler's ids on its span, never the event's subject beyond them", () => {
    const attributes = envelopeAttributes({
      id: 'sub:1',
      source: 'azure-devops',
      type: 'build.complete',
      organization: 'contoso',
      project: 'web',
      subject: { buildId: 7, note: 'not an attribute' },
      receivedAt: '2026-12-01T00:00:00.000Z',
    });
    expect(attributes).toMatchObject({
      'vigil.delivery.id': 'sub:1',
      'vigil.organization': 'contoso',
      'vigil.project': 'web',
      'vigil.build.id': 7,
    });
    expect(JSON.stringify(attributes)).not.toContain('not an attribute');
  });
});
