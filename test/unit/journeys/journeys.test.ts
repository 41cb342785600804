import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppServices } from '../../../shared/app/services';
import type { UseCase } from '../../../shared/app/useCase';
import { handleQueueMessage } from '../../../shared/azureFunctions/queueTrigger';
import { PermanentError, ThrottledError, TransientError } from '../../../shared/errors';
import type { EventEnvelope } from '../../../shared/events/envelope';
import type { HandlerRunHop, TraceEvent } from '../../../shared/journeys';
import { traceDelivery, traceText } from '../../../shared/journeys';
import { maxEmittedPerHop } from '../../../shared/journeys/journeyHop';
import type { QueueName } from '../../../shared/queue/names';
import { buildCompleteEvent, type EmbeddedServices, startEmbeddedServices } from '../../support/embeddedServices';
import type { ManualClock } from '../../support/manualClock';

/**
 * The journey of a delivery as the queue trigger records it (a hop per handler run, written at its
 * settlement) and as `vigil trace` reads it back, on the embedded store: every settlement outcome,
 * the chain of emitted events, and what a hop keeps when a run fans out widely.
 */
const root = buildCompleteEvent('sub-1:evt-1');

let embedded: EmbeddedServices;
let clock: ManualClock;
let services: AppServices;

beforeEach(async () => {
  embedded = await startEmbeddedServices({ env: { VIGIL_MAX_DELIVERY_COUNT: '3' }, label: 'journeys' });
  ({ clock, services } = embedded);
});

afterEach(() => embedded.close());

function run(functionName: string, queue: QueueName, body: EventEnvelope, useCase: UseCase, deliveryCount = 1) {
  return handleQueueMessage(
    { functionName, queue, body, messageId: body.id, deliveryCount, enqueuedTime: new Date(clock.now() - 250) },
    services,
    useCase,
  );
}

/** A use case that takes `ms` of the manual clock, then emits `events` through the queue it was given. */
function emitting(ms: number, ...events: Array<[QueueName, EventEnvelope]>): UseCase {
  return async (_envelope, { services: given }) => {
    clock.advance(ms);
    for (const [queue, event] of events) await given.queue.send(queue, [{ messageId: event.id, body: event }]);
  };
}

const internal = (id: string, type: string): EventEnvelope => ({ ...root, id, source: 'vigil', type, subject: { riskId: 'r1' } });

async function hops(): Promise<HandlerRunHop[]> {
  return (await services.stores.journeys.query({})).items.flatMap((hop) => (hop.kind === 'handler' ? [hop] : []));
}

describe('the journey a handler run records', () => {
  it('stamps what a run emits with the delivery it started from and its cause, down the chain', async () => {
    const opened = internal('risk:r1:opened:1', 'risk.opened');
    await run('scanBuild', 'build-scan', root, emitting(1_200, ['alerts', opened], ['workitem-sync', opened]));
    const [alertsMessage] = await services.queue.receive('alerts', { maxMessages: 1, lockDurationMs: 30_000 });
    const sent = alertsMessage.body as EventEnvelope;
    expect(sent).toMatchObject({ id: opened.id, rootDeliveryId: root.id, causationId: root.id });

    const flush = internal('alerts.flush:1', 'alerts.flush');
    await run('sendAlert', 'alerts', sent, emitting(30, ['alerts', flush]));
    const [flushMessage] = await services.queue.receive('alerts', { maxMessages: 1, lockDurationMs: 30_000 });
    // Two hops down, the root is still the webhook's delivery.
    expect(flushMessage.body).toMatchObject({ rootDeliveryId: root.id, causationId: opened.id });
  });

  it('records times, outcome and emitted events, with no payload, and is found by the delivery id', async () => {
    const opened = internal('risk:r1:opened:1', 'risk.opened');
    await run('scanBuild', 'build-scan', root, emitting(1_200, ['alerts', opened]));
    const [hop] = await hops();
    expect(hop).toMatchObject({
      kind: 'handler',
      rootDeliveryId: root.id,
      eventId: root.id,
      functionName: 'scanBuild',
      queue: 'build-scan',
      outcome: 'completed',
      startedAt: '2026-11-20T10:00:00.000Z',
      endedAt: '2026-11-20T10:00:01.200Z',
      enqueuedAt: '2026-11-20T09:59:59.750Z',
      emitted: [{ eventId: opened.id, type: 'risk.opened', queue: 'alerts' }],
      emittedCount: 1,
    });
    expect(JSON.stringify(hop)).not.toContain('buildId');
  });

  it.each([
    ['parked', new PermanentError('build 7 not found (it was deleted)'), 1, 'parked'],
    ['rescheduled', new ThrottledError('Azure DevOps said 429', 5_000), 1, 'rescheduled'],
    ['retried', new TransientError('connection reset'), 1, 'retried'],
    ['dead-lettered at the delivery limit', new TransientError('connection reset'), 3, 'dead-lettered'],
  ])('records a run that was %s, with the reason', async (_name, error, deliveryCount, outcome) => {
    const failing: UseCase = async () => {
      throw error;
    };
    await run('scanBuild', 'build-scan', root, failing, deliveryCount).catch(() => undefined);
    const [hop] = await hops();
    expect(hop).toMatchObject({ outcome, deliveryCount, reason: expect.stringContaining(error.message) });
  });

  it('records a message that is no envelope under its message id', async () => {
    await handleQueueMessage(
      { functionName: 'scanBuild', queue: 'build-scan', body: { hello: 'world' }, messageId: 'odd-1', deliveryCount: 1 },
      services,
    );
    const trace = await traceDelivery(services.stores, 'odd-1');
    expect(trace?.journey?.runs).toEqual([
      expect.objectContaining({ functionName: 'scanBuild', outcome: 'parked', reason: expect.stringMatching(/^invalid envelope: /) }),
    ]);
  });

  it(`keeps the first ${maxEmittedPerHop} events a run emits and counts the rest`, async () => {
    const many = Array.from(
      { length: maxEmittedPerHop + 20 },
      (_, i) => ['repo-scan', internal(`scan:${i}`, 'repository.scan-requested')] as [QueueName, EventEnvelope],
    );
    await run('inventoryOrganization', 'repo-scan', root, emitting(10, ...many));
    const [hop] = await hops();
    expect(hop.emitted).toHaveLength(maxEmittedPerHop);
    expect(hop.emittedCount).toBe(maxEmittedPerHop + 20);
    const trace = await traceDelivery(services.stores, root.id);
    expect(trace?.journey?.notListed).toBe(20);
  });
});

