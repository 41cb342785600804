import type { CiLog, LogContent } from './providers/ciProvider';

/**
 * A run's logs with each one already opened, and the next one's download started while the
 * current one is scanned: the request round trip and the first bytes of log N+1 overlap the engine
 * working on log N, instead of adding up log after log. At most one log is opened ahead, and its
 * socket only buffers what TCP lets it, so memory stays bounded. A log left unread (the scan
 * failed) is destroyed, never left to hold its connection.
 */
export async function* prefetchedLogs(logs: AsyncIterable<CiLog>): AsyncGenerator<{ log: CiLog; stream: LogContent }> {
  const iterator = logs[Symbol.asyncIterator]();
  const openNext = async (): Promise<{ log: CiLog; stream: LogContent } | undefined> => {
    const next = await iterator.next();
    return next.done ? undefined : { log: next.value, stream: await next.value.open() };
  };
  let ahead = settled(openNext());
  try {
    for (;;) {
      const current = await ahead.value;
      if (!current) return;
      ahead = settled(openNext());
      yield current;
    }
  } finally {
    const pending = await ahead.result;
    if (pending.ok && pending.value && !pending.value.stream.readableEnded) pending.value.stream.destroy();
    await iterator.return?.();
  }
}

/** A promise whose failure is observed at once (no unhandled rejection while it waits), and rethrown when its value is awaited. */
function settled<T>(promise: Promise<T>): { value: Promise<T>; result: Promise<{ ok: true; value: T } | { ok: false }> } {
  const result = promise.then(
    (value) => ({ ok: true as const, value }),
    () => ({ ok: false as const }),
  );
  return { value: promise, result };
}
