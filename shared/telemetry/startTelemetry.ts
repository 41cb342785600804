import type { VigilConfig } from '../config';
import { setTraceFields } from '../logging';
import { installTelemetry, noTelemetry, type Telemetry, telemetry } from './port';
import type { SdkTelemetryOptions } from './sdkTelemetry';

/**
 * Whether telemetry runs (docs/deploy.md, "Telemetry"): `VIGIL_TELEMETRY=on|off`; unset, it is on
 * when Application Insights or an OTLP collector is configured, and off otherwise (the `vigil` CLI's
 * short commands). `vigil start` turns it on, so the local host's log lines carry trace ids.
 */
export function telemetryWanted(config: VigilConfig): boolean {
  const e = config.environment;
  if (e.VIGIL_TELEMETRY) return e.VIGIL_TELEMETRY === 'on';
  return Boolean(e.APPLICATIONINSIGHTS_CONNECTION_STRING || e.OTEL_EXPORTER_OTLP_ENDPOINT);
}

let starting: Promise<Telemetry> | undefined;

/**
 * Starts the process's telemetry once (OpenTelemetry's providers are per process), loading the SDK
 * only now: with telemetry off nothing of OpenTelemetry is loaded. Exports to Application Insights
 * when its connection string is set, else over OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, else
 * nowhere (spans then only name log lines' traces).
 */
export function startTelemetry(
  config: VigilConfig,
  extra: Pick<SdkTelemetryOptions, 'spanProcessors' | 'metricReaders'> = {},
): Promise<Telemetry> {
  if (!telemetryWanted(config) && !extra.spanProcessors && !extra.metricReaders) return Promise.resolve(telemetry());
  starting ??= (async () => {
    const e = config.environment;
    const serviceName = e.OTEL_SERVICE_NAME ?? 'vigil';
    const started = await (await import('./sdkTelemetry.js')).startSdkTelemetry({
      serviceName,
      otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      azureMonitor: e.APPLICATIONINSIGHTS_CONNECTION_STRING
        ? { connectionString: e.APPLICATIONINSIGHTS_CONNECTION_STRING, authenticationString: e.APPLICATIONINSIGHTS_AUTHENTICATION_STRING }
        : undefined,
      ...extra,
    });
    installTelemetry(started);
    setTraceFields(() => {
      const ids = started.traceIds();
      return ids ? { traceId: ids.traceId, spanId: ids.spanId } : undefined;
    });
    return started;
  })().catch((error: unknown) => {
    starting = undefined;
    throw error;
  });
  return starting;
}

let pending: VigilConfig | undefined;

/**
 * Telemetry to start once the first invocation has been answered (under the Functions host): loading
 * the SDK and an exporter takes longer than the rest of a cold start, and the first webhook must not
 * wait for it. That one invocation goes untraced; its log lines carry no trace id.
 */
export function startTelemetryLater(config: VigilConfig): void {
  if (telemetryWanted(config)) pending = config;
}

/** Starts the telemetry `startTelemetryLater` set aside, once the invocation that ends now has been answered. */
export function startPendingTelemetry(): void {
  const config = pending;
  if (!config) return;
  pending = undefined;
  // A macrotask later: the host has the answer before the SDK loads.
  setTimeout(() => void startTelemetry(config).catch(() => undefined), 0);
}

/** Stops the process's telemetry (exporting what is buffered) and goes back to none: tests start theirs per file. */
export async function stopTelemetry(): Promise<void> {
  const running = starting;
  starting = undefined;
  pending = undefined;
  if (!running) return;
  const stopped = await running.catch(() => undefined);
  setTraceFields(undefined);
  installTelemetry(noTelemetry);
  await stopped?.shutdown();
}
