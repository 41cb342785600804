/** The public surface of telemetry/: what other folders may import (docs/architecture.md, "Telemetry"). */
export type { CounterName, DeliveryOutcome, HandlerOutcome, HistogramName } from './metrics';
export { counters, histograms } from './metrics';
export type { ActiveSpan, SpanKind, SpanOptions, Telemetry, TelemetryAttributes, TraceIds } from './port';
export { installTelemetry, noTelemetry, telemetry, validTraceparent } from './port';
export { recordScan, type ScanKind } from './scanMetrics';
export { startPendingTelemetry, startTelemetry, startTelemetryLater, stopTelemetry, telemetryWanted } from './startTelemetry';
