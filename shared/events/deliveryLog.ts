import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { QueueName } from '../queue';
import type { Container } from '../store';
import { isConflict, queryAll } from '../store';

/**
 * Every delivery Vigil accepted, ignored or parked (a routed event whose ids could not be found),
 * with its outcome (the `deliveries` container).
 */
export interface DeliveryRecord {
  id: string;
  source: string;
  eventId: string;
  type: string;
  organization?: string;
  receivedAt: string;
  outcome: 'accepted' | 'ignored' | 'parked';
  queues: QueueName[];
  reason?: string;
  /** How many times the same delivery came again and was answered `duplicate` (nothing enqueued). */
  duplicates?: number;
  lastDuplicateAt?: string;
}

/**
 * Refused deliveries are counted per source, day and status rather than stored one by one, so a
 * flood of unauthenticated requests cannot fill the store.
 */
export interface RefusalTally {
  id: string;
  source: string;
  outcome: 'refused';
  day: string;
  count: number;
  byStatus: Record<string, number>;
}

export type DeliveryDocument = DeliveryRecord | RefusalTally;

/**
 * Delivery records and refusal tallies share the container, so their ids must never meet: a
 * delivery's id is its event id when that is plain (letters, digits, `: . _ @ -`), else `sha256~`
 * and a hash; a tally's id starts `refused~`. No event id can produce a `~`, so no delivery can take
 * a tally's place (or another delivery's hashed one). Cosmos ids may not contain `/ \ ? #` either.
 */
export function deliveryDocumentId(eventId: string): string {
  return /^[A-Za-z0-9:._@-]{1,200}$/.test(eventId) ? eventId : `sha256~${createHash('sha256').update(eventId).digest('base64url')}`;
}

export function refusalTallyId(day: string): string {
  return `refused~${day}`;
}

/** The delivery recorded under `eventId`, if any (a read, for answering a redelivery without enqueueing it again). */
export async function findDelivery(
  deliveries: Container<DeliveryDocument>,
  source: string,
  eventId: string,
): Promise<DeliveryRecord | undefined> {
  const found = await deliveries.read(deliveryDocumentId(eventId), source);
  return found && found.outcome !== 'refused' ? found : undefined;
}

/** Records the delivery; `duplicate` when the same delivery was recorded before. */
export async function recordDelivery(
  deliveries: Container<DeliveryDocument>,
  record: Omit<DeliveryRecord, 'id'>,
): Promise<'recorded' | 'duplicate'> {
  try {
    await deliveries.create({ id: deliveryDocumentId(record.eventId), ...record });
    return 'recorded';
  } catch (error) {
    if (isConflict(error)) return 'duplicate';
    throw error;
  }
}

export async function recordRefusal(deliveries: Container<DeliveryDocument>, source: string, status: number, clock: Clock): Promise<void> {
  const day = new Date(clock.now()).toISOString().slice(0, 10);
  const id = refusalTallyId(day);
  const increment = [
    { op: 'incr' as const, path: '/count', value: 1 },
    { op: 'incr' as const, path: `/byStatus/${status}`, value: 1 },
  ];
  try {
    await deliveries.patch(id, source, increment);
  } catch {
    try {
      await deliveries.create({ id, source, outcome: 'refused', day, count: 1, byStatus: { [status]: 1 } });
    } catch (error) {
      if (!isConflict(error)) throw error;
      await deliveries.patch(id, source, increment);
    }
  }
}

export interface DeliveryCounts {
  accepted: number;
  ignored: number;
  refused: number;
  parked: number;
}

export async function countDeliveries(deliveries: Container<DeliveryDocument>): Promise<DeliveryCounts> {
  const [accepted, ignored, parked] = await Promise.all([
    deliveries.count({ outcome: 'accepted' }),
    deliveries.count({ outcome: 'ignored' }),
    deliveries.count({ outcome: 'parked' }),
  ]);
  const tallies = await queryAll(deliveries, { where: { outcome: 'refused' } });
  const refused = tallies.reduce((sum, tally) => sum + (tally as RefusalTally).count, 0);
  return { accepted, ignored, refused, parked };
}

/**
 * A delivery refused after it proved who sent it (a GitHub or GitLab payload that fails its schema):
 * kept in the `journeys` container, one per delivery id, so `vigil trace` can say why. Refusals of
 * unauthenticated requests are only counted (RefusalTally): their ids prove nothing.
 */
export interface RefusedDeliveryHop {
  id: string;
  kind: 'webhook';
  rootDeliveryId: string;
  source: string;
  type: string;
  at: string;
  outcome: 'refused';
  status: number;
  reason: string;
}

/** The `journeys` container as the webhook sees it: it only ever writes this one kind of hop there. */
export interface RefusedDeliveryWriter {
  upsert(hop: RefusedDeliveryHop): Promise<unknown>;
}

export function refusedDeliveryHopId(deliveryId: string): string {
  return `webhook~refused~${deliveryDocumentId(deliveryId)}`;
}

export async function recordRefusedDelivery(journeys: RefusedDeliveryWriter, hop: Omit<RefusedDeliveryHop, 'id' | 'kind'>): Promise<void> {
  await journeys.upsert({ id: refusedDeliveryHopId(hop.rootDeliveryId), kind: 'webhook', ...hop });
}

/**
 * Counts a redelivery of an accepted delivery on its record (one document, however many come), so
 * `vigil trace` shows it was answered `duplicate` and nothing was enqueued again.
 */
export async function recordDuplicateDelivery(deliveries: Container<DeliveryDocument>, record: DeliveryRecord, at: string): Promise<void> {
  await deliveries.patch(record.id, record.source, [
    { op: 'incr', path: '/duplicates', value: 1 },
    { op: 'set', path: '/lastDuplicateAt', value: at },
  ]);
}
