import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { QueueName } from '../../shared/queue/names';
import type { TestHost } from './testHost';

export interface ReceivedAlert {
  headers: Record<string, string>;
  body: string;
}

export interface AlertReceiver {
  /** Where a webhook channel's URL secret should point. */
  url: string;
  alerts: ReceivedAlert[];
  /** Resolves when the next alert arrives. */
  next(): Promise<void>;
  close(): Promise<void>;
}

/** A loopback webhook channel: records every alert it is sent and answers 204. */
export async function startAlertReceiver(): Promise<AlertReceiver> {
  const alerts: ReceivedAlert[] = [];
  let arrived: () => void = () => undefined;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      alerts.push({ headers: request.headers as Record<string, string>, body });
      response.writeHead(204).end();
      arrived();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    alerts,
    next: () => new Promise((resolve) => (arrived = resolve)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Waits until the host's queues are drained and nothing is locked, polling a bounded number of times. */
export async function queuesSettled(
  host: TestHost,
  queues: readonly QueueName[] = ['build-scan', 'alerts', 'workitem-sync'],
): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    let busy = 0;
    for (const queue of queues) {
      const counts = await host.services.queue.counts(queue);
      busy += counts.active + counts.scheduled;
    }
    if (busy === 0) return;
    await new Promise((resolve) => setImmediate(resolve));
    await host.services.queue.waitForMessages(queues[0], 20);
  }
  throw new Error('queues did not drain');
}
