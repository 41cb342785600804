import type { CounterName, HistogramName } from './metrics';

/**
 * The telemetry port: what the app's code calls to trace and measure, without naming OpenTelemetry.
 * When telemetry is off this is a no-op and no OpenTelemetry module is loaded (docs/architecture.md,
 * "Telemetry").
 */
export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

/** Span and metric attributes: ids, names and outcomes only — never a secret, a token or a payload body. */
export type TelemetryAttributes = Record<string, string | number | boolean | undefined>;

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: TelemetryAttributes;
  /**
   * A W3C `traceparent` to continue (the one a queue message carried). Without it the span is a
   * child of the active span, or a new trace's root.
   */
  parent?: string;
  /** W3C `traceparent`s of spans this one is linked to (the span that emitted an internal event). */
  links?: string[];
}

export interface ActiveSpan {
  setAttributes(attributes: TelemetryAttributes): void;
  /** Marks the span failed with a (secret-scrubbed) reason without throwing. */
  fail(reason: string): void;
}

export interface TraceIds {
  traceId: string;
  spanId: string;
}

export interface Telemetry {
  readonly enabled: boolean;
  /** Runs `work` inside a span that ends when it settles; a thrown error marks the span failed and is rethrown. */
  inSpan<T>(name: string, options: SpanOptions, work: (span: ActiveSpan) => Promise<T>): Promise<T>;
  /** Runs `work` with a remote span context active, without a span of its own: log lines around a handler name its trace. */
  continueTrace<T>(traceparent: string | undefined, work: () => Promise<T>): Promise<T>;
  /** The active span as a W3C `traceparent`, to put on an outgoing message; undefined when there is none. */
  traceparent(): string | undefined;
  /** The active span's ids, for log lines. */
  traceIds(): TraceIds | undefined;
  count(name: CounterName, value: number, attributes?: TelemetryAttributes): void;
  record(name: HistogramName, value: number, attributes?: TelemetryAttributes): void;
  /** Exports what is buffered (before a process exits). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const noSpan: ActiveSpan = { setAttributes: () => undefined, fail: () => undefined };

/** Telemetry off: every call is free, and nothing is loaded. */
export const noTelemetry: Telemetry = {
  enabled: false,
  inSpan: (_name, _options, work) => work(noSpan),
  continueTrace: (_traceparent, work) => work(),
  traceparent: () => undefined,
  traceIds: () => undefined,
  count: () => undefined,
  record: () => undefined,
  flush: async () => undefined,
  shutdown: async () => undefined,
};

let current: Telemetry = noTelemetry;

/** The process's telemetry (one per process, as OpenTelemetry's providers are). */
export function telemetry(): Telemetry {
  return current;
}

export function installTelemetry(next: Telemetry): void {
  current = next;
}

/** W3C trace context: `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`. Anything else is ignored, never trusted. */
export const traceparentPattern = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function validTraceparent(value: unknown): string | undefined {
  return typeof value === 'string' && traceparentPattern.test(value) && !/^00-0{32}-|-0{16}-/.test(value) ? value : undefined;
}
