import {
  type Attributes,
  type Context,
  type Link,
  type Meter,
  type Counter as OtelCounter,
  type Histogram as OtelHistogram,
  ROOT_CONTEXT,
  type Span,
  SpanKind as SpanKinds,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { scrubSecrets } from '../logging';
import { type CounterName, counters, type HistogramName, histograms } from './metrics';
import type { ActiveSpan, SpanKind, SpanOptions, Telemetry, TelemetryAttributes } from './port';
import { validTraceparent } from './port';

/** Where spans run: OpenTelemetry's context API, or one context manager the app set up itself. */
export interface ContextAccess {
  active(): Context;
  with<T>(context: Context, run: () => T): T;
}

export interface OpenTelemetryParts {
  tracer: Tracer;
  meter: Meter;
  contexts: ContextAccess;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const kinds: Record<SpanKind, SpanKinds> = {
  server: SpanKinds.SERVER,
  client: SpanKinds.CLIENT,
  producer: SpanKinds.PRODUCER,
  consumer: SpanKinds.CONSUMER,
  internal: SpanKinds.INTERNAL,
};

const propagator = new W3CTraceContextPropagator();
const carrierGetter = {
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
  get: (carrier: Record<string, string>, key: string) => carrier[key],
};
const carrierSetter = { set: (carrier: Record<string, string>, key: string, value: string) => (carrier[key] = value) };

/** A span's failure reason as it is exported: scrubbed of vault values and short, like a log line. */
function reasonText(reason: string): string {
  return scrubSecrets(reason).slice(0, 300);
}

function attributesOf(attributes: TelemetryAttributes | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

function remoteContext(traceparent: string | undefined): Context | undefined {
  const valid = validTraceparent(traceparent);
  return valid ? propagator.extract(ROOT_CONTEXT, { traceparent: valid }, carrierGetter) : undefined;
}

/** The port on OpenTelemetry's API: spans in the active context, W3C trace context on messages, instruments made once. */
export function openTelemetryFrom(parts: OpenTelemetryParts): Telemetry {
  const { tracer, meter, contexts } = parts;
  const counterInstruments = new Map<CounterName, OtelCounter>();
  const histogramInstruments = new Map<HistogramName, OtelHistogram>();
  const counterOf = (name: CounterName) => {
    let instrument = counterInstruments.get(name);
    if (!instrument) {
      instrument = meter.createCounter(name, counters[name]);
      counterInstruments.set(name, instrument);
    }
    return instrument;
  };
  const histogramOf = (name: HistogramName) => {
    let instrument = histogramInstruments.get(name);
    if (!instrument) {
      instrument = meter.createHistogram(name, histograms[name]);
      histogramInstruments.set(name, instrument);
    }
    return instrument;
  };

  const handle = (span: Span): ActiveSpan => ({
    setAttributes: (attributes) => span.setAttributes(attributesOf(attributes)),
    fail: (reason) => span.setStatus({ code: SpanStatusCode.ERROR, message: reasonText(reason) }),
  });

  return {
    enabled: true,
    async inSpan(name, options: SpanOptions, work) {
      const parent = remoteContext(options.parent) ?? contexts.active();
      const links: Link[] = [];
      for (const link of options.links ?? []) {
        const context = remoteContext(link);
        const spanContext = context && trace.getSpanContext(context);
        if (spanContext) links.push({ context: spanContext });
      }
      const span = tracer.startSpan(
        name,
        { kind: kinds[options.kind ?? 'internal'], attributes: attributesOf(options.attributes), links },
        parent,
      );
      try {
        return await contexts.with(trace.setSpan(parent, span), () => work(handle(span)));
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: reasonText(error instanceof Error ? error.message : String(error)) });
        throw error;
      } finally {
        span.end();
      }
    },
    continueTrace(traceparent, work) {
      const remote = remoteContext(traceparent);
      return remote ? contexts.with(remote, work) : work();
    },
    traceparent() {
      const span = trace.getSpan(contexts.active());
      if (!span?.spanContext().traceId) return undefined;
      const carrier: Record<string, string> = {};
      propagator.inject(contexts.active(), carrier, carrierSetter);
      return validTraceparent(carrier.traceparent);
    },
    traceIds() {
      const context = trace.getSpan(contexts.active())?.spanContext();
      return context && trace.isSpanContextValid(context) ? { traceId: context.traceId, spanId: context.spanId } : undefined;
    },
    count: (name, value, attributes) => counterOf(name).add(value, attributesOf(attributes)),
    record: (name, value, attributes) => histogramOf(name).record(value, attributesOf(attributes)),
    flush: parts.flush,
    shutdown: parts.shutdown,
  };
}
