import type { EventEnvelope, WebhookSource } from '../envelope';

export interface HeaderReader {
  get(name: string): string | null;
}

/** What a source's payload says, before routing: the envelope fields it can vouch for. */
export type Extracted = Pick<EventEnvelope, 'organization' | 'subject'> & { project?: string };

export interface IdentifiedDelivery {
  /** Idempotency key of the delivery (docs/architecture.md, "The event envelope"). */
  id: string;
  /** The source's own event name. */
  type: string;
}

/** One webhook source: how it proves who it is, and how its payloads become envelopes. */
export interface SourceAdapter {
  readonly source: WebhookSource;
  /** True when the request carries the shared secret (compared in constant time). */
  authenticate(headers: HeaderReader, rawBody: Buffer, secret: string): Promise<boolean>;
  /** Delivery id and event type; throws WebhookRejection when the request can't be identified. */
  identify(headers: HeaderReader, payload: Record<string, unknown>, rawBody: Buffer): IdentifiedDelivery;
  /** Extractors for the event types Vigil routes; a type without one is ignored. */
  readonly extractors: Record<string, (payload: Record<string, unknown>) => Extracted>;
}
