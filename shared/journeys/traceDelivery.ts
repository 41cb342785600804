import { type DeliveryDocument, type DeliveryRecord, findDelivery, type RefusedDeliveryHop, webhookSources } from '../events';
import type { QueueName } from '../queue';
import { type Container, narrowed, queryAll } from '../store';
import type { HandlerRunHop, HandlerRunOutcome, JourneyHop } from './journeyHop';

/** What the webhook did with the delivery. */
export interface TraceWebhook {
  source: string;
  type: string;
  organization?: string;
  receivedAt: string;
  outcome: 'accepted' | 'ignored' | 'parked' | 'refused';
  /** The HTTP status, for a refusal. */
  status?: number;
  queues: QueueName[];
  reason?: string;
  /** Redeliveries answered `duplicate`, nothing enqueued again. */
  duplicates?: number;
  lastDuplicateAt?: string;
}

export interface TraceRun {
  functionName: string;
  queue: QueueName;
  attempt: number;
  deliveryCount: number;
  enqueuedAt?: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  /** From enqueue to the handler's start. */
  waitedMs?: number;
  outcome: HandlerRunOutcome;
  reason?: string;
}

/** An event of the journey: the runs of its handlers, and the events they emitted, each with its own runs. */
export interface TraceEvent {
  eventId: string;
  type: string;
  /** The queues it was sent to (from the webhook's record or the emitting run). */
  queues: QueueName[];
  scheduledFor?: string;
  runs: TraceRun[];
  emitted: TraceEvent[];
  /** Events emitted beyond those a hop keeps (`maxEmittedPerHop`), not listed. */
  notListed?: number;
}

export interface DeliveryTrace {
  deliveryId: string;
  /** Set when the id asked for was an internal event's: the journey shown is its delivery's. */
  asked?: string;
  webhook?: TraceWebhook;
  journey?: TraceEvent;
}

export interface TraceStores {
  deliveries: Container<DeliveryDocument>;
  journeys: Container<JourneyHop>;
}

/**
 * The journey of one delivery, from the store alone: the webhook's record, then every handler run
 * of its event and of the events they emitted, recursively. Undefined when nothing is known of the
 * id (never delivered, refused before it proved its sender, or older than the deliveries' TTL).
 * An internal event's id (`risk:…`) leads to the delivery its chain started from.
 */
export async function traceDelivery(stores: TraceStores, id: string): Promise<DeliveryTrace | undefined> {
  const trace = await traceRoot(stores, id);
  if (trace) return trace;
  const [hop] = (await stores.journeys.query({ where: { eventId: id }, limit: 1 })).items;
  if (!hop || hop.rootDeliveryId === id) return undefined;
  const root = await traceRoot(stores, hop.rootDeliveryId);
  return root ? { ...root, asked: id } : undefined;
}

async function traceRoot(stores: TraceStores, id: string): Promise<DeliveryTrace | undefined> {
  const [records, hops] = await Promise.all([
    Promise.all(webhookSources.map((source) => findDelivery(stores.deliveries, source, id))),
    queryAll(stores.journeys, { where: { rootDeliveryId: id } }),
  ]);
  const record = records.find((found) => found !== undefined);
  const refused = hops.map((hop) => narrowed(hop, 'kind', 'webhook')).find((hop) => hop !== undefined);
  const runs = hops.flatMap((hop) => narrowed(hop, 'kind', 'handler') ?? []);
  const webhook = record ? webhookOf(record) : refused ? refusalOf(refused) : undefined;
  if (!webhook && runs.length === 0) return undefined;
  const rootRuns = runs.filter((run) => run.eventId === id);
  const journey =
    rootRuns.length > 0 || (webhook?.queues.length ?? 0) > 0
      ? buildEvent(
          {
            eventId: id,
            type: webhook?.type ?? rootRuns[0]?.type ?? 'unknown',
            queues: webhook?.queues ?? unique(rootRuns.map((r) => r.queue)),
          },
          runsByEvent(runs),
          new Set(),
        )
      : undefined;
  return { deliveryId: id, ...(webhook ? { webhook } : {}), ...(journey ? { journey } : {}) };
}

function webhookOf(record: DeliveryRecord): TraceWebhook {
  return {
    source: record.source,
    type: record.type,
    ...(record.organization ? { organization: record.organization } : {}),
    receivedAt: record.receivedAt,
    outcome: record.outcome,
    queues: record.queues,
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.duplicates ? { duplicates: record.duplicates, lastDuplicateAt: record.lastDuplicateAt } : {}),
  };
}

function refusalOf(hop: RefusedDeliveryHop): TraceWebhook {
  return { source: hop.source, type: hop.type, receivedAt: hop.at, outcome: 'refused', status: hop.status, queues: [], reason: hop.reason };
}

function runsByEvent(runs: HandlerRunHop[]): Map<string, HandlerRunHop[]> {
  const byEvent = new Map<string, HandlerRunHop[]>();
  for (const run of runs) byEvent.set(run.eventId, [...(byEvent.get(run.eventId) ?? []), run]);
  for (const list of byEvent.values()) list.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.deliveryCount - b.deliveryCount);
  return byEvent;
}

interface EventHeader {
  eventId: string;
  type: string;
  queues: QueueName[];
  scheduledFor?: string;
}

function buildEvent(header: EventHeader, byEvent: Map<string, HandlerRunHop[]>, seen: Set<string>): TraceEvent {
  seen.add(header.eventId);
  const hops = byEvent.get(header.eventId) ?? [];
  // What the runs emitted, one entry per event (sent to several queues, or by several runs).
  const children = new Map<string, EventHeader>();
  for (const hop of hops) {
    for (const sent of hop.emitted) {
      const child = children.get(sent.eventId) ?? { eventId: sent.eventId, type: sent.type, queues: [] };
      if (!child.queues.includes(sent.queue)) child.queues.push(sent.queue);
      if (sent.scheduledFor) child.scheduledFor = sent.scheduledFor;
      children.set(sent.eventId, child);
    }
  }
  // Runs of events a hop emitted past the number it lists are still found by their cause.
  for (const [eventId, runs] of byEvent) {
    if (children.has(eventId) || runs[0].causationId !== header.eventId) continue;
    children.set(eventId, { eventId, type: runs[0].type, queues: unique(runs.map((run) => run.queue)) });
  }
  const emitted = [...children.values()].filter((child) => !seen.has(child.eventId)).map((child) => buildEvent(child, byEvent, seen));
  const listed = hops.reduce((sum, hop) => sum + hop.emitted.length, 0);
  const total = hops.reduce((sum, hop) => sum + hop.emittedCount, 0);
  return {
    ...header,
    runs: hops.map(traceRun),
    emitted,
    ...(total > listed ? { notListed: total - listed } : {}),
  };
}

function traceRun(hop: HandlerRunHop): TraceRun {
  const started = Date.parse(hop.startedAt);
  return {
    functionName: hop.functionName,
    queue: hop.queue,
    attempt: hop.attempt,
    deliveryCount: hop.deliveryCount,
    ...(hop.enqueuedAt ? { enqueuedAt: hop.enqueuedAt, waitedMs: Math.max(0, started - Date.parse(hop.enqueuedAt)) } : {}),
    startedAt: hop.startedAt,
    endedAt: hop.endedAt,
    durationMs: Date.parse(hop.endedAt) - started,
    outcome: hop.outcome,
    ...(hop.reason ? { reason: hop.reason } : {}),
  };
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
