/**
 * Webhook ingest throughput and latency: the local host's POST /api/hooks/github (verify the
 * signature, validate, enqueue durably in SQLite, record the delivery) against a bare node:http
 * server that only reads the body and answers 202, measured in the same run on the same machine.
 *
 *   npm run bench:ingest            (BENCH_SECONDS=10 BENCH_CONNECTIONS=50 to change the load)
 *
 * Prints one JSON line: {reqPerSec, p50Ms, p99Ms, bareReqPerSec, bareP99Ms, ratio, errors}.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import examples from '@octokit/webhooks-examples';
import { appFunctions, startTestHost } from '../support/testHost';
import { githubHeaders } from '../support/webhookClient';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

interface Figures {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, body: string, headers: Record<string, string>): Promise<Figures> {
  const result = await autocannon({
    url,
    method: 'POST',
    connections,
    duration: seconds,
    body,
    headers,
    // A fresh delivery id per request, so every request is a new event that is really enqueued.
    requests: [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'x-github-delivery': randomUUID() } }) }],
  });
  return {
    reqPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const push = examples.find((group) => group.name === 'push')?.examples[0];
  const body = JSON.stringify(push);
  const headers = githubHeaders('push', body);

  const bare = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(202, { 'content-type': 'application/json' });
      response.end('{"id":"x","queues":["repo-scan"]}');
    });
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareFigures = await load(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`, body, headers);
  bare.close();

  const host = await startTestHost({
    env: { VIGIL_LOG_LEVEL: 'warn' },
    functions: (await appFunctions()).filter((f) => f.kind === 'http'),
  });
  const vigil = await load(host.url('/hooks/github'), body, headers);
  const accepted = (await host.services.queue.counts('repo-scan')).active;
  await host.dispose();

  process.stdout.write(
    `${JSON.stringify({
      bench: 'ingest',
      seconds,
      connections,
      bodyBytes: Buffer.byteLength(body),
      reqPerSec: vigil.reqPerSec,
      p50Ms: vigil.p50Ms,
      p99Ms: vigil.p99Ms,
      non2xx: vigil.non2xx,
      errors: vigil.errors,
      enqueued: accepted,
      bareReqPerSec: bareFigures.reqPerSec,
      bareP99Ms: bareFigures.p99Ms,
      ratio: Number((vigil.reqPerSec / bareFigures.reqPerSec).toFixed(3)),
    })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${String(error)}\n`);
  process.exitCode = 1;
});
