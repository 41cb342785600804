import type { Worker } from 'node:worker_threads';

export interface WorkerThreadPoolOptions {
  /** Idle threads kept for the next job; more are ended as they come back. */
  maxIdle: number;
  /** An idle thread unused for this long is ended. */
  idleMs: number;
}

/**
 * Threads of one kind kept for reuse: starting a worker thread and loading its module costs
 * 45–70 ms (docs/performance.md), which a scan of a small repository would otherwise pay each
 * time. A thread is taken for one job and given back only once that job has ended cleanly; a job
 * that stopped midway ends its thread instead (`discard`), so no thread carries state into the
 * next. Idle threads do not keep the process alive.
 */
export class WorkerThreadPool {
  private readonly idle: Array<{ worker: Worker; expiry: NodeJS.Timeout }> = [];
  private threadsStarted = 0;

  constructor(
    private readonly startThread: () => Worker,
    private readonly options: WorkerThreadPoolOptions,
  ) {}

  /** An idle thread, or a new one; it keeps the process alive until it is given back or discarded. */
  take(): Worker {
    const reused = this.idle.pop();
    if (reused) {
      clearTimeout(reused.expiry);
      reused.worker.ref();
      return reused.worker;
    }
    this.threadsStarted++;
    const worker = this.startThread();
    // An idle thread that fails or dies is no longer offered (and a failure with no job listening must not crash the process).
    worker.on('error', () => this.forget(worker));
    worker.on('exit', () => this.forget(worker));
    return worker;
  }

  /** A thread whose job ended cleanly: kept for the next one, or ended if enough are idle. */
  give(worker: Worker): void {
    if (this.idle.length >= this.options.maxIdle) {
      void worker.terminate();
      return;
    }
    worker.unref();
    const expiry = setTimeout(() => {
      this.forget(worker);
      void worker.terminate();
    }, this.options.idleMs);
    expiry.unref();
    this.idle.push({ worker, expiry });
  }

  /** A thread whose job did not end cleanly (stopped early, failed): ended, never reused. */
  async discard(worker: Worker): Promise<void> {
    this.forget(worker);
    await worker.terminate();
  }

  /** What the pool has done so far: threads started, and idle now. */
  get counts(): { started: number; idle: number } {
    return { started: this.threadsStarted, idle: this.idle.length };
  }

  private forget(worker: Worker): void {
    const at = this.idle.findIndex((entry) => entry.worker === worker);
    if (at < 0) return;
    clearTimeout(this.idle[at].expiry);
    this.idle.splice(at, 1);
  }
}
