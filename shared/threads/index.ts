/** The public surface of threads/: what other folders may import (docs/architecture.md, "Layout"). */
export { startWorkerThread } from './workerThread';
export { WorkerThreadPool } from './workerThreadPool';
