import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlertReceiver, queuesSettled } from '../support/alertReceiver';
import { type LeakedBuildWorld, startLeakedBuildWorld } from '../support/leakedBuildWorld';
import { SecretFactory } from '../support/scanning/syntheticSecrets';
import { captureTelemetry, points, type TelemetryCapture } from '../support/telemetryCapture';
import { type TestHost, testHookSecrets } from '../support/testHost';
import { azureDevOpsHeaders, post } from '../support/webhookClient';

/**
 * One delivery, one trace: a finished build posted to the local host is followed from the webhook's
 * span through the enqueue, the build-scan handler and its calls to Azure DevOps, the store and the
 * vault, to the risk.opened event it emits and the alert that event sends — parented across each
 * queue, the internal event also linked to the span that emitted it. Checked with the OpenTelemetry
 * SDK's in-memory exporters; planted secrets are searched in everything they captured.
 */
const leaked = new SecretFactory(11).gitHubToken();

let world: LeakedBuildWorld;
let buildId: number;
let pat: string;
let signingSecret: string;
let host: TestHost;
let receiver: AlertReceiver;
let capture: TelemetryCapture;

beforeAll(async () => {
  capture = await captureTelemetry();
  world = await startLeakedBuildWorld({
    logs: [{ id: 1, content: `2026-11-20T10:00:02.0000000Z export GITHUB_TOKEN=${leaked}\n2026-11-20T10:00:03.0000000Z done\n` }],
  });
  ({ buildId, pat, signingSecret, host, receiver } = world);
  const alerted = receiver.next();
  expect((await post(host.url('/hooks/azure-devops'), world.fixture, azureDevOpsHeaders())).status).toBe(202);
  await alerted;
  await queuesSettled(host);
});

afterAll(async () => {
  await world?.close();
  await capture?.stop();
});

const byId = (spans: ReadableSpan[]) => new Map(spans.map((span) => [span.spanContext().spanId, span]));
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The names of a span's ancestors, nearest first. */
function ancestry(span: ReadableSpan, spans: Map<string, ReadableSpan>): string[] {
  const names: string[] = [];
  for (let parent = spans.get(parentOf(span) ?? ''); parent; parent = spans.get(parentOf(parent) ?? '')) names.push(parent.name);
  return names;
}

describe('a delivery through the local host', () => {
  it('is one trace from the webhook through the scan to the alert, parented across every queue', () => {
    const webhook = capture.spans().find((span) => span.name === 'POST /api/hooks/{source}');
    expect(webhook).toBeDefined();
    const traceId = webhook?.spanContext().traceId;
    const trace = capture.spans().filter((span) => span.spanContext().traceId === traceId);
    const spans = byId(trace);
    const names = trace.map((span) => span.name);
    expect(names).toEqual(expect.arrayContaining(['send build-scan', 'process build-scan', 'send alerts', 'process alerts']));

    const scan = trace.find((span) => span.name === 'process build-scan');
    expect(ancestry(scan as ReadableSpan, spans)).toEqual(['send build-scan', 'POST /api/hooks/{source}']);
    expect(scan?.attributes).toMatchObject({
      'vigil.delivery.id': expect.any(String),
      'vigil.organization': 'fabrikamfiber',
      'vigil.build.id': buildId,
      'vigil.event.type': 'build.complete',
    });

    const alert = trace.find((span) => span.name === 'process alerts');
    expect(ancestry(alert as ReadableSpan, spans).slice(0, 2)).toEqual(['send alerts', 'process build-scan']);
    // The internal event is linked to the span that emitted it, as well.
    expect(alert?.links.map((link) => link.context.spanId)).toEqual([parentOf(alert as ReadableSpan)]);
    expect(alert?.attributes).toMatchObject({ 'vigil.event.type': 'risk.opened', 'vigil.risk.id': expect.any(String) });

    // Every outbound call is a span in the trace: Azure DevOps, the alert channel (Cosmos DB and Key
    // Vault calls too, in Azure: the embedded store and the local vault are no outbound calls).
    expect(names).toEqual(
      expect.arrayContaining([
        'Azure DevOps build {id} in project {name}',
        'Azure DevOps log {id} of build {id} in project {name}',
        'alert webhook',
      ]),
    );
    expect(names.filter((name) => name.startsWith('store ') || name.startsWith('vault '))).toEqual([]);
    const devopsCall = trace.find((span) => span.name.startsWith('Azure DevOps build'));
    expect(ancestry(devopsCall as ReadableSpan, spans)[0]).toBe('process build-scan');
  });

  it("logs the trace id on every line of the delivery's journey", () => {
    const webhook = capture.spans().find((span) => span.name === 'POST /api/hooks/{source}');
    const traceId = webhook?.spanContext().traceId as string;
    // Every line a handler wrote (they name their function) belongs to this one delivery here.
    const journey = host.logLines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => 'function' in line);
    expect(journey.length).toBeGreaterThan(0);
    for (const line of journey) expect(line).toMatchObject({ traceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/) });
  });

  it('exports no secret, token or payload in any span, attribute, event, link or metric label', async () => {
    const everything = await capture.everything();
    expect(everything.length).toBeGreaterThan(1000);
    for (const planted of [leaked, pat, signingSecret, receiver.url, ...Object.values(testHookSecrets)]) {
      expect(everything).not.toContain(planted);
    }
  });

  it('counts the delivery, the queue lag, the handlers, the scanned bytes and the alert', async () => {
    const metrics = await capture.metrics();
    expect(points(metrics, 'vigil.deliveries')).toEqual([
      { attributes: { source: 'azure-devops', outcome: 'accepted', status: 202 }, value: 1 },
    ]);
    expect(points(metrics, 'vigil.queue.lag').map((p) => p.attributes.queue)).toEqual(expect.arrayContaining(['build-scan', 'alerts']));
    expect(points(metrics, 'vigil.handler.duration').map((p) => p.attributes)).toEqual(
      expect.arrayContaining([
        { function: 'scanBuild', outcome: 'completed' },
        { function: 'sendAlert', outcome: 'completed' },
      ]),
    );
  });
});
