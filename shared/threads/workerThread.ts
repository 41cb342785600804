import { extname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits beside `callerFile`: the compiled `.js` in production;
 * from the sources (tests, benchmarks through tsx) the `.ts`, with tsx registered first.
 */
export function startWorkerThread(
  callerFile: string,
  name: string,
  options: Pick<WorkerOptions, 'workerData' | 'resourceLimits'> = {},
): Worker {
  const extension = extname(callerFile);
  const module = join(callerFile, '..', `${name}${extension}`);
  const bootstrap = `${extension === '.ts' ? "require('tsx/cjs/api').register();" : ''} require(${JSON.stringify(module)});`;
  // Not the parent's options: a preloaded loader (`--import tsx`) would cost the thread tens of MB.
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [] });
}
