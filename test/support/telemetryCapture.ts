import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../../shared/config';
import { startTelemetry, stopTelemetry } from '../../shared/telemetry';

/** What the app's telemetry exported during a test, with the SDK's own in-memory exporters. */
export interface TelemetryCapture {
  spans(): ReadableSpan[];
  /** Collects the metrics recorded so far (cumulative). */
  metrics(): Promise<ResourceMetrics[]>;
  /** Every span name, attribute, event, status, link and metric label as one text: what a leak search reads. */
  everything(): Promise<string>;
  stop(): Promise<void>;
}

/** Starts the process's telemetry with in-memory exporters; start it before the host so its adapters are traced. */
export async function captureTelemetry(env: Record<string, string> = {}): Promise<TelemetryCapture> {
  const spanExporter = new InMemorySpanExporter();
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // Never exports by itself: the test collects when it asks.
  const reader = new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 3_600_000 });
  await startTelemetry(loadConfig({ VIGIL_TELEMETRY: 'on', ...env }), {
    spanProcessors: [new SimpleSpanProcessor(spanExporter)],
    metricReaders: [reader],
  });
  const metrics = async () => {
    await reader.forceFlush();
    // Cumulative: the latest collection holds everything so far.
    return metricExporter.getMetrics().slice(-1);
  };
  return {
    spans: () => spanExporter.getFinishedSpans(),
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
