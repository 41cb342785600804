import { context, metrics, trace } from '@opentelemetry/api';
import { openTelemetryFrom } from './openTelemetry';
import type { Telemetry } from './port';

export interface AzureMonitorOptions {
  serviceName: string;
  connectionString: string;
  /** `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`: `ClientId=<id>;Authorization=AAD` when local auth is off (infra/). */
  authenticationString?: string;
}

/**
 * Application Insights through the Azure Monitor distro: spans to `requests`/`dependencies`, metrics to
 * `customMetrics`. Ingestion authenticates with the Function App's managed identity when the
 * authentication string says `Authorization=AAD`, as infra/modules/functionApp.bicep configures it.
 * The distro's own automatic instrumentations stay off: Vigil traces at its ports, one span per call.
 *
 * The Functions host's invocation context is the parent of each trigger's span: the triggers read
 * `InvocationContext.traceContext` themselves (shared/azureFunctions/), which is what
 * `@azure/functions-opentelemetry-instrumentation` does, without its need to be set up before
 * `@azure/functions` loads (it calls `app.setup`, which throws once the app has started).
 */
export async function startAzureMonitorTelemetry(options: AzureMonitorOptions): Promise<Telemetry> {
  const [{ useAzureMonitor, shutdownAzureMonitor }, { resourceFromAttributes }] = await Promise.all([
    import('@azure/monitor-opentelemetry'),
    import('@opentelemetry/resources'),
  ]);
  const credential = await entraCredential(options.authenticationString);
  useAzureMonitor({
    azureMonitorExporterOptions: { connectionString: options.connectionString, ...(credential ? { credential } : {}) },
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    instrumentationOptions: {
      http: { enabled: false },
      azureSdk: { enabled: false },
      mongoDb: { enabled: false },
      mySql: { enabled: false },
      postgreSql: { enabled: false },
      redis: { enabled: false },
      redis4: { enabled: false },
      bunyan: { enabled: false },
      winston: { enabled: false },
    },
    enableLiveMetrics: false,
  });
  return openTelemetryFrom({
    tracer: trace.getTracer('vigil'),
    meter: metrics.getMeter('vigil'),
    contexts: { active: () => context.active(), with: (ctx, run) => context.with(ctx, run) },
    flush: async () => {
      const provider = trace.getTracerProvider() as { forceFlush?: () => Promise<void> };
      await provider.forceFlush?.();
    },
    shutdown: () => shutdownAzureMonitor(),
  });
}

async function entraCredential(authenticationString: string | undefined) {
  const fields = new Map(
    (authenticationString ?? '').split(';').flatMap((part) => {
      const at = part.indexOf('=');
      return at > 0 ? [[part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim()] as const] : [];
    }),
  );
  if (fields.get('authorization')?.toLowerCase() !== 'aad') return undefined;
  const { ManagedIdentityCredential } = await import('@azure/identity');
  const clientId = fields.get('clientid');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
}
