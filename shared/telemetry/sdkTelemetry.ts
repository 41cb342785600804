import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { type IMetricReader, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { AzureMonitorOptions } from './azureMonitorExport';
import { openTelemetryFrom } from './openTelemetry';
import type { Telemetry } from './port';

export interface SdkTelemetryOptions {
  serviceName: string;
  /** Export spans and metrics over OTLP/HTTP to this collector (Jaeger, an OpenTelemetry collector). */
  otlpEndpoint?: string;
  /** Export to Application Insights (wins over the collector, as in Azure). */
  azureMonitor?: AzureMonitorOptions;
  /** More span processors and metric readers (the tests' in-memory exporters). */
  spanProcessors?: SpanProcessor[];
  metricReaders?: IMetricReader[];
}

/**
 * The OpenTelemetry SDK set up by Vigil itself: a tracer and a meter of our own
 * (nothing registered globally, so nothing else in the process starts tracing), the active span
 * carried by AsyncLocalStorage, and the Azure Monitor exporters or an OTLP exporter. With no exporter,
 * spans still exist: their ids are what the local host's log lines carry.
 */
export async function startSdkTelemetry(options: SdkTelemetryOptions): Promise<Telemetry> {
  const resource = resourceFromAttributes({ 'service.name': options.serviceName });
  const spanProcessors = [...(options.spanProcessors ?? [])];
  const readers = [...(options.metricReaders ?? [])];
  if (options.azureMonitor) {
    const { azureMonitorExport } = await import('./azureMonitorExport.js');
    const { spanProcessor, metricReader } = await azureMonitorExport(options.azureMonitor);
    spanProcessors.push(spanProcessor);
    readers.push(metricReader);
  } else if (options.otlpEndpoint) {
    const base = options.otlpEndpoint.replace(/\/+$/, '');
    const [{ OTLPTraceExporter }, { OTLPMetricExporter }] = await Promise.all([
      // OTLP/HTTP with protobuf bodies: smaller and cheaper to make than JSON ones; every collector takes both.
      import('@opentelemetry/exporter-trace-otlp-proto'),
      import('@opentelemetry/exporter-metrics-otlp-proto'),
    ]);
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` })));
    readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }) }));
  }
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
  const meterProvider = new MeterProvider({ resource, readers });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  return openTelemetryFrom({
    tracer: tracerProvider.getTracer('vigil'),
    meter: meterProvider.getMeter('vigil'),
    contexts: { active: () => contextManager.active(), with: (context, run) => contextManager.with(context, run) },
    // An exporter that cannot reach its endpoint must never fail the app: what it could not send is dropped.
    flush: async () => {
      await Promise.all([tracerProvider.forceFlush(), meterProvider.forceFlush()]).catch(() => undefined);
    },
    shutdown: async () => {
      await Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]).catch(() => undefined);
      contextManager.disable();
    },
  });
}