describe('vigil trace, built from the hops', () => {
  it('nests each emitted event under the run that emitted it, with its own runs, and shows where one stopped', async () => {
    const opened = internal('risk:r1:opened:1', 'risk.opened');
    await run('scanBuild', 'build-scan', root, emitting(1_200, ['alerts', opened], ['workitem-sync', opened]));
    const stamped = { ...opened, rootDeliveryId: root.id, causationId: root.id };
    await run('sendAlert', 'alerts', stamped, emitting(30));
    await run('syncWorkItem', 'workitem-sync', stamped, async () => {
      throw new PermanentError("no Azure DevOps token for organization 'contoso' (set secret 'ado-pat-contoso' in the vault)");
    });

    const trace = await traceDelivery(services.stores, root.id);
    const journey = trace?.journey as TraceEvent;
    expect(journey.runs.map((r) => [r.functionName, r.outcome, r.durationMs, r.waitedMs])).toEqual([
      ['scanBuild', 'completed', 1_200, 250],
    ]);
    expect(journey.emitted).toHaveLength(1);
    expect(journey.emitted[0]).toMatchObject({ eventId: opened.id, type: 'risk.opened', queues: ['alerts', 'workitem-sync'] });
    expect(journey.emitted[0].runs.map((r) => [r.functionName, r.outcome])).toEqual([
      ['sendAlert', 'completed'],
      ['syncWorkItem', 'parked'],
    ]);

    const text = traceText(trace as NonNullable<typeof trace>);
    expect(text).toContain(`${root.id}: no webhook delivery recorded`);
    expect(text).toContain('scanBuild on build-scan: completed in 1.20 s, 250 ms after enqueue');
    expect(text).toContain(`-> risk.opened ${opened.id} on alerts, workitem-sync`);
    expect(text).toContain(
      "syncWorkItem on workitem-sync: parked in 0 ms, 250 ms after enqueue: PermanentError: no Azure DevOps token for organization 'contoso'",
    );
    expect(text).toContain('see `vigil dlq list --queue workitem-sync`');
  });

  it('says when an emitted event has no run recorded yet', async () => {
    await run('scanBuild', 'build-scan', root, emitting(5, ['alerts', internal('risk:r1:opened:1', 'risk.opened')]));
    const text = traceText((await traceDelivery(services.stores, root.id)) as NonNullable<Awaited<ReturnType<typeof traceDelivery>>>);
    expect(text).toMatch(/no handler run recorded on alerts yet: still queued \(`vigil status`\)/);
  });

  it('shows each redelivery of a retried message as its own run', async () => {
    await run('scanBuild', 'build-scan', root, async () => {
      throw new TransientError('connection reset');
    }).catch(() => undefined);
    clock.advance(1_000);
    await run('scanBuild', 'build-scan', root, emitting(10), 2);
    const journey = (await traceDelivery(services.stores, root.id))?.journey as TraceEvent;
    expect(journey.runs.map((r) => [r.deliveryCount, r.outcome])).toEqual([
      [1, 'retried'],
      [2, 'completed'],
    ]);
  });

  it('keeps a parked run when the message is replayed and runs again from delivery 1', async () => {
    await run('scanBuild', 'build-scan', root, async () => {
      throw new PermanentError('build 7 not found');
    });
    clock.advance(60_000);
    await run('scanBuild', 'build-scan', root, emitting(10));
    const journey = (await traceDelivery(services.stores, root.id))?.journey as TraceEvent;
    expect(journey.runs.map((r) => [r.deliveryCount, r.outcome])).toEqual([
      [1, 'parked'],
      [1, 'completed'],
    ]);
  });

  it('knows nothing of an id nothing recorded', async () => {
    expect(await traceDelivery(services.stores, 'nobody')).toBeUndefined();
  });
});
