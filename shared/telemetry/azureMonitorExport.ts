import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface AzureMonitorOptions {
  connectionString: string;
  /** `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`: `ClientId=<id>;Authorization=AAD` when local auth is off (infra/). */
  authenticationString?: string;
}

/**
 * Application Insights as the export of Vigil's own SDK set-up: spans to `requests`/`dependencies`,
 * metrics to `customMetrics`. Ingestion authenticates with the Function App's managed identity when
 * the authentication string says `Authorization=AAD`, as infra/modules/functionApp.bicep configures it.
 *
 * The Azure Monitor exporters alone, not the `@azure/monitor-opentelemetry` distro that wraps them:
 * the distro loads the Node SDK and a dozen automatic instrumentations Vigil keeps off anyway (it
 * traces at its ports), and loading it took about four times as long as the SDK and these exporters
 * together — time a cold start would spend before its first webhook.
 */
export async function azureMonitorExport(
  options: AzureMonitorOptions,
): Promise<{ spanProcessor: SpanProcessor; metricReader: IMetricReader }> {
  const { AzureMonitorTraceExporter, AzureMonitorMetricExporter } = await import('@azure/monitor-opentelemetry-exporter');
  const credential = await entraCredential(options.authenticationString);
  const exporterOptions = { connectionString: options.connectionString, ...(credential ? { credential } : {}) };
  return {
    spanProcessor: new BatchSpanProcessor(new AzureMonitorTraceExporter(exporterOptions)),
    metricReader: new PeriodicExportingMetricReader({ exporter: new AzureMonitorMetricExporter(exporterOptions) }),
  };
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
