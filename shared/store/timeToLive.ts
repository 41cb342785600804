import { PermanentError } from '../errors';
import type { ContainerName } from './port';

/**
 * How long each container keeps a document after its last write (docs/architecture.md, "State"; docs/operations.md,
 * "How long data is kept"): Cosmos DB's container `defaultTtl`, in seconds. The one source of these values: the embedded
 * store expires by them, the Cosmos adapter creates containers with them (VIGIL_COSMOS_CREATE), and infra/'s defaults
 * must equal them (test/unit/infra/bicep.test.ts). A container not named here has TTL off and keeps its documents.
 */
const secondsPerDay = 86_400;

/** Deliveries: long enough to answer a redelivery `duplicate` and to trace it; Bicep's `deliveriesRetentionDays`. */
export const deliveriesRetentionDays = 30;

export const timeToLiveSeconds = {
  deliveries: deliveriesRetentionDays * secondsPerDay,
  /** A delivery's hops for `vigil trace`: kept as long as the delivery itself. */
  journeys: deliveriesRetentionDays * secondsPerDay,
  /** Longer than the 7-day window a completed record suppresses a re-run (expiry itself is decided in code); Bicep's `idempotencyRetentionDays`. */
  idempotency: 14 * secondsPerDay,
  /** Longer than any queue keeps a message with its retries and reschedules; the handler deletes an upload sooner. */
  sarifUploads: 7 * secondsPerDay,
} as const satisfies Partial<Record<ContainerName, number>>;

/** The container's default TTL in seconds, or undefined when TTL is off for it. */
export function containerTimeToLive(container: ContainerName): number | undefined {
  return (timeToLiveSeconds as Partial<Record<ContainerName, number>>)[container];
}

/** Cosmos DB's own bound on a TTL (a signed 32-bit number of seconds). */
const maxTimeToLiveSeconds = 2_147_483_647;

/**
 * When a document written at `ts` (seconds since the epoch) expires, in seconds, or undefined for never, with Cosmos DB's
 * rules: in a container with TTL on, the document's own `ttl` wins over the container's default and `-1` means never; in
 * a container with TTL off a document's `ttl` is ignored. A `ttl` Cosmos would refuse (0, a fraction, a string) is
 * refused here too, so a write that works locally works in Azure.
 */
export function expiresAtSeconds(container: ContainerName, ts: number, document: object): number | undefined {
  const containerTtl = containerTimeToLive(container);
  if (containerTtl === undefined) return undefined;
  const own = (document as { ttl?: unknown }).ttl;
  if (own === undefined || own === null) return ts + containerTtl;
  if (own === -1) return undefined;
  if (typeof own === 'number' && Number.isInteger(own) && own > 0 && own <= maxTimeToLiveSeconds) return ts + own;
  throw new PermanentError(
    `document '${(document as { id?: unknown }).id}' in '${container}' has ttl ${JSON.stringify(own)}: a ttl is -1 (never expires) or a whole number of seconds from 1 to ${maxTimeToLiveSeconds}`,
  );
}
