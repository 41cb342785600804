import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { prefetchedLogs } from '../../../shared/ci/prefetchedLogs';
import type { CiLog } from '../../../shared/ci/providers/ciProvider';

function logs(count: number, opened: string[], failAt?: number): { iterable: AsyncIterable<CiLog>; streams: Readable[] } {
  const streams: Readable[] = [];
  async function* generate(): AsyncGenerator<CiLog> {
    for (let i = 1; i <= count; i++) {
      yield {
        id: String(i),
        name: `log ${i}`,
        open: async () => {
          opened.push(String(i));
          if (i === failAt) throw new Error(`log ${i} is gone`);
          const stream = Readable.from([Buffer.from(`line of log ${i}\n`)]);
          streams.push(stream);
          return stream;
        },
      };
    }
  }
  return { iterable: generate(), streams };
}

describe("a run's logs, opened one ahead", () => {
  it('starts the next download while the current log is handed out, in order', async () => {
    const opened: string[] = [];
    const seen: Array<{ id: string; openedBefore: string[] }> = [];
    for await (const { log, stream } of prefetchedLogs(logs(3, opened).iterable)) {
      seen.push({ id: log.id, openedBefore: [...opened] });
      for await (const _ of stream);
    }
    expect(seen).toEqual([
      { id: '1', openedBefore: ['1', '2'] },
      { id: '2', openedBefore: ['1', '2', '3'] },
      { id: '3', openedBefore: ['1', '2', '3'] },
    ]);
  });

  it('closes the log opened ahead when the scan stops early', async () => {
    const opened: string[] = [];
    const source = logs(3, opened);
    for await (const { stream } of prefetchedLogs(source.iterable)) {
      stream.destroy();
      break;
    }
    expect(opened).toEqual(['1', '2']);
    expect(source.streams[1].destroyed).toBe(true);
  });

  it('fails with the error of a log that cannot be opened, when its turn comes', async () => {
    const opened: string[] = [];
    const ids: string[] = [];
    await expect(
      (async () => {
        for await (const { log, stream } of prefetchedLogs(logs(3, opened, 2).iterable)) {
          ids.push(log.id);
          for await (const _ of stream);
        }
      })(),
    ).rejects.toThrow('log 2 is gone');
    expect(ids).toEqual(['1']);
  });
});
