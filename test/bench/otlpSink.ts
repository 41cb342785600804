import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OTLP/HTTP collector that accepts everything and keeps nothing but counts: what a benchmark with
 * tracing on exports to, so the cost measured includes serialising and sending spans and metrics.
 */
export interface OtlpSink {
  url: string;
  requests(): number;
  bytes(): number;
  close(): Promise<void>;
}

export async function startOtlpSink(): Promise<OtlpSink> {
  let requests = 0;
  let bytes = 0;
  const server: Server = createServer((request, response) => {
    request.on('data', (chunk: Buffer) => (bytes += chunk.length));
    request.on('end', () => {
      requests++;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    bytes: () => bytes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The sink in a child process: its URL, its totals, and a way to stop it. */
export interface RemoteOtlpSink {
  url: string;
  totals(): Promise<{ requests: number; bytes: number }>;
  close(): void;
}

export async function forkOtlpSink(): Promise<RemoteOtlpSink> {
  const { fork } = await import('node:child_process');
  const { join } = await import('node:path');
  const child = fork(join(__dirname, 'otlpSinkProcess.ts'), [], { execArgv: ['--require', 'tsx/cjs'] });
  const url = await new Promise<string>((resolve) => child.once('message', (message) => resolve((message as { url: string }).url)));
  return {
    url,
    totals: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message as { requests: number; bytes: number }));
        child.send('totals');
      }),
    close: () => child.disconnect(),
  };
}
