import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WorkerThreadPool } from '../../../shared/threads/workerThreadPool';

/** A thread that echoes what it is sent, and fails when told to. */
const echoThread = () =>
  new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', (message) => { if (message === 'fail') throw new Error('told to fail'); parentPort.postMessage(message); });`,
    { eval: true },
  );

async function echo(worker: Worker, message: string): Promise<unknown> {
  worker.postMessage(message);
  const [answer] = await once(worker, 'message');
  return answer;
}

describe('a pool of worker threads', () => {
  it('hands a thread given back to the next job instead of starting another', async () => {
    const pool = new WorkerThreadPool(echoThread, { maxIdle: 2, idleMs: 60_000 });
    const first = pool.take();
    expect(await echo(first, 'one')).toBe('one');
    pool.give(first);
    const second = pool.take();
    expect(second).toBe(first);
    expect(await echo(second, 'two')).toBe('two');
    expect(pool.counts).toEqual({ started: 1, idle: 0 });
    await pool.discard(second);
  });

  it('keeps at most maxIdle threads waiting and ends the others', async () => {
    const pool = new WorkerThreadPool(echoThread, { maxIdle: 2, idleMs: 60_000 });
    const threads = [pool.take(), pool.take(), pool.take()];
    const ended = once(threads[2], 'exit');
    for (const thread of threads) pool.give(thread);
    await ended;
    expect(pool.counts).toEqual({ started: 3, idle: 2 });
    await Promise.all(threads.slice(0, 2).map((thread) => pool.discard(thread)));
    expect(pool.counts.idle).toBe(0);
  });

  it('never hands out a thread that was discarded, or that failed while it waited', async () => {
    const pool = new WorkerThreadPool(echoThread, { maxIdle: 2, idleMs: 60_000 });
    const discarded = pool.take();
    await pool.discard(discarded);
    const waiting = pool.take();
    pool.give(waiting);
    // Not `once`: it would reject on the 'error' event the failure emits first.
    const exited = new Promise((resolve) => waiting.on('exit', resolve));
    waiting.postMessage('fail');
    await exited; // the failure reached no job: the pool's own listener took it, and the process goes on
    expect(pool.counts.idle).toBe(0);
    const fresh = pool.take();
    expect(fresh).not.toBe(discarded);
    expect(fresh).not.toBe(waiting);
    expect(await echo(fresh, 'still here')).toBe('still here');
    expect(pool.counts.started).toBe(3);
    await pool.discard(fresh);
  });

  it('ends a thread that waited longer than idleMs', async () => {
    const pool = new WorkerThreadPool(echoThread, { maxIdle: 2, idleMs: 1 });
    const thread = pool.take();
    const exited = once(thread, 'exit');
    pool.give(thread);
    await exited;
    expect(pool.counts.idle).toBe(0);
  });
});
