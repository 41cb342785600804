import { createHash } from 'node:crypto';

/**
 * What a delivery id and an event type may look like once they are past the webhook. They become
 * queue message ids, document ids, log fields and CLI output, so they are held to what the sources
 * really send (GUIDs, `subscription:guid`, `sha256:hex`, `git.push`): no control characters,
 * nothing a terminal or a log reader could take for something else, and no `~`, which the delivery
 * log keeps for documents that are not deliveries.
 */
const deliveryIdPattern = /^[A-Za-z0-9][A-Za-z0-9:._@-]{0,199}$/;
const eventTypePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export const deliveryIdRule = "1-200 letters, digits and ': . _ @ -', starting with a letter or digit";

export function isAcceptableDeliveryId(id: string): boolean {
  return deliveryIdPattern.test(id);
}

export function isAcceptableEventType(type: string): boolean {
  return eventTypePattern.test(type);
}

/** A stable id for a delivery that carries none (or none Vigil can keep): the hash of its body. */
export function bodyDigestId(rawBody: Buffer): string {
  return `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
}
