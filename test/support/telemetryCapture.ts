import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../../shared/config';
import { startTelemetry, stopTelemetry } from '../../shared/telemetry';

/** What the app's telemetry exported during a test, with the SDK's own in-memory exporters. */
export interface TelemetryCapture {
  spans(): ReadableSpan[];
  /** Resolves with the first finished span of that name: a log line can come before its span ends. */
  spanEnded(name: string): Promise<ReadableSpan>;
  /** Collects the metrics recorded so far (cumulative). */
  metrics(): Promise<ResourceMetrics[]>;
  /** Every span name, attribute, event, status, link and metric label as one text: what a leak search reads. */
  everything(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the process's telemetry with in-memory exporters; start it before the host so its adapters are traced. */
export async function captureTelemetry(env: Record<string, string> = {}): Promise<TelemetryCapture> {
  const spanExporter = new InMemorySpanExporter();
  const endedSpans = new EndedSpanWaiters();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Never exports by itself: the test collects when it asks.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  await startTelemetry(loadConfig({ VIGIL_TELEMETRY: 'on', ...env }), {
    spanProcessors: [new SimpleSpanProcessor(spanExporter), endedSpans],
    metricReaders: [reader],
  });
  const metrics = async () => {
    await reader.forceFlush();
    // Cumulative: the latest collection holds everything so far.
    return metricExporter.getMetrics().slice(-1);
  };
  return {
    spans: () => spanExporter.getFinishedSpans(),
    spanEnded: (name) => endedSpans.waitFor(name, spanExporter.getFinishedSpans()),
    metrics,
    async everything() {
      const spans = spanExporter.getFinishedSpans().map((span) =>
        JSON.stringify({
          name: span.name,
          attributes: span.attributes,
          events: span.events,
          status: span.status,
          links: span.links,
          resource: span.resource.attributes,
        }),
      );
      const labels = (await metrics()).flatMap((resource) =>
        resource.scopeMetrics.flatMap((scope) =>
          scope.metrics.flatMap((metric) =>
            metric.dataPoints.map((point) => JSON.stringify({ name: metric.descriptor.name, labels: point.attributes })),
          ),
        ),
      );
      return [...spans, ...labels].join('\n');
    },
    stop: stopTelemetry,
  };
}

/** Data points of one metric, as {attributes, value}. */
export function points(resources: ResourceMetrics[], name: string): Array<{ attributes: Record<string, unknown>; value: unknown }> {
  return resources.flatMap((resource) =>
    resource.scopeMetrics.flatMap((scope) =>
      scope.metrics
        .filter((metric) => metric.descriptor.name === name)
        .flatMap((metric) => metric.dataPoints.map((point) => ({ attributes: { ...point.attributes }, value: point.value }))),
    ),
  );
}

/** A span processor that wakes whoever waits for a span of a given name when one ends. */
class EndedSpanWaiters implements SpanProcessor {
  private readonly waiting: Array<{ name: string; resolve: (span: ReadableSpan) => void }> = [];

  waitFor(name: string, finished: ReadableSpan[]): Promise<ReadableSpan> {
    const already = finished.find((span) => span.name === name);
    if (already) return Promise.resolve(already);
    return new Promise((resolve) => this.waiting.push({ name, resolve }));
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i].name !== span.name) continue;
      this.waiting[i].resolve(span);
      this.waiting.splice(i, 1);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
