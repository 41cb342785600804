/**
 * The loopback Azure DevOps in its own process, for benchmarks: its memory and CPU must not count
 * against the process being measured. Started with `fork`, configured by the JSON in
 * VIGIL_BENCH_DEVOPS_OPTIONS (BenchDevOpsOptions); it sends `{ url }` once listening and answers a `calls` message with
 * the calls it recorded.
 */
import { type LoopbackServiceConnection, ServiceConnectionRoutes } from '../support/azureDevOps/serviceConnectionRoutes';
import { type AzureDevOpsServerOptions, startAzureDevOpsServer } from '../support/azureDevOpsServer';

/** What can cross the process boundary as JSON: the server's options, and service connections to serve. */
export type BenchDevOpsOptions = Omit<AzureDevOpsServerOptions, 'extensions'> & { serviceConnections?: LoopbackServiceConnection[] };

async function main(): Promise<void> {
  const { serviceConnections, ...options } = JSON.parse(process.env.VIGIL_BENCH_DEVOPS_OPTIONS ?? '{}') as BenchDevOpsOptions;
  const server = await startAzureDevOpsServer({ ...options, extensions: [new ServiceConnectionRoutes(serviceConnections ?? [])] });
  process.on('message', (message) => {
    if (message === 'calls') process.send?.({ calls: server.calls.map((c) => ({ method: c.method, path: c.path, status: c.status })) });
  });
  process.on('disconnect', () => void server.close().then(() => process.exit(0)));
  process.send?.({ url: server.url });
}

void main();
