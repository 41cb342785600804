import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config';
import { startTelemetry, stopTelemetry, telemetry } from '../../shared/telemetry';

/**
 * The exporters as configured from the settings, against a loopback endpoint: Application Insights'
 * ingestion (the real Azure Monitor exporter) and an OTLP/HTTP collector (the real OTLP exporter).
 */
interface Received {
  path: string;
  body: string;
}

async function loopback(): Promise<{ url: string; received: Received[]; connections(): number; close(): Promise<void> }> {
  const received: Received[] = [];
  let connections = 0;
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      received.push({ path: request.url ?? '', body: body.toString('latin1') });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    connections: () => connections,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

afterEach(async () => {
  await stopTelemetry();
});

describe('telemetry export', () => {
  it('exports to the Application Insights ingestion endpoint of the connection string, and an unreachable one never fails the app', async () => {
    const ingestion = await loopback();
    try {
      await startTelemetry(
        loadConfig({
          APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-0000-4000-8000-000000000000;IngestionEndpoint=${ingestion.url}/`,
        }),
      );
      expect(telemetry().enabled).toBe(true);
      await telemetry().inSpan('POST /api/hooks/{source}', { kind: 'server', attributes: { 'vigil.delivery.id': 'd-1' } }, async () =>
        telemetry().count('vigil.deliveries', 1, { source: 'azure-devops', outcome: 'accepted', status: 202 }),
      );
      // The exporter speaks TLS only: the plain loopback server sees it connect and cannot answer.
      await expect(stopTelemetry()).resolves.toBeUndefined();
      expect(ingestion.connections()).toBeGreaterThan(0);
    } finally {
      await ingestion.close();
    }
  });

  it('sends spans and metrics over OTLP/HTTP to the collector OTEL_EXPORTER_OTLP_ENDPOINT names', async () => {
    const collector = await loopback();
    try {
      await startTelemetry(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }));
      await telemetry().inSpan('process build-scan', { kind: 'consumer' }, async () =>
        telemetry().record('vigil.queue.lag', 12, { queue: 'build-scan' }),
      );
      await stopTelemetry();
      expect(collector.received.map((request) => request.path).sort()).toEqual(['/v1/metrics', '/v1/traces']);
    } finally {
      await collector.close();
    }
  });
});
